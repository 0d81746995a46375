/// A strict RFC 8259 JSON reader for the messages that carry many operations (push bodies,
/// pull pages, snapshots, session logs), where Foundation's `JSONSerialization` spent most of
/// the server's and the replay's CPU time building `NSDictionary` trees.
///
/// One pass validates the whole document and writes a flat *tape*: one entry per value
/// (containers, strings, numbers, literals; object keys are string entries), in document
/// order. Values are then read in place through `JSONValue`; strings are decoded only when
/// asked for, and compared with expected keys without being decoded at all.
///
/// Accepted: exactly RFC 8259 (any value at the top; whitespace is space, tab, CR, LF).
/// Rejected, with the byte offset: trailing commas, leading zeros, `+1`, `.5`, `1.`, NaN and
/// Infinity, single quotes, comments, control characters in strings, bad escapes, lone
/// surrogate escapes, invalid UTF-8 (overlong forms, surrogates, above U+10FFFF), duplicate
/// keys in one object (ambiguous: readers disagree on which one wins), nesting deeper than
/// `maxDepth`, anything after the value, and documents of 4 GiB or more.
///
/// Tape invariants (checked in tests through the public API):
/// - entry 0 is the root; a container's `end` is the index just past its last descendant,
///   so `skip(i)` is O(1);
/// - an object's children alternate key (a string entry) and value;
/// - a string's or number's `start..<end` is its byte range (strings without the quotes).
public final class JSONDocument: @unchecked Sendable {
    // @unchecked: immutable after init (both arrays are `let`).
    public let bytes: [UInt8]
    let tape: [Entry]

    struct Entry {
        var kind: Kind
        /// Strings: the content has a backslash escape. Numbers: an integer literal (no
        /// fraction, no exponent).
        var flag: Bool
        var start: UInt32
        /// Strings and numbers: end of the byte range. Containers: index past the last descendant.
        var end: UInt32
        /// Containers: members (objects) or elements (arrays).
        var count: UInt32
    }

    enum Kind: UInt8 { case object, array, string, number, `true`, `false`, null }

    /// Parses and validates `bytes`; throws `JSONSyntaxError` naming the byte offset.
    public init(_ bytes: [UInt8], maxDepth: Int = 128) throws(JSONSyntaxError) {
        guard bytes.count < Int(UInt32.max) else { throw JSONSyntaxError(offset: 0, "the document is 4 GiB or larger") }
        self.bytes = bytes
        var parser = _JSONParser(maxDepth: maxDepth)
        parser.tape.reserveCapacity(bytes.count / 12 + 4)
        try bytes.withUnsafeBufferPointer { (b) throws(JSONSyntaxError) in try parser.parse(b) }
        self.tape = parser.tape
    }

    public convenience init<S: Sequence>(bytes: S, maxDepth: Int = 128) throws(JSONSyntaxError) where S.Element == UInt8 {
        try self.init(Array(bytes), maxDepth: maxDepth)
    }

    /// The top-level value.
    public var root: JSONValue { JSONValue(document: self, index: 0) }

    @inline(__always) func skip(_ i: Int) -> Int {
        switch tape[i].kind {
        case .object, .array: Int(tape[i].end)
        default: i + 1
        }
    }
}

