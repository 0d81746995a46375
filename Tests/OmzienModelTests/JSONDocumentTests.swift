import Foundation
import OmzienModel
import OmzienTestSupport
import Testing

/// `JSONDocument`: RFC 8259 exactly, errors with byte offsets, and the same values as
/// Foundation's `JSONSerialization` wherever both accept.
struct JSONDocumentTests {
    static let accepted: [String] = [
        "0", "-0", "1", "-1", "12.5e-3", "1E+2", "1e2", "0.0", "true", "false", "null", "\"\"", " \t\r\n[] ",
        "{}", "[[[]]]", "{\"a\":{\"b\":[1,{\"c\":null}]}}", "[1 , 2 ,3]", "{ \"a\" : 1 , \"b\" : 2 }",
        "\"\\u00e9\\ud83d\\ude00\\n\\t\\\\\\/\\\"\"", "\"é😀 ĳ\"", "\"\\u0000\"", "[\"\\uFFFF\"]",
        "9223372036854775807", "-9223372036854775808", "18446744073709551616",
    ]

    static let rejected: [(String, String)] = [
        ("", "expected a value"), (" ", "expected a value"), ("[1,]", "expected a value"), ("{\"a\":1,}", "member name"),
        ("[1 2]", "expected ','"), ("01", "leading zero"), ("-", "needs a digit"), ("+1", "expected a value"),
        (".5", "expected a value"), ("1.", "after '.'"), ("1e", "exponent"), ("NaN", "expected a value"),
        ("Infinity", "expected a value"), ("'a'", "expected a value"), ("[1]//", "after the top-level value"),
        ("tru", "expected a value"), ("nul", "expected a value"), ("\"a", "not closed"), ("\"\\x\"", "unknown escape"),
        ("\"\\u12\"", "four hex digits"), ("\"\\ud800\"", "high surrogate"), ("\"\\udc00\"", "low surrogate"),
        ("\"a\tb\"", "control character"), ("{\"a\" 1}", "expected ':'"), ("{a:1}", "member name"),
        ("{\"a\":1,\"a\":2}", "appears twice"), ("{\"a\":1,\"\\u0061\":2}", "appears twice"), ("[] []", "after the top-level value"),
        ("[", "expected a value"), ("[1", "ends inside an array"), ("{\"a\":1", "ends inside an object"), ("[1}", "expected ','"),
        ("1e400", "out of range"), ("-1e999", "out of range"),
    ]

    @Test func acceptsWhatRFC8259Accepts() throws {
        for text in Self.accepted {
            #expect(throws: Never.self, "\(text)") { _ = try JSONDocument(Array(text.utf8)) }
        }
    }

    @Test func rejectsWithOffsetAndReason() {
        for (text, reason) in Self.rejected {
            do {
                _ = try JSONDocument(Array(text.utf8))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.reason.contains(reason), "\(text): \(error)")
                #expect(error.offset <= text.utf8.count)
            }
        }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        for bytes: [UInt8] in [[0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
                               [0x22, 0xE2, 0x82, 0x22], [0x22, 0x80, 0x22], [0x22, 0xFF, 0x22]] {
            #expect(throws: JSONSyntaxError.self) { _ = try JSONDocument(bytes) }
        }
        let deep = Array(String(repeating: "[", count: 200).utf8) + Array(String(repeating: "]", count: 200).utf8)
        #expect(throws: JSONSyntaxError.self) { _ = try JSONDocument(deep) }
        #expect(throws: Never.self) { _ = try JSONDocument(deep, maxDepth: 200) }
    }

