/// What an operation does to its record.
public enum OperationBody: Sendable, Hashable {
    /// One or more field changes, applied together with the operation's timestamp.
    case changes([FieldChange])
    /// Erase the record: it beats every change to that record, concurrent or later, on
    /// every replica; stores then drop the payloads of the record's operations.
    case erase
    /// The payload was dropped because the record was erased. Only the payload hash
    /// remains, so the replica's hash chain still verifies. Applying it changes nothing.
    case redacted

    static let encodingVersion: UInt8 = 1

    /// The canonical payload bytes (Protocol/MODEL.md, "LogOperation payload").
    /// Precondition: not `.redacted` (a redacted operation has no payload).
    public func canonicalBytes() -> [UInt8] {
        var w = CanonicalWriter(capacity: 96)
        w.u8(Self.encodingVersion)
        switch self {
        case .redacted:
            preconditionFailure("a redacted operation has no payload")
        case .erase:
            w.u8(1)
        case let .changes(changes):
            w.u8(0)
            w.count(changes.count)
            for change in changes { Self.write(change, to: &w) }
        }
        return w.bytes
    }

    private static func write(_ change: FieldChange, to w: inout CanonicalWriter) {
        switch change {
        case let .set(field, value, supersedes):
            w.u8(0); w.string(field); w.value(value)
            w.count(supersedes.count); for id in supersedes { w.operationID(id) }
        case let .add(field, element):
            w.u8(1); w.string(field); w.string(element)
        case let .remove(field, element, observed):
            w.u8(2); w.string(field); w.string(element)
            w.count(observed.count); for id in observed { w.operationID(id) }
        case let .increment(field, amount):
            w.u8(3); w.string(field); w.u64(amount)
        case let .advance(field, epoch, state):
            w.u8(4); w.string(field); w.u32(epoch); w.string(state)
        case let .reopen(field, epoch):
            w.u8(5); w.string(field); w.u32(epoch)
        }
    }

    /// Decodes a payload; throws on truncated, malformed or trailing bytes.
    public static func decode(_ bytes: [UInt8]) throws -> OperationBody {
        var r = CanonicalReader(bytes, what: "operation payload")
        let version = try r.u8()
        guard version == encodingVersion else { throw ModelError.unsupportedEncodingVersion(what: "operation payload", version: Int(version)) }
        let body: OperationBody
        switch try r.u8() {
        case 1:
            body = .erase
        case 0:
            let n = try r.count(minItemBytes: 6)
            var changes: [FieldChange] = []
            changes.reserveCapacity(n)
            for _ in 0..<n { changes.append(try readChange(&r)) }
            body = .changes(changes)
        case let tag:
            throw r.malformed("unknown body tag \(tag)")
        }
        try r.expectEnd()
        return body
    }

    private static func readIDs(_ r: inout CanonicalReader) throws -> [OperationID] {
        let n = try r.count(minItemBytes: 12)
        var ids: [OperationID] = []
        ids.reserveCapacity(n)
        for _ in 0..<n { ids.append(try r.operationID()) }
        return ids
    }

    private static func readChange(_ r: inout CanonicalReader) throws -> FieldChange {
        let tag = try r.u8()
        let field = try r.string()
        switch tag {
        case 0:
            let value = try r.value()
            return .set(field: field, value: value, supersedes: try readIDs(&r))
        case 1:
            return .add(field: field, element: try r.string())
        case 2:
            let element = try r.string()
            return .remove(field: field, element: element, observed: try readIDs(&r))
        case 3:
            return .increment(field: field, amount: try r.u64())
        case 4:
            let epoch = try r.u32()
            return .advance(field: field, epoch: epoch, state: try r.string())
        case 5:
            return .reopen(field: field, epoch: try r.u32())
        default:
            throw r.malformed("unknown change tag \(tag)")
        }
    }
}