/// Where and why a JSON document was refused.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    /// Byte offset into the document.
    public let offset: Int
    public let reason: String
    public init(offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A value inside a `JSONDocument` (a cheap handle: the document and a tape index).
public struct JSONValue: @unchecked Sendable {
    // @unchecked: holds only the immutable document and an index.
    let document: JSONDocument
    let index: Int

    var entry: JSONDocument.Entry { document.tape[index] }

    public var isNull: Bool { entry.kind == .null }
    public var isObject: Bool { entry.kind == .object }
    public var isArray: Bool { entry.kind == .array }
    public var isString: Bool { entry.kind == .string }
    public var isNumber: Bool { entry.kind == .number }

    /// The boolean, if this is `true` or `false` (never a number).
    public var bool: Bool? {
        switch entry.kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    /// The decoded string, if this is a string.
    public var string: String? {
        let e = entry
        guard e.kind == .string else { return nil }
        return document.bytes.withUnsafeBufferPointer { b in
            let range = UnsafeBufferPointer(rebasing: b[Int(e.start)..<Int(e.end)])
            if !e.flag { return String(decoding: range, as: UTF8.self) }
            return String(decoding: _JSONParser.unescape(range), as: UTF8.self)
        }
    }

    /// Whether this is a string equal to `text`, without decoding it when it has no escapes.
    public func stringEquals(_ text: String) -> Bool {
        let e = entry
        guard e.kind == .string else { return false }
        if e.flag { return string == text }
        var text = text
        return text.withUTF8 { t in
            guard t.count == Int(e.end - e.start) else { return false }
            return document.bytes.withUnsafeBufferPointer { b in
                _JSONParser.equal(UnsafeBufferPointer(rebasing: b[Int(e.start)..<Int(e.end)]), t)
            }
        }
    }

    /// The number as a signed 64-bit integer, if it is an integer literal (no fraction, no
    /// exponent) within range.
    public var int64: Int64? {
        let e = entry
        guard e.kind == .number, e.flag else { return nil }
        return document.bytes.withUnsafeBufferPointer { b in
            var i = Int(e.start)
            let end = Int(e.end)
            let negative = b[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            var magnitude: UInt64 = 0
            while i < end {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(b[i] &- 48))
                guard !o1, !o2 else { return nil }
                magnitude = s
                i += 1
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return Int64(magnitude)
        }
    }

    /// The number as an unsigned 64-bit integer, if it is a non-negative integer literal within range.
    public var uint64: UInt64? {
        let e = entry
        guard e.kind == .number, e.flag else { return nil }
        return document.bytes.withUnsafeBufferPointer { b in
            var magnitude: UInt64 = 0
            for i in Int(e.start)..<Int(e.end) {
                guard b[i] != UInt8(ascii: "-") else { return nil }
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(b[i] &- 48))
                guard !o1, !o2 else { return nil }
                magnitude = s
            }
            return magnitude
        }
    }

    /// The number as a Double (any JSON number), if this is a number.
    public var double: Double? {
        let e = entry
        guard e.kind == .number else { return nil }
        return Double(String(decoding: document.bytes[Int(e.start)..<Int(e.end)], as: UTF8.self))
    }

    /// Members (objects) or elements (arrays); 0 for anything else.
    public var count: Int {
        let e = entry
        return e.kind == .object || e.kind == .array ? Int(e.count) : 0
    }

    /// The member named `key`, if this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        guard entry.kind == .object else { return nil }
        let end = Int(entry.end)
        var i = index + 1
        while i < end {
            let keyValue = JSONValue(document: document, index: i)
            if keyValue.stringEquals(key) { return JSONValue(document: document, index: i + 1) }
            i = document.skip(i + 1)
        }
        return nil
    }

    /// The elements, if this is an array.
    public var elements: [JSONValue]? {
        guard entry.kind == .array else { return nil }
        var out: [JSONValue] = []
        out.reserveCapacity(Int(entry.count))
        let end = Int(entry.end)
        var i = index + 1
        while i < end {
            out.append(JSONValue(document: document, index: i))
            i = document.skip(i)
        }
        return out
    }

    /// The members in document order, if this is an object.
    public var members: [(key: String, value: JSONValue)]? {
        guard entry.kind == .object else { return nil }
        var out: [(key: String, value: JSONValue)] = []
        let end = Int(entry.end)
        var i = index + 1
        while i < end {
            out.append((JSONValue(document: document, index: i).string ?? "", JSONValue(document: document, index: i + 1)))
            i = document.skip(i + 1)
        }
        return out
    }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch entry.kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .true, .false: "a boolean"
        case .null: "null"
        }
    }
}

/// The one-pass validating parser behind `JSONDocument`.
struct _JSONParser {
    var tape: [JSONDocument.Entry] = []
    let maxDepth: Int
    /// Open containers: tape index of each.
    private var open: [Int] = []