    @Test func readsValues() throws {
        let doc = try JSONDocument(Array(#"{"s":"a\"b\u00e9","i":-42,"u":18446744073709551615,"f":1.5,"t":true,"n":null,"a":[1,[2],{"x":3}],"big":9223372036854775808}"#.utf8))
        let o = doc.root
        #expect(o["s"]?.string == "a\"bé")
        #expect(o["s"]?.stringEquals("a\"bé") == true)
        #expect(o["i"]?.int64 == -42 && o["i"]?.uint64 == nil)
        #expect(o["u"]?.uint64 == .max && o["u"]?.int64 == nil)
        #expect(o["big"]?.int64 == nil && o["big"]?.uint64 == 9_223_372_036_854_775_808)
        #expect(o["f"]?.int64 == nil && o["f"]?.double == 1.5)
        #expect(o["t"]?.bool == true && o["n"]?.isNull == true && o["n"]?.bool == nil)
        let a = try #require(o["a"]?.elements)
        #expect(a.count == 3 && a[0].int64 == 1 && a[1].elements?.first?.int64 == 2 && a[2]["x"]?.int64 == 3)
        #expect(o.count == 8 && o.members?.map(\.key) == ["s", "i", "u", "f", "t", "n", "a", "big"])
        #expect(o["missing"] == nil && a[0]["x"] == nil && o.elements == nil)
    }

    /// Random documents, written with random spacing and escapes, read by both readers: same tree.
    @Test func agreesWithJSONSerializationOnGeneratedDocuments() throws {
        var rng = SplitMix64(seed: 20261201)
        for n in 0..<400 {
            var text = ""
            Self.write(&text, depth: 0, rng: &rng)
            let bytes = Array(text.utf8)
            let ours = try JSONDocument(bytes).root
            let theirs = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            #expect(Self.same(ours, theirs), "case \(n): \(text)")
        }
    }

    /// Random byte edits of valid documents: both readers accept or both refuse. The only
    /// difference allowed: duplicate member names, which `JSONDocument` refuses on purpose.
    @Test func agreesWithJSONSerializationOnMutatedDocuments() throws {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("{}[],:\"\\ -+.0123456789eEtrufalsn\u{01}xé".utf8)
        var checked = 0
        for _ in 0..<3000 {
            var text = ""
            Self.write(&text, depth: 0, rng: &rng)
            var bytes = Array(text.utf8)
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch rng.next() % 3 {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(rng.pick(alphabet), at: at)
                default: bytes[at] = rng.pick(alphabet)
                }
            }
            let ours = Result { () throws(JSONSyntaxError) -> JSONDocument in try JSONDocument(bytes) }
            let theirs = Result { try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) }
            if case let .failure(e) = ours, e.reason.contains("appears twice") { continue }
            if case let .failure(e) = ours, e.reason.contains("surrogate") { continue }  // Foundation takes lone surrogates
            // Foundation takes a trailing comma ("[1,]"); RFC 8259 does not.
            if case let .failure(e) = ours, e.reason.hasSuffix("found ']'") || e.reason.hasSuffix("found '}'") { continue }
            switch (ours, theirs) {
            case let (.success(doc), .success(value)):
                #expect(Self.same(doc.root, value), "\(String(decoding: bytes, as: UTF8.self))")
            case (.failure, .failure): break
            default:
                Issue.record("readers disagree on \(String(decoding: bytes, as: UTF8.self)): ours \(ours), Foundation \(theirs)")
            }
            checked += 1
        }
        #expect(checked > 2500)
    }

    static func write(_ out: inout String, depth: Int, rng: inout SplitMix64) {
        func space() { if rng.chance(0.2) { out += rng.pick([" ", "\n", "\t ", "\r\n"]) } }
        func string() {
            out += "\""
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                switch rng.next() % 8 {
                case 0: out += rng.pick(["\\n", "\\\"", "\\\\", "\\/", "\\t", "\\u00e9", "\\ud83d\\ude00", "\\u0000"])
                case 1: out += rng.pick(["é", "😀", "ĳ", "日本"])
                default: out += String(rng.pick(Array("abcdefghij0123 _-")))
                }
            }
            out += "\""
        }
        space()
        let kind = depth >= 4 ? rng.next() % 4 : rng.next() % 6
        switch kind {
        case 0: string()
        case 1: out += rng.pick(["0", "-1", "42", "9007199254740993", "-123456789", "1.5", "-0.25", "2e3", "1E-2"])
        case 2: out += rng.pick(["true", "false"])
        case 3: out += "null"
        case 4:
            out += "["
            for i in 0..<Int.random(in: 0...4, using: &rng) {
                if i > 0 { out += "," }
                write(&out, depth: depth + 1, rng: &rng)
            }
            out += "]"
        default:
            out += "{"
            for i in 0..<Int.random(in: 0...4, using: &rng) {
                if i > 0 { out += "," }
                space()
                out += "\"k\(i)\(rng.chance(0.3) ? "\\u00e9" : "")\""
                space()
                out += ":"
                write(&out, depth: depth + 1, rng: &rng)
            }
            out += "}"
        }
        space()
    }

    static func same(_ a: JSONValue, _ b: Any) -> Bool {
        if a.isNull { return b is NSNull }
        if let s = a.string { return (b as? String) == s }
        if let bool = a.bool {
            guard let n = b as? NSNumber, String(cString: n.objCType) == "c" else { return false }
            return n.boolValue == bool
        }
        if a.isNumber {
            guard let n = b as? NSNumber else { return false }
            if let i = a.int64 { return n.int64Value == i || n.doubleValue == Double(i) }
            return n.doubleValue == a.double
        }
        if let elements = a.elements {
            guard let list = b as? [Any], list.count == elements.count else { return false }
            return zip(elements, list).allSatisfy { same($0, $1) }
        }
        guard let members = a.members, let dict = b as? [String: Any], dict.count == members.count else { return false }
        return members.allSatisfy { key, value in dict[key].map { same(value, $0) } ?? false }
    }
}
