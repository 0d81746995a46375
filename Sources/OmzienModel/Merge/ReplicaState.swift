/// A whole replica held in memory: the reference implementation of the merge rules, used by
/// tests, test vectors and replay. The SQLite store implements the same rules on disk and
/// must produce the same digest for the same operations.
///
/// `apply` enforces the log rules: operations of one replica arrive in sequence order
/// without gaps, each links to its predecessor's hash, and an operation already held is a
/// no-op (a duplicate with a different hash is a fork and is rejected).
public struct ReplicaState: Sendable {
    public enum Outcome: Sendable, Equatable { case applied, duplicate }

    public private(set) var records: [RecordRef: RecordState] = [:]
    /// Per replica: the highest sequence held and the hash of every operation held.
    public private(set) var logs: [ReplicaID: [SHA256Digest]] = [:]

    public init() {}

    public func held(from replica: ReplicaID) -> UInt64 { UInt64(logs[replica]?.count ?? 0) }

    @discardableResult
    public mutating func apply(_ op: LogOperation) throws -> Outcome {
        let chain = logs[op.id.replica] ?? []
        let held = UInt64(chain.count)
        if op.id.sequence <= held {
            let existing = chain[Int(op.id.sequence) - 1]
            guard existing == op.hash else { throw ModelError.hashMismatch(op.id) }
            return .duplicate
        }
        guard op.id.sequence == held + 1 else {
            throw ModelError.sequenceGap(replica: op.id.replica, expected: held + 1, got: op.id.sequence)
        }
        let expectedPrevious = chain.last ?? .zero
        guard op.previousHash == expectedPrevious else {
            throw ModelError.brokenHashLink(op.id, expected: expectedPrevious, got: op.previousHash)
        }
        try op.validate()
        logs[op.id.replica, default: []].append(op.hash)
        records[op.record, default: RecordState(ref: op.record)].apply(op)
        return .applied
    }

    public var digest: SHA256Digest { StateDigest.of(records.values) }
}
