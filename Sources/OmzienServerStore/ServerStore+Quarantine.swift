import OmzienModel
import OmzienStore

/// The quarantine's rows (SYNC.md R-SYNC-13, R-SYNC-14; the invariants are on
/// `SyncService+Quarantine`): parked operations as JSON, with their sequence, hash, clock,
/// size and record beside them, so that a push reads them without decoding.
extension ServerStore {
    /// What a push needs to know of one parked operation (no payload).
    public struct ParkedHead: Sendable {
        public let sequence: UInt64
        public let hash: SHA256Digest
        public let wallMillis: UInt64
        public let bytes: Int
    }

    /// One operation to park.
    public struct ParkedOperation: Sendable {
        public let id: OperationID
        public let record: RecordRef
        /// The operation's JSON form (MODEL.md section 8).
        public let json: String
        public let reason: String
        public let receivedAt: UInt64
        public let wallMillis: UInt64
        public let hash: SHA256Digest

        public init(id: OperationID, record: RecordRef, json: String, reason: String, receivedAt: UInt64, wallMillis: UInt64, hash: SHA256Digest) {
            self.id = id
            self.record = record
            self.json = json
            self.reason = reason
            self.receivedAt = receivedAt
            self.wallMillis = wallMillis
            self.hash = hash
        }
    }

    /// A parked operation as the admin's list shows it (no payload).
    public struct QuarantineRow: Sendable {
        public let replica: String
        public let sequence: Int64
        public let wallMillis: UInt64
        public let reason: String
        public let receivedAt: UInt64
        public let bytes: Int
        /// The device's store (empty when no device has the replica).
        public let store: String
    }

    /// The parked heads of `replica`, by sequence.
    public func parkedHeads(of replica: ReplicaID) throws -> [ParkedHead] {
        try db.cachedStatement("SELECT seq, hash, wall, bytes FROM quarantine WHERE replica = ? ORDER BY seq").rows([.text(replica.rawValue)]).map { row in
            guard case let .integer(seq) = row[0], seq >= 1, case let .blob(hash) = row[1], hash.count == 32,
                  case let .integer(wall) = row[2], wall >= 0, case let .integer(bytes) = row[3] else {
                throw ServerStoreError.corrupt("quarantine")
            }
            return ParkedHead(sequence: UInt64(seq), hash: SHA256Digest(bytes: hash), wallMillis: UInt64(wall), bytes: Int(bytes))
        }
    }

    /// The parked operations of `replica`, decoded, in sequence order.
    public func parkedOperations(of replica: ReplicaID) throws -> [LogOperation] {
        try db.cachedStatement("SELECT operation FROM quarantine WHERE replica = ? ORDER BY seq").rows([.text(replica.rawValue)]).map { row in
            try Self.parkedOperation(row[0])
        }
    }

    private static func parkedOperation(_ value: SQLValue) throws -> LogOperation {
        guard case let .text(json) = value, let doc = try? JSONDocument(Array(json.utf8)), let op = try? LogOperation(json: doc.root) else {
            throw ServerStoreError.corrupt("quarantine")
        }
        return op
    }

    public func park(_ parked: ParkedOperation) throws {
        try db.cachedStatement("""
            INSERT INTO quarantine(replica, seq, operation, reason, received_at, wall, hash, bytes, kind, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).run([.text(parked.id.replica.rawValue), .integer(Int64(parked.id.sequence)), .text(parked.json), .text(parked.reason),
                      .integer(Int64(parked.receivedAt)), .integer(Int64(parked.wallMillis)), .blob(parked.hash.bytes),
                      .integer(Int64(parked.json.utf8.count)), .text(parked.record.kind.rawValue), .text(parked.record.id.rawValue)])
    }

    /// Drops the parked rows of `replica` up to `sequence` (applied meanwhile).
    public func unpark(_ replica: ReplicaID, upTo sequence: UInt64) throws {
        try db.execute("DELETE FROM quarantine WHERE replica = ? AND seq <= ?", [.text(replica.rawValue), .integer(Int64(sequence))])
    }

    /// Rewrites every parked operation on `record` with `transform` (an erase keeps only
    /// their hashes, R-PRIV-2); `transform` returns nil to leave one as it is.
    public func rewriteParked(on record: RecordRef, _ transform: (LogOperation) throws -> String?) throws {
        let parked = try db.cachedStatement("SELECT replica, seq, operation FROM quarantine WHERE kind = ? AND record = ?")
            .rows([.text(record.kind.rawValue), .text(record.id.rawValue)])
        let rewrite = try db.cachedStatement("UPDATE quarantine SET operation = ?, bytes = ? WHERE replica = ? AND seq = ?")
        for row in parked {
            guard let json = try transform(try Self.parkedOperation(row[2])) else { continue }
            try rewrite.run([.text(json), .integer(Int64(json.utf8.count)), row[0], row[1]])
        }
    }

    /// How many operations of `replica` are parked.
    public func parkedCount(of replica: String) throws -> Int {
        Int(try db.firstRow("SELECT count(*) FROM quarantine WHERE replica = ?", [.text(replica)])?.first?.int64 ?? 0)
    }

    /// Every parked operation, by replica and sequence, with its device's store.
    public func quarantine() throws -> [QuarantineRow] {
        try db.rows("""
            SELECT q.replica, q.seq, q.wall, q.reason, q.received_at, q.bytes, p.store
            FROM quarantine q LEFT JOIN principals p ON p.replica = q.replica ORDER BY q.replica, q.seq
            """).map { row in
            guard case let .text(replica) = row[0], case let .integer(seq) = row[1], case let .integer(wall) = row[2],
                  case let .text(reason) = row[3], case let .integer(received) = row[4], case let .integer(bytes) = row[5] else {
                throw ServerStoreError.corrupt("quarantine")
            }
            return QuarantineRow(replica: replica, sequence: seq, wallMillis: UInt64(max(wall, 0)), reason: reason,
                                 receivedAt: UInt64(max(received, 0)), bytes: Int(bytes), store: row[6].text ?? "")
        }
    }

    /// Whether `record` is erased (without decoding its state).
    public func isErased(_ record: RecordRef) throws -> Bool {
        try !db.cachedStatement("SELECT 1 FROM records WHERE kind = ? AND id = ? AND erased = 1")
            .rows([.text(record.kind.rawValue), .text(record.id.rawValue)]).isEmpty
    }
}
