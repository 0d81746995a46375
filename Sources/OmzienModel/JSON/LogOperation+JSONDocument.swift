/// A faster reader of the JSON form (MODEL.md section 8) than `Codable`: from a
/// `JSONDocument`, read in place. It accepts what `init(from: Decoder)` accepts (unknown
/// members are ignored by both) and checks all three hashes the same way; the push, pull,
/// snapshot and replay paths use it because JSON decoding dominated their CPU time.
extension LogOperation {
    public init(json o: JSONValue) throws {
        guard o.isObject else { throw JSONShapeError("an operation must be a JSON object, not \(o.typeName)") }
        func string(_ key: String) throws -> String {
            guard let s = o[key]?.string else { throw JSONShapeError("'\(key)' must be a string") }
            return s
        }
        func digest(_ key: String) throws -> SHA256Digest {
            guard let d = SHA256Digest(hex: try string(key)) else { throw JSONShapeError("'\(key)' must be 64 hex digits") }
            return d
        }
        let id = try OperationID(text: try string("id"))
        guard let hlc = UInt64(try string("hlc")), hlc <= HLCTimestamp.maxPacked else {
            throw JSONShapeError("'hlc' must be a decimal string of at most \(HLCTimestamp.maxPacked)")
        }
        let record = RecordRef(kind: try RecordKind(validating: try string("kind")), id: try RecordID(try string("record")))
        guard let bodyObject = o["body"], bodyObject.isObject else { throw JSONShapeError("'body' must be an object") }
        let body: OperationBody
        if let changes = bodyObject["changes"] {
            guard let list = changes.elements else { throw JSONShapeError("'changes' must be an array") }
            body = .changes(try list.map(FieldChange.init(json:)))
        } else if bodyObject["erase"]?.bool == true {
            body = .erase
        } else if bodyObject["redacted"]?.bool == true {
            body = .redacted
        } else {
            throw JSONShapeError("body must have 'changes', 'erase': true or 'redacted': true")
        }
        try self.init(verifying: id, timestamp: HLCTimestamp(packed: hlc), author: try AuthorID(try string("author")), record: record,
                      body: body, previousHash: try digest("prev"), payloadHash: try digest("payloadHash"), hash: try digest("hash"))
    }
}

/// What was wrong with the shape of a JSON message.
public struct JSONShapeError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension OperationID {
    /// `replica#sequence`.
    public init(text: String) throws {
        guard let hash = text.lastIndex(of: "#"), let seq = UInt64(text[text.index(after: hash)...]).flatMap(OperationID.checkedSequence) else {
            throw JSONShapeError("operation id must look like 'replica#sequence' with sequence 1...2^63-1, got '\(text)'")
        }
        self.init(replica: try ReplicaID(String(text[..<hash])), sequence: seq)
    }
}

extension FieldChange {
    init(json o: JSONValue) throws {
        guard o.isObject, let op = o["op"]?.string, let field = o["field"]?.string else {
            throw JSONShapeError("a change is an object with 'op' and 'field' strings")
        }
        func ids(_ key: String) throws -> [OperationID] {
            guard let v = o[key] else { return [] }
            guard let list = v.elements else { throw JSONShapeError("'\(key)' must be an array of operation ids") }
            return try list.map {
                guard let s = $0.string else { throw JSONShapeError("'\(key)' must be an array of operation ids") }
                return try OperationID(text: s)
            }
        }
        func uint(_ key: String, max: UInt64) throws -> UInt64 {
            guard let n = o[key]?.uint64, n <= max else { throw JSONShapeError("'\(key)' must be a whole number 0...\(max)") }
            return n
        }
        func text(_ key: String) throws -> String {
            guard let s = o[key]?.string else { throw JSONShapeError("'\(key)' must be a string") }
            return s
        }
        switch op {
        case "set":
            guard let v = o["value"] else { throw JSONShapeError("a set needs 'value'") }
            self = .set(field: field, value: try FieldValue(json: v), supersedes: try ids("supersedes"))
        case "add": self = .add(field: field, element: try text("element"))
        case "remove": self = .remove(field: field, element: try text("element"), observed: try ids("observed"))
        case "increment": self = .increment(field: field, amount: try uint("amount", max: .max))
        case "advance": self = .advance(field: field, epoch: UInt32(try uint("epoch", max: UInt64(UInt32.max))), state: try text("state"))
        case "reopen": self = .reopen(field: field, epoch: UInt32(try uint("epoch", max: UInt64(UInt32.max))))
        default: throw JSONShapeError("unknown change '\(op)'; expected set, add, remove, increment, advance or reopen")
        }
    }
}

extension FieldValue {
    init(json v: JSONValue) throws {
        if let s = v.string { self = .string(s); return }
        if v.isNull { self = .null; return }
        if let b = v.bool { self = .bool(b); return }
        guard v.isObject else { throw JSONShapeError("a value is null, a boolean, a string, {\"int\":\"…\"} or {\"f64\":\"…\"}") }
        if let text = v["int"]?.string {
            guard let i = Int64(text) else { throw JSONShapeError("'\(text)' is not a 64-bit integer") }
            self = .int(i)
        } else if let text = v["f64"]?.string {
            guard text.utf8.count == 16, let bits = UInt64(text, radix: 16) else { throw JSONShapeError("'\(text)' is not 16 hex digits") }
            let d = Double(bitPattern: bits)
            self = .double(d.isNaN ? Double(bitPattern: FieldValue.canonicalNaNBits) : d)
        } else if v["withheld"]?.bool == true {
            self = .withheld
        } else {
            throw JSONShapeError("a value is null, a boolean, a string, {\"int\":\"…\"} or {\"f64\":\"…\"}")
        }
    }
}
