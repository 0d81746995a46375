import Foundation

/// The JSON form of an operation (Protocol/MODEL.md, "JSON form"), used on the wire, in
/// test vectors and in session logs. 64-bit numbers that JSON readers may round (the HLC,
/// integers, double bit patterns) travel as decimal or hex strings.
///
/// ```json
/// {"id":"dev-a#3","hlc":"115604479590400001","author":"kassa-7","kind":"signal","record":"4f…",
///  "prev":"<64 hex>","payloadHash":"<64 hex>","hash":"<64 hex>",
///  "body":{"changes":[{"op":"set","field":"urgency","value":"soon","supersedes":["dev-b#2"]}]}}
/// ```
extension LogOperation: Codable {
    enum Keys: String, CodingKey { case id, hlc, author, kind, record, prev, payloadHash, hash, body }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let id = try c.decode(OperationID.self, forKey: .id)
        let hlcText = try c.decode(String.self, forKey: .hlc)
        guard let hlc = UInt64(hlcText), hlc <= HLCTimestamp.maxPacked else {
            throw DecodingError.dataCorruptedError(forKey: .hlc, in: c, debugDescription: "hlc must be a decimal string of the packed timestamp, at most \(HLCTimestamp.maxPacked)")
        }
        let kind = try RecordKind(validating: try c.decode(String.self, forKey: .kind))
        let record = RecordRef(kind: kind, id: try c.decode(RecordID.self, forKey: .record))
        func digest(_ key: Keys) throws -> SHA256Digest {
            guard let d = SHA256Digest(hex: try c.decode(String.self, forKey: key)) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "expected 64 hex digits")
            }
            return d
        }
        try self.init(verifying: id, timestamp: HLCTimestamp(packed: hlc), author: try c.decode(AuthorID.self, forKey: .author),
                      record: record, body: try c.decode(OperationBody.self, forKey: .body),
                      previousHash: try digest(.prev), payloadHash: try digest(.payloadHash), hash: try digest(.hash))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        try c.encode(String(timestamp.packed), forKey: .hlc)
        try c.encode(author, forKey: .author)
        try c.encode(record.kind.rawValue, forKey: .kind)
        try c.encode(record.id, forKey: .record)
        try c.encode(previousHash.hex, forKey: .prev)
        try c.encode(payloadHash.hex, forKey: .payloadHash)
        try c.encode(hash.hex, forKey: .hash)
        try c.encode(body, forKey: .body)
    }
}

extension OperationID {
    /// `replica#sequence`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let hash = text.lastIndex(of: "#"), let seq = UInt64(text[text.index(after: hash)...]).flatMap(OperationID.checkedSequence) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "operation id must look like 'replica#sequence' with sequence 1...2^63-1, got '\(text)'")
        }
        self.init(replica: try ReplicaID(String(text[..<hash])), sequence: seq)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension OperationBody: Codable {
    enum Keys: String, CodingKey { case changes, erase, redacted }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if c.contains(.changes) {
            self = .changes(try c.decode([FieldChange].self, forKey: .changes))
        } else if (try? c.decode(Bool.self, forKey: .erase)) == true {
            self = .erase
        } else if (try? c.decode(Bool.self, forKey: .redacted)) == true {
            self = .redacted
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "body must have 'changes', 'erase': true or 'redacted': true"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case let .changes(changes): try c.encode(changes, forKey: .changes)
        case .erase: try c.encode(true, forKey: .erase)
        case .redacted: try c.encode(true, forKey: .redacted)
        }
    }
}

