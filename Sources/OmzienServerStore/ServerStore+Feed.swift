import OmzienModel
import OmzienStore

/// The per-store change feed and the record scope (SYNC.md R-SYNC-5, R-SYNC-10): which store
/// each record belongs to, and which operations each store's devices pull, in arrival order.
///
/// - `record_scope`: one row per record, the store its first operation claimed it for; a
///   claim is never moved (a store's records stay its own).
/// - `feed`: (store, arrival position) for every operation a store's devices may pull; the
///   position is the operation's `pos` in the replica store's log.
extension ServerStore {
    /// One operation of a store's feed, with its arrival position (the pull cursor).
    public struct FeedEntry {
        public let position: Int64
        public let operation: LogOperation
    }

    /// Puts the operations of `replica` with sequence `sequences` into `store`'s feed, in their
    /// arrival order. Idempotent: an operation already in that feed stays once.
    public func feed(_ replica: ReplicaID, _ sequences: ClosedRange<UInt64>, to store: String) throws {
        try db.execute("INSERT OR IGNORE INTO feed(store, pos) SELECT ?, pos FROM ops WHERE replica = ? AND seq >= ? AND seq <= ?",
                       [.text(store), .text(replica.rawValue), .integer(Int64(sequences.lowerBound)), .integer(Int64(sequences.upperBound))])
    }

    /// Puts one operation into `store`'s feed (see ``feed(_:_:to:)``).
    public func feed(_ id: OperationID, to store: String) throws {
        try feed(id.replica, id.sequence...id.sequence, to: store)
    }

    /// A page of `store`'s feed after position `after`, without the operations of `excluding`
    /// (a device does not pull its own), at most `limit` entries, in arrival order.
    public func feedPage(of store: String, after: Int64, excluding: ReplicaID, limit: Int) throws -> [FeedEntry] {
        try db.cachedStatement("""
            SELECT o.replica, o.seq, o.hlc, o.author, o.kind, o.record, o.payload, o.payload_hash, o.prev_hash, o.hash, f.pos
            FROM feed f JOIN ops o ON o.pos = f.pos
            WHERE f.store = ? AND f.pos > ? AND o.replica != ?
            ORDER BY f.pos LIMIT ?
            """).rows([.text(store), .integer(after), .text(excluding.rawValue), .integer(Int64(limit))]).map(Self.feedEntry)
    }

    /// Decodes a feed row: the ten columns of an `ops` row, then `pos`.
    private static func feedEntry(_ row: [SQLValue]) throws -> FeedEntry {
        guard row.count == 11, case let .integer(position) = row[10] else { throw StoreError.corruptRow("feed.pos") }
        return FeedEntry(position: position, operation: try ReplicaStore.operation(row))
    }

    /// The last position of `store`'s feed (0 when empty): where a snapshot's cursor starts.
    public func feedHead(of store: String) throws -> Int64 {
        try db.firstRow("SELECT max(pos) FROM feed WHERE store = ?", [.text(store)])?.first?.int64 ?? 0
    }

    // MARK: Record scope

    /// The store `record` belongs to, or nil when no operation claimed it yet.
    public func scopeOwner(of record: RecordRef) throws -> String? {
        try db.cachedStatement("SELECT store FROM record_scope WHERE kind = ? AND id = ?")
            .rows([.text(record.kind.rawValue), .text(record.id.rawValue)]).first?.first?.text
    }

    /// Claims `record` for `store` unless some store holds it already; returns whether this
    /// call made the claim.
    @discardableResult
    public func claimScope(of record: RecordRef, for store: String) throws -> Bool {
        try db.cachedStatement("INSERT OR IGNORE INTO record_scope(kind, id, store) VALUES (?, ?, ?)")
            .run([.text(record.kind.rawValue), .text(record.id.rawValue), .text(store)])
        return db.changes == 1
    }

    /// One record of a store's scope, as stored (canonical state bytes and their hash).
    public struct ScopedRecord {
        public let ref: RecordRef
        public let state: [UInt8]
        public let stateHash: [UInt8]
    }

    /// Visits every record in `store`'s scope in (kind, id) order.
    public func forEachScopedRecord(of store: String, _ visit: (ScopedRecord) throws -> Void) throws {
        let stmt = try db.cachedStatement("""
            SELECT r.kind, r.id, r.state_hash, r.state FROM records r JOIN record_scope s ON s.kind = r.kind AND s.id = r.id
            WHERE s.store = ? ORDER BY r.kind, r.id
            """)
        try stmt.bind(1, store)
        defer { stmt.reset() }
        while try stmt.step() {
            guard let kind = RecordKind(rawValue: stmt.text(0)), let id = try? RecordID(stmt.text(1)), stmt.blob(2).count == 32 else {
                throw StoreError.corruptRow("records")
            }
            try visit(ScopedRecord(ref: RecordRef(kind: kind, id: id), state: stmt.blob(3), stateHash: stmt.blob(2)))
        }
    }
}
