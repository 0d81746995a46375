/// Makes the operations of one replica's own log: the next sequence number, the link to
/// the previous hash, and a timestamp from the replica's hybrid clock.
///
/// Invariant: operations it makes have sequence numbers 1, 2, 3… without gaps, each
/// linking to the hash of the one before, and strictly increasing timestamps.
public struct OperationFactory: Sendable {
    public let replica: ReplicaID
    public private(set) var lastSequence: UInt64
    public private(set) var lastHash: SHA256Digest
    public private(set) var clock: HybridClock

    public init(replica: ReplicaID, lastSequence: UInt64 = 0, lastHash: SHA256Digest = .zero, clock: HybridClock = HybridClock()) {
        self.replica = replica
        self.lastSequence = lastSequence
        self.lastHash = lastHash
        self.clock = clock
    }

    /// Makes, validates and returns the next operation. Nothing changes if it is invalid.
    public mutating func make(record: RecordRef, author: AuthorID, body: OperationBody,
                              physicalMillis: UInt64 = HybridClock.physicalNowMillis()) throws -> LogOperation {
        var clock = self.clock
        let op = LogOperation(id: OperationID(replica: replica, sequence: lastSequence + 1),
                           timestamp: clock.tick(physicalMillis: physicalMillis), author: author,
                           record: record, body: body, previousHash: lastHash)
        try op.validate()
        self.clock = clock
        lastSequence += 1
        lastHash = op.hash
        return op
    }

    /// Lets the clock observe a timestamp received from another replica, up to
    /// `physicalMillis + maxAheadMillis` (R-MODEL-14).
    public mutating func observe(_ timestamp: HLCTimestamp, physicalMillis: UInt64 = HybridClock.physicalNowMillis(),
                                 maxAheadMillis: UInt64 = HybridClock.defaultMaxAheadMillis) {
        clock.observe(timestamp, physicalMillis: physicalMillis, maxAheadMillis: maxAheadMillis)
    }
}