extension FieldChange: Codable {
    enum Keys: String, CodingKey { case op, field, value, supersedes, element, observed, amount, epoch, state }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let field = try c.decode(String.self, forKey: .field)
        switch try c.decode(String.self, forKey: .op) {
        case "set":
            self = .set(field: field, value: try c.decode(FieldValue.self, forKey: .value),
                        supersedes: try c.decodeIfPresent([OperationID].self, forKey: .supersedes) ?? [])
        case "add":
            self = .add(field: field, element: try c.decode(String.self, forKey: .element))
        case "remove":
            self = .remove(field: field, element: try c.decode(String.self, forKey: .element),
                           observed: try c.decodeIfPresent([OperationID].self, forKey: .observed) ?? [])
        case "increment":
            self = .increment(field: field, amount: try c.decode(UInt64.self, forKey: .amount))
        case "advance":
            self = .advance(field: field, epoch: try c.decode(UInt32.self, forKey: .epoch), state: try c.decode(String.self, forKey: .state))
        case "reopen":
            self = .reopen(field: field, epoch: try c.decode(UInt32.self, forKey: .epoch))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .op, in: c, debugDescription: "unknown change '\(other)'; expected set, add, remove, increment, advance or reopen")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(changeName, forKey: .op)
        try c.encode(field, forKey: .field)
        switch self {
        case let .set(_, value, supersedes):
            try c.encode(value, forKey: .value)
            if !supersedes.isEmpty { try c.encode(supersedes, forKey: .supersedes) }
        case let .add(_, element):
            try c.encode(element, forKey: .element)
        case let .remove(_, element, observed):
            try c.encode(element, forKey: .element)
            try c.encode(observed, forKey: .observed)
        case let .increment(_, amount):
            try c.encode(amount, forKey: .amount)
        case let .advance(_, epoch, state):
            try c.encode(epoch, forKey: .epoch)
            try c.encode(state, forKey: .state)
        case let .reopen(_, epoch):
            try c.encode(epoch, forKey: .epoch)
        }
    }
}

/// JSON: `null`, `true`/`false`, a JSON string for text, `{"int":"-12"}` for integers and
/// `{"f64":"7ff8000000000000"}` (the 16 hex digits of the bit pattern) for doubles.
extension FieldValue: Codable {
    enum Keys: String, CodingKey { case int, f64, withheld }

    public init(from decoder: any Decoder) throws {
        // Strings are the common case; try them first (a failed try costs an error value).
        if let c = try? decoder.singleValueContainer() {
            if let s = try? c.decode(String.self) { self = .string(s); return }
            if c.decodeNil() { self = .null; return }
            if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        }
        let c = try decoder.container(keyedBy: Keys.self)
        if let text = try c.decodeIfPresent(String.self, forKey: .int) {
            guard let i = Int64(text) else { throw DecodingError.dataCorruptedError(forKey: .int, in: c, debugDescription: "'\(text)' is not a 64-bit integer") }
            self = .int(i)
        } else if let text = try c.decodeIfPresent(String.self, forKey: .f64) {
            guard text.utf8.count == 16, let bits = UInt64(text, radix: 16) else {
                throw DecodingError.dataCorruptedError(forKey: .f64, in: c, debugDescription: "'\(text)' is not 16 hex digits")
            }
            let d = Double(bitPattern: bits)
            self = .double(d.isNaN ? Double(bitPattern: FieldValue.canonicalNaNBits) : d)
        } else if try c.decodeIfPresent(Bool.self, forKey: .withheld) == true {
            self = .withheld
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "a value is null, a boolean, a string, {\"int\":\"…\"}, {\"f64\":\"…\"} or {\"withheld\":true}"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        case let .bool(b): var c = encoder.singleValueContainer(); try c.encode(b)
        case let .string(s): var c = encoder.singleValueContainer(); try c.encode(s)
        case let .int(i): var c = encoder.container(keyedBy: Keys.self); try c.encode(String(i), forKey: .int)
        case let .double(d):
            var c = encoder.container(keyedBy: Keys.self)
            let hex = String(FieldValue.canonicalBits(d), radix: 16)
            try c.encode(String(repeating: "0", count: 16 - hex.count) + hex, forKey: .f64)
        case .withheld: var c = encoder.container(keyedBy: Keys.self); try c.encode(true, forKey: .withheld)
        }
    }
}
