import Foundation

/// A faster reader of the JSON form (MODEL.md section 8) than `Codable`: from the tree
/// `JSONSerialization` makes. It accepts exactly what `init(from: Decoder)` accepts and
/// checks both hashes the same way; the push and pull paths use it because JSON decoding
/// dominates their CPU time.
extension LogOperation {
    public init(jsonObject: Any) throws {
        guard let o = jsonObject as? [String: Any] else { throw JSONShapeError("an operation must be a JSON object") }
        func string(_ key: String, in dict: [String: Any] = o) throws -> String {
            guard let s = dict[key] as? String else { throw JSONShapeError("'\(key)' must be a string") }
            return s
        }
        func digest(_ key: String) throws -> SHA256Digest {
            guard let d = SHA256Digest(hex: try string(key)) else { throw JSONShapeError("'\(key)' must be 64 hex digits") }
            return d
        }
        let id = try OperationID(text: try string("id"))
        guard let hlc = UInt64(try string("hlc")) else { throw JSONShapeError("'hlc' must be a decimal string") }
        let record = RecordRef(kind: try RecordKind(validating: try string("kind")), id: try RecordID(try string("record")))
        guard let bodyObject = o["body"] as? [String: Any] else { throw JSONShapeError("'body' must be an object") }
        let body: OperationBody
        if let changes = bodyObject["changes"] {
            guard let list = changes as? [Any] else { throw JSONShapeError("'changes' must be an array") }
            body = .changes(try list.map(FieldChange.init(jsonObject:)))
        } else if Self.isTrue(bodyObject["erase"]) {
            body = .erase
        } else if Self.isTrue(bodyObject["redacted"]) {
            body = .redacted
        } else {
            throw JSONShapeError("body must have 'changes', 'erase': true or 'redacted': true")
        }
        try self.init(verifying: id, timestamp: HLCTimestamp(packed: hlc), author: try AuthorID(try string("author")), record: record,
                      body: body, previousHash: try digest("prev"), payloadHash: try digest("payloadHash"), hash: try digest("hash"))
    }

    /// Whether a `JSONSerialization` value is a JSON boolean (not a number 0 or 1).
    public static func isBool(_ v: Any?) -> Bool {
        guard let n = v as? NSNumber else { return false }
        return String(cString: n.objCType) == "c"
    }

    static func isTrue(_ v: Any?) -> Bool { isBool(v) && (v as? Bool) == true }
}

/// What was wrong with the shape of a JSON message.
public struct JSONShapeError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension OperationID {
    /// `replica#sequence`.
    public init(text: String) throws {
        guard let hash = text.lastIndex(of: "#"), let seq = UInt64(text[text.index(after: hash)...]), seq >= 1 else {
            throw JSONShapeError("operation id must look like 'replica#sequence' with sequence >= 1, got '\(text)'")
        }
        self.init(replica: try ReplicaID(String(text[..<hash])), sequence: seq)
    }
}

extension FieldChange {
    init(jsonObject: Any) throws {
        guard let o = jsonObject as? [String: Any], let op = o["op"] as? String, let field = o["field"] as? String else {
            throw JSONShapeError("a change is an object with 'op' and 'field' strings")
        }
        func ids(_ key: String) throws -> [OperationID] {
            guard let v = o[key] else { return [] }
            guard let list = v as? [Any] else { throw JSONShapeError("'\(key)' must be an array of operation ids") }
            return try list.map {
                guard let s = $0 as? String else { throw JSONShapeError("'\(key)' must be an array of operation ids") }
                return try OperationID(text: s)
            }
        }
        func uint(_ key: String, max: UInt64) throws -> UInt64 {
            guard let n = o[key] as? NSNumber, !LogOperation.isBool(n), "ilqsILQS".contains(String(cString: n.objCType)),
                  n.int64Value >= 0, UInt64(n.int64Value) <= max else {
                throw JSONShapeError("'\(key)' must be a whole number 0...\(max)")
            }
            return n.uint64Value
        }
        func text(_ key: String) throws -> String {
            guard let s = o[key] as? String else { throw JSONShapeError("'\(key)' must be a string") }
            return s
        }
        switch op {
        case "set":
            guard let v = o["value"] else { throw JSONShapeError("a set needs 'value'") }
            self = .set(field: field, value: try FieldValue(jsonObject: v), supersedes: try ids("supersedes"))
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
    init(jsonObject v: Any) throws {
        if let s = v as? String { self = .string(s); return }
        if v is NSNull { self = .null; return }
        if LogOperation.isBool(v) { self = .bool(v as! Bool); return }
        guard let o = v as? [String: Any] else { throw JSONShapeError("a value is null, a boolean, a string, {\"int\":\"…\"} or {\"f64\":\"…\"}") }
        if let text = o["int"] as? String {
            guard let i = Int64(text) else { throw JSONShapeError("'\(text)' is not a 64-bit integer") }
            self = .int(i)
        } else if let text = o["f64"] as? String {
            guard text.utf8.count == 16, let bits = UInt64(text, radix: 16) else { throw JSONShapeError("'\(text)' is not 16 hex digits") }
            let d = Double(bitPattern: bits)
            self = .double(d.isNaN ? Double(bitPattern: FieldValue.canonicalNaNBits) : d)
        } else {
            throw JSONShapeError("a value is null, a boolean, a string, {\"int\":\"…\"} or {\"f64\":\"…\"}")
        }
    }
}