    init(maxDepth: Int) { self.maxDepth = maxDepth }

    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")

    @inline(__always) private static func skipSpace(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
        while i < b.count {
            let c = b[i]
            guard c == space || c == lf || c == cr || c == tab else { return }
            i += 1
        }
    }

    private static func describe(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> String {
        guard i < b.count else { return "the end of the document" }
        let c = b[i]
        if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x\(String(c, radix: 16, uppercase: true))"
    }

    mutating func parse(_ b: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) {
        var i = 0
        Self.skipSpace(b, &i)
        // Each iteration reads one value (after which the containers it closes are closed).
        while true {
            guard i < b.count else { throw JSONSyntaxError(offset: i, "expected a value, found the end of the document") }
            let c = b[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard open.count < maxDepth else { throw JSONSyntaxError(offset: i, "nested deeper than \(maxDepth) levels") }
                let isObject = c == UInt8(ascii: "{")
                open.append(tape.count)
                tape.append(.init(kind: isObject ? .object : .array, flag: false, start: UInt32(i), end: 0, count: 0))
                i += 1
                Self.skipSpace(b, &i)
                if i < b.count && b[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    try close(b, at: i)
                } else if isObject {
                    try key(b, &i)
                    continue
                } else {
                    continue
                }
            case Self.quote:
                try string(b, &i)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number(b, &i)
            case UInt8(ascii: "t"): try literal(b, &i, "true", .true)
            case UInt8(ascii: "f"): try literal(b, &i, "false", .false)
            case UInt8(ascii: "n"): try literal(b, &i, "null", .null)
            default:
                throw JSONSyntaxError(offset: i, "expected a value, found \(Self.describe(b, i))")
            }
            // After a value: a separator or the close of the enclosing container(s).
            while true {
                Self.skipSpace(b, &i)
                guard let top = open.last else {
                    guard i == b.count else { throw JSONSyntaxError(offset: i, "unexpected \(Self.describe(b, i)) after the top-level value") }
                    return
                }
                let isObject = tape[top].kind == .object
                guard i < b.count else { throw JSONSyntaxError(offset: i, "the document ends inside \(isObject ? "an object" : "an array")") }
                if b[i] == Self.comma {
                    i += 1
                    tape[top].count += 1
                    Self.skipSpace(b, &i)
                    if isObject { try key(b, &i) }
                    break
                }
                if b[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    tape[top].count += 1
                    try close(b, at: i)
                    continue
                }
                throw JSONSyntaxError(offset: i, "expected ',' or '\(isObject ? "}" : "]")' in \(isObject ? "an object" : "an array"), found \(Self.describe(b, i))")
            }
        }
    }

    /// Closes the innermost container (its closing bracket ends just before `at`).
    private mutating func close(_ b: UnsafeBufferPointer<UInt8>, at: Int) throws(JSONSyntaxError) {
        let top = open.removeLast()
        tape[top].end = UInt32(tape.count)
        if tape[top].kind == .object && tape[top].count > 1 { try checkDuplicateKeys(b, object: top) }
    }

    /// Reads `"key" :` (whitespace allowed around the colon).
    private mutating func key(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONSyntaxError) {
        guard i < b.count, b[i] == Self.quote else {
            throw JSONSyntaxError(offset: i, "expected a member name in double quotes, found \(Self.describe(b, i))")
        }
        try string(b, &i)
        Self.skipSpace(b, &i)
        guard i < b.count, b[i] == Self.colon else { throw JSONSyntaxError(offset: i, "expected ':' after a member name, found \(Self.describe(b, i))") }
        i += 1
        Self.skipSpace(b, &i)
    }

    private mutating func literal(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ word: StaticString, _ kind: JSONDocument.Kind) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count, Self.equal(UnsafeBufferPointer(rebasing: b[i..<i + n]), UnsafeBufferPointer(start: word.utf8Start, count: n)) else {
            throw JSONSyntaxError(offset: i, "expected a value, found \(Self.describe(b, i))")
        }
        tape.append(.init(kind: kind, flag: false, start: UInt32(i), end: UInt32(i + n), count: 0))
        i += n
    }

    private mutating func number(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONSyntaxError) {
        let start = i
        var integer = true
        @inline(__always) func digit(_ j: Int) -> Bool { j < b.count && b[j] >= UInt8(ascii: "0") && b[j] <= UInt8(ascii: "9") }
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else { throw JSONSyntaxError(offset: i, "a number needs a digit here, found \(Self.describe(b, i))") }
        if b[i] == UInt8(ascii: "0") {
            i += 1
            if digit(i) { throw JSONSyntaxError(offset: i, "a number may not have a leading zero") }
        } else {
            while digit(i) { i += 1 }
        }
        if i < b.count && b[i] == UInt8(ascii: ".") {
            integer = false
            i += 1
            guard digit(i) else { throw JSONSyntaxError(offset: i, "a fraction needs a digit after '.', found \(Self.describe(b, i))") }
            while digit(i) { i += 1 }
        }
        if i < b.count && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            integer = false
            i += 1
            if i < b.count && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            guard digit(i) else { throw JSONSyntaxError(offset: i, "an exponent needs a digit, found \(Self.describe(b, i))") }
            while digit(i) { i += 1 }
        }
        // Like Foundation's reader: a number no Double can hold is refused (long integers are
        // read exactly by `int64`/`uint64`, up to their ranges).
        if !integer || i - start > 19 {
            guard let d = Double(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)), d.isFinite else {
                throw JSONSyntaxError(offset: start, "the number is out of range")
            }
        }
        tape.append(.init(kind: .number, flag: integer, start: UInt32(start), end: UInt32(i), count: 0))
    }

    @inline(__always) static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for j in 0..<a.count where a[j] != b[j] { return false }
        return true
    }

    @inline(__always) private static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func hex4(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
        guard at + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for j in at..<at + 4 {
            guard let h = hexValue(b[j]) else { return nil }
            v = v << 4 | h
        }
        return v
    }

    /// Reads a string starting at its opening quote; validates escapes and UTF-8.
    private mutating func string(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONSyntaxError) {
        i += 1
        let start = i
        var escaped = false
        while true {
            // The common case: plain ASCII.
            while i < b.count, b[i] >= 0x20, b[i] < 0x80, b[i] != Self.quote, b[i] != Self.backslash { i += 1 }
            guard i < b.count else { throw JSONSyntaxError(offset: start - 1, "a string is not closed") }
            let c = b[i]
            if c == Self.quote { break }
            if c < 0x20 { throw JSONSyntaxError(offset: i, "a control character (0x\(String(c, radix: 16, uppercase: true))) in a string must be escaped") }
            if c == Self.backslash {
                escaped = true
                guard i + 1 < b.count else { throw JSONSyntaxError(offset: i, "a string is not closed") }
                switch b[i + 1] {
                case Self.quote, Self.backslash, UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard let u = Self.hex4(b, i + 2) else { throw JSONSyntaxError(offset: i, "\\u needs four hex digits") }
                    if (0xD800...0xDBFF).contains(u) {
                        guard i + 7 < b.count, b[i + 6] == Self.backslash, b[i + 7] == UInt8(ascii: "u"),
                              let low = Self.hex4(b, i + 8), (0xDC00...0xDFFF).contains(low) else {
                            throw JSONSyntaxError(offset: i, "a high surrogate escape must be followed by a low surrogate escape")
                        }
                        i += 12
                    } else if (0xDC00...0xDFFF).contains(u) {
                        throw JSONSyntaxError(offset: i, "a low surrogate escape without a high one")
                    } else {
                        i += 6
                    }
                default:
                    throw JSONSyntaxError(offset: i, "unknown escape \\\(Self.describe(b, i + 1))")
                }
                continue
            }
            try Self.utf8Sequence(b, &i)
        }
        tape.append(.init(kind: .string, flag: escaped, start: UInt32(start), end: UInt32(i), count: 0))
        i += 1
    }

    /// Validates one multi-byte UTF-8 sequence at `i` (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF) and moves past it.
    private static func utf8Sequence(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONSyntaxError) {
        let c = b[i]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // range of the second byte
        switch c {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw JSONSyntaxError(offset: i, "invalid UTF-8 (byte 0x\(String(c, radix: 16, uppercase: true)))")
        }
        guard i + length <= b.count, (low...high).contains(b[i + 1]) else { throw JSONSyntaxError(offset: i, "invalid UTF-8 sequence") }
        for j in i + 2..<i + length where !(0x80...0xBF).contains(b[j]) { throw JSONSyntaxError(offset: i, "invalid UTF-8 sequence") }
        i += length
    }

    /// The decoded bytes of a validated string's content that has escapes.
    static func unescape(_ s: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        func append(scalar v: UInt32) {
            if v < 0x80 { out.append(UInt8(v)) }
            else if v < 0x800 { out += [UInt8(0xC0 | v >> 6), UInt8(0x80 | v & 0x3F)] }
            else if v < 0x10000 { out += [UInt8(0xE0 | v >> 12), UInt8(0x80 | v >> 6 & 0x3F), UInt8(0x80 | v & 0x3F)] }
            else { out += [UInt8(0xF0 | v >> 18), UInt8(0x80 | v >> 12 & 0x3F), UInt8(0x80 | v >> 6 & 0x3F), UInt8(0x80 | v & 0x3F)] }
        }
        while i < s.count {
            guard s[i] == backslash else { out.append(s[i]); i += 1; continue }
            switch s[i + 1] {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let u = hex4(s, i + 2)!  // validated by the parser
                if (0xD800...0xDBFF).contains(u) {
                    let low = hex4(s, i + 8)!
                    append(scalar: 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00))
                    i += 12
                } else {
                    append(scalar: u)
                    i += 6
                }
                continue
            default: out.append(s[i + 1])  // " \ /
            }
            i += 2
        }
        return out
    }

    /// Rejects an object (just closed) that names a member twice. Keys compare by their
    /// decoded bytes, so "a" and "\u0061" are the same key.
    private func checkDuplicateKeys(_ b: UnsafeBufferPointer<UInt8>, object: Int) throws(JSONSyntaxError) {
        let end = Int(tape[object].end)
        var keys: [Int] = []
        keys.reserveCapacity(Int(tape[object].count))
        var i = object + 1
        while i < end {
            keys.append(i)
            let v = i + 1
            i = tape[v].kind == .object || tape[v].kind == .array ? Int(tape[v].end) : v + 1
        }
        func bytes(_ k: Int) -> [UInt8] {
            let e = tape[k]
            let slice = UnsafeBufferPointer(rebasing: b[Int(e.start)..<Int(e.end)])
            return e.flag ? Self.unescape(slice) : Array(slice)
        }
        // Small objects without escaped keys (nearly all): pairwise, without allocating.
        if keys.count <= 12, !keys.contains(where: { tape[$0].flag }) {
            for a in 1..<keys.count {
                let ka = UnsafeBufferPointer(rebasing: b[Int(tape[keys[a]].start)..<Int(tape[keys[a]].end)])
                for k in keys[..<a] where Self.equal(ka, UnsafeBufferPointer(rebasing: b[Int(tape[k].start)..<Int(tape[k].end)])) {
                    throw JSONSyntaxError(offset: Int(tape[keys[a]].start) - 1, "the member \"\(String(decoding: ka, as: UTF8.self))\" appears twice in one object")
                }
            }
            return
        }
        var seen = Set<[UInt8]>()
        seen.reserveCapacity(keys.count)
        for k in keys where !seen.insert(bytes(k)).inserted {
            throw JSONSyntaxError(offset: Int(tape[k].start) - 1, "the member \"\(String(decoding: bytes(k), as: UTF8.self))\" appears twice in one object")
        }
    }
}
