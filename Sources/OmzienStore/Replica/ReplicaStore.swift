import OmzienModel

/// A replica on SQLite: its operation log, the logs it holds of other replicas, and the
/// materialized state of every record. What a store device embeds, and what the server
/// keeps per deployment.
///
/// Guarantees:
/// - Appending local operations, or applying a batch of remote ones, is one transaction:
///   the operation rows, the materialized records and the log heads commit together or
///   not at all. With `synchronous=FULL` a returned call is durable.
/// - A remote operation already held is a no-op (compared by hash: a different operation
///   under the same id is a fork and is rejected). A gap in a replica's sequence or a
///   broken hash link rejects the whole batch with an error naming the operation.
/// - When a record is erased, the payloads of all its operations are dropped (NULL), later
///   operations on it are stored without payload, and the WAL is checkpointed and
///   truncated so the erased bytes do not linger on disk (with `secure_delete=ON`).
///
/// Not Sendable (said out loud below): it owns the one connection to its file. The server
/// gives it to a `DatabaseWorker`, whose thread runs every access; a device uses it from one
/// thread.
public final class ReplicaStore {
    public let path: String
    public let replica: ReplicaID
    let db: Database
    private(set) var factory: OperationFactory
    private var logs: [ReplicaID: LogHead]
    public private(set) var acknowledged: UInt64
    /// How far beyond this replica's physical clock a received timestamp may move its hybrid
    /// clock (R-MODEL-14). A device sets it to the drift bound its server announces.
    public var maxClockAheadMillis: UInt64 = HybridClock.defaultMaxAheadMillis
    /// An erase committed (or is about to, inside an enclosing transaction) and the WAL still
    /// holds the erased bytes.
    var erasedSinceCheckpoint = false

    struct LogHead: Equatable {
        var held: UInt64
        var lastHash: SHA256Digest
    }

    /// What one call to `apply` did.
    public struct ApplyReport: Sendable, Equatable {
        public var applied = 0
        public var duplicates = 0
        public var erased: [RecordRef] = []
    }

    /// Opens (or creates) the replica at `path` (":memory:" for a scratch replica). A new
    /// replica takes `replica` as its id (or a random one); an existing one must match it.
    /// `extraMigrations` add tables of a layer above (the server's), in the same file and on
    /// the same connection (one connection per file, see `Database`).
    public init(path: String, replica: ReplicaID? = nil, options: Database.Options = .init(), extraMigrations: [Migration] = []) throws {
        self.path = path
        db = try Database(path: path, options: options)
        _ = try Migrator(ReplicaSchema.migrations + extraMigrations).migrate(db)
        let stored = try Self.meta(db, "replica").map { value -> ReplicaID in
            guard case let .text(text) = value, let id = try? ReplicaID(text) else {
                throw StoreError.notAReplica(path: path, reason: "its replica id is damaged")
            }
            return id
        }
        let id: ReplicaID
        if let stored {
            if let replica, replica != stored { throw StoreError.replicaMismatch(path: path, stored: stored, requested: replica) }
            id = stored
        } else {
            id = replica ?? ReplicaID(trusted: "r-" + RecordID.random().rawValue.prefix(16))
            try db.execute("INSERT INTO replica_meta(key, value) VALUES ('replica', ?)", [.text(id.rawValue)])
        }
        self.replica = id
        logs = [:]
        acknowledged = 0
        factory = OperationFactory(replica: id)
        try reload()
    }

    public func close() { db.close() }

    /// The store's connection, for the layer that keeps the server's own tables in the same
    /// file (`OmzienServerStore`). `package`, not `public`: no product outside this package
    /// writes SQL against a replica's file, and inside it only the store modules do.
    /// Use it only from the thread that owns this store.
    package var database: Database { db }

    /// Checkpoints the WAL into the database file and truncates it, if an erase happened
    /// since the last checkpoint and no transaction is open (inside one, the caller that
    /// commits it calls this again afterwards: the server's group commit does).
    public func checkpointAfterErase() throws {
        guard erasedSinceCheckpoint, !db.isInTransaction, !db.isInMemory else { return }
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        erasedSinceCheckpoint = false
    }

    /// Reloads the in-memory log heads and clock from disk: after an enclosing transaction
    /// (a group commit) failed and rolled back what this store had cached as applied.
    public func reload() throws {
        var logs: [ReplicaID: LogHead] = [:]
        for row in try db.cachedStatement("SELECT replica, held, last_hash FROM replica_logs").rows([]) {
            guard case let .text(r) = row[0], let rid = try? ReplicaID(r), case let .integer(held) = row[1],
                  case let .blob(hash) = row[2], hash.count == 32, held >= 0 else {
                throw StoreError.corruptRow("replica_logs")
            }
            logs[rid] = LogHead(held: UInt64(held), lastHash: SHA256Digest(bytes: hash))
        }
        self.logs = logs
        let hlc: UInt64 = if case let .integer(v)? = try Self.meta(db, "hlc") { UInt64(bitPattern: v) } else { 0 }
        acknowledged = if case let .integer(v)? = try Self.meta(db, "acknowledged") { UInt64(v) } else { 0 }
        let own = logs[replica] ?? LogHead(held: 0, lastHash: .zero)
        factory = OperationFactory(replica: replica, lastSequence: own.held, lastHash: own.lastHash,
                                   clock: HybridClock(restoring: hlc))
    }

    /// Runs `body` atomically: in its own transaction, or in a savepoint when an enclosing
    /// transaction is open (a group commit), so a failure undoes only this part.
    public func atomically<T>(_ body: () throws -> T) throws -> T {
        let result = try db.transaction(body)
        try checkpointAfterErase()  // a no-op inside an enclosing transaction; its committer calls it
        return result
    }

    static func meta(_ db: Database, _ key: String) throws -> SQLValue? {
        try db.cachedStatement("SELECT value FROM replica_meta WHERE key = ?").rows([.text(key)]).first?.first
    }

    func setMeta(_ key: String, _ value: SQLValue) throws {
        try db.cachedStatement("INSERT INTO replica_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .run([.text(key), value])
    }

    // MARK: Writing

    /// One local change to append.
    public struct LocalChange: Sendable {
        public var record: RecordRef
        public var author: AuthorID
        public var body: OperationBody
        public init(record: RecordRef, author: AuthorID, body: OperationBody) {
            self.record = record
            self.author = author
            self.body = body
        }
    }

    /// Appends local operations and applies them, in one transaction. Validation happens
    /// first: if any change is invalid, nothing is written and no sequence number is used.
    @discardableResult
    public func appendLocal(_ changes: [LocalChange], physicalMillis: UInt64 = HybridClock.physicalNowMillis()) throws -> [LogOperation] {
        var next = factory
        let ops = try changes.map { try next.make(record: $0.record, author: $0.author, body: $0.body, physicalMillis: physicalMillis) }
        try ingest(ops, clock: next.clock.last, validated: true)  // `make` validated them
        factory = next
        return ops
    }

    @discardableResult
    public func appendLocal(record: RecordRef, author: AuthorID, body: OperationBody,
                            physicalMillis: UInt64 = HybridClock.physicalNowMillis()) throws -> LogOperation {
        try appendLocal([LocalChange(record: record, author: author, body: body)], physicalMillis: physicalMillis)[0]
    }

    /// How `apply` checks the logs it receives.
    public enum ApplyMode: Sendable {
        /// Whole logs (a device pushing to the server, replica to replica): each replica's
        /// operations must continue its gap-free, hash-linked sequence (R-MODEL-11).
        case completeLogs
        /// A server's scoped feed (R-SYNC-11): a subset of other replicas' logs, already
        /// checked by the server. Each operation is applied at most once, by id.
        case scopedFeed
    }

    /// Applies operations received from elsewhere, atomically. `validated`: the caller has
    /// already run `validate()` on every operation (the server does, off its database thread);
    /// otherwise each is validated here.
    @discardableResult
    public func apply(_ ops: [LogOperation], mode: ApplyMode = .completeLogs, validated: Bool = false) throws -> ApplyReport {
        var clock = factory.clock
        let physical = HybridClock.physicalNowMillis()
        for op in ops { clock.observe(op.timestamp, physicalMillis: physical, maxAheadMillis: maxClockAheadMillis) }
        let report = try ingest(ops, clock: clock.last, mode: mode, validated: validated)
        factory.observe(clock.last, physicalMillis: physical, maxAheadMillis: maxClockAheadMillis)
        return report
    }

    @discardableResult
    private func ingest(_ ops: [LogOperation], clock: HLCTimestamp, mode: ApplyMode = .completeLogs, validated: Bool = false) throws -> ApplyReport {
        var report = ApplyReport()
        // Log heads this batch moves; merged into `self.logs` only after the commit, and
        // kept apart so a batch costs O(its replicas), not O(all replicas the store knows).
        var moved: [ReplicaID: LogHead] = [:]
        var touched: [RecordRef: RecordState] = [:]
        var touchedOrder: [RecordRef] = []
        try atomically {
            let insert = try db.cachedStatement("""
                INSERT INTO ops(replica, seq, hlc, author, kind, record, payload, payload_hash, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            func applyOne(_ op: LogOperation) throws {
                if !validated { try op.validate() }
                var state: RecordState
                if let cached = touched[op.record] {
                    state = cached
                } else {
                    state = try loadRecord(op.record) ?? RecordState(ref: op.record)
                    touchedOrder.append(op.record)
                }
                let wasErased = state.erased
                state.apply(op)
                if state.erased && !wasErased { report.erased.append(op.record) }
                touched[op.record] = state
                let keepPayload = op.body == .erase || (!state.erased && op.body != .redacted)
                try insert.bind(1, op.id.replica.rawValue)
                try insert.bind(2, Int64(op.id.sequence))
                try insert.bind(3, Int64(bitPattern: op.timestamp.packed))
                try insert.bind(4, op.author.rawValue)
                try insert.bind(5, op.record.kind.rawValue)
                try insert.bind(6, op.record.id.rawValue)
                if keepPayload, let payload = op.payload { try insert.bind(7, payload) } else { try insert.bindNull(7) }
                try insert.bind(8, op.payloadHash.bytes)
                try insert.bind(9, op.previousHash.bytes)
                try insert.bind(10, op.hash.bytes)
                _ = try insert.step()
                insert.reset()
                report.applied += 1
            }
            for op in ops {
                if case .scopedFeed = mode {
                    if let stored = try storedHashIfAny(op.id) {
                        guard stored == op.hash else { throw StoreError.forkedOperation(op.id) }
                        report.duplicates += 1
                        continue
                    }
                    try applyOne(op)
                    continue
                }
                let head = moved[op.id.replica] ?? logs[op.id.replica] ?? LogHead(held: 0, lastHash: .zero)
                if op.id.sequence <= head.held {
                    let stored = op.id.sequence == head.held ? head.lastHash : try storedHash(op.id)
                    guard stored == op.hash else { throw StoreError.forkedOperation(op.id) }
                    report.duplicates += 1
                    continue
                }
                guard op.id.sequence == head.held + 1 else {
                    throw ModelError.sequenceGap(replica: op.id.replica, expected: head.held + 1, got: op.id.sequence)
                }
                guard op.previousHash == head.lastHash else {
                    throw ModelError.brokenHashLink(op.id, expected: head.lastHash, got: op.previousHash)
                }
                try applyOne(op)
                moved[op.id.replica] = LogHead(held: op.id.sequence, lastHash: op.hash)
            }
            guard report.applied > 0 else { return }
            let upsert = try db.cachedStatement("""
                INSERT INTO records(kind, id, state, state_hash, erased) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(kind, id) DO UPDATE SET state = excluded.state, state_hash = excluded.state_hash, erased = excluded.erased
                """)
            for ref in touchedOrder {
                let state = touched[ref]!
                let bytes = state.canonicalBytes()
                try upsert.bind(1, ref.kind.rawValue)
                try upsert.bind(2, ref.id.rawValue)
                try upsert.bind(3, bytes)
                try upsert.bind(4, SHA256.hash(bytes).bytes)
                try upsert.bind(5, Int64(state.erased ? 1 : 0))
                _ = try upsert.step()
                upsert.reset()
            }
            if !report.erased.isEmpty {
                let redact = try db.cachedStatement("UPDATE ops SET payload = NULL WHERE kind = ? AND record = ? AND payload IS NOT NULL AND payload != ?")
                for ref in report.erased {
                    try redact.run([.text(ref.kind.rawValue), .text(ref.id.rawValue), .blob(OperationBody.erase.canonicalBytes())])
                }
            }
            let saveLog = try db.cachedStatement("""
                INSERT INTO replica_logs(replica, held, last_hash) VALUES (?, ?, ?)
                ON CONFLICT(replica) DO UPDATE SET held = excluded.held, last_hash = excluded.last_hash
                """)
            for (replica, head) in moved {
                try saveLog.run([.text(replica.rawValue), .integer(Int64(head.held)), .blob(head.lastHash.bytes)])
            }
            try setMeta("hlc", .integer(Int64(bitPattern: clock.packed)))
        }
        for (replica, head) in moved { logs[replica] = head }
        if !report.erased.isEmpty {
            erasedSinceCheckpoint = true
            try checkpointAfterErase()
        }
        return report
    }

    private func storedHash(_ id: OperationID) throws -> SHA256Digest {
        guard let hash = try storedHashIfAny(id) else { throw StoreError.corruptRow("ops \(id) is missing below the held mark") }
        return hash
    }

    private func storedHashIfAny(_ id: OperationID) throws -> SHA256Digest? {
        let rows = try db.cachedStatement("SELECT hash FROM ops WHERE replica = ? AND seq = ?").rows([.text(id.replica.rawValue), .integer(Int64(id.sequence))])
        guard let first = rows.first?.first else { return nil }
        guard case let .blob(bytes) = first, bytes.count == 32 else { throw StoreError.corruptRow("ops \(id)") }
        return SHA256Digest(bytes: bytes)
    }

    /// Imports record states from a server snapshot (R-SYNC-9), checking every state against
    /// its kind's schema and all of them against the snapshot's digest before writing any.
    /// The bytes are stored as received: once they decode and their hashes give the server's
    /// digest, they are the server's canonical states.
    public func importSnapshot(_ records: [(ref: RecordRef, state: [UInt8])], expectedDigest: SHA256Digest) throws {
        var digest = StateDigest()
        var hashes: [SHA256Digest] = []
        hashes.reserveCapacity(records.count)
        var previous: RecordRef?
        for (ref, bytes) in records {
            if let previous, !(previous < ref) {
                throw StoreError.corruptRow("the snapshot's records are not in (kind, id) order at \(ref)")
            }
            previous = ref
            _ = try RecordState(ref: ref, canonicalBytes: bytes)
            let hash = SHA256.hash(bytes)
            digest.add(ref, stateHash: hash)
            hashes.append(hash)
        }
        let computed = digest.finalize()
        guard computed == expectedDigest else {
            throw StoreError.corruptRow("the snapshot's records give digest \(computed.hex.prefix(16))…, not the \(expectedDigest.hex.prefix(16))… it announced")
        }
        try atomically {
            let upsert = try db.cachedStatement("""
                INSERT INTO records(kind, id, state, state_hash, erased) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(kind, id) DO UPDATE SET state = excluded.state, state_hash = excluded.state_hash, erased = excluded.erased
                """)
            for (i, (ref, bytes)) in records.enumerated() {
                try upsert.bind(1, ref.kind.rawValue)
                try upsert.bind(2, ref.id.rawValue)
                try upsert.bind(3, bytes)
                try upsert.bind(4, hashes[i].bytes)
                try upsert.bind(5, Int64(bytes.count > 1 && bytes[1] == 1 ? 1 : 0))
                _ = try upsert.step()
                upsert.reset()
            }
        }
    }

    /// Stores a small piece of sync bookkeeping (the pull cursor, the server URL…) in the
    /// replica's own metadata, atomically with nothing else.
    public func setSetting(_ key: String, _ value: String?) throws {
        try atomically {
            if let value {
                try setMeta("setting:" + key, .text(value))
            } else {
                try db.execute("DELETE FROM replica_meta WHERE key = ?", [.text("setting:" + key)])
            }
        }
    }

    public func setting(_ key: String) throws -> String? {
        if case let .text(v)? = try Self.meta(db, "setting:" + key) { return v }
        return nil
    }

    /// Records that the server durably holds the local log up to `sequence`.
    public func acknowledge(upTo sequence: UInt64) throws {
        guard sequence > acknowledged else { return }
        let held = logs[replica]?.held ?? 0
        guard sequence <= held else { throw StoreError.acknowledgementBeyondLog(acknowledged: sequence, held: held) }
        try atomically { try setMeta("acknowledged", .integer(Int64(sequence))) }
        acknowledged = sequence
    }

    /// Moves the acknowledged mark back to what the server says it holds (after the server
    /// was restored from a backup), so the operations after it are sent again.
    public func resetAcknowledged(to sequence: UInt64) throws {
        try atomically { try setMeta("acknowledged", .integer(Int64(sequence))) }
        acknowledged = sequence
    }

    // MARK: Reading

    public func loadRecord(_ ref: RecordRef) throws -> RecordState? {
        let stmt = try db.cachedStatement("SELECT state FROM records WHERE kind = ? AND id = ?")
        try stmt.bind(1, ref.kind.rawValue)
        try stmt.bind(2, ref.id.rawValue)
        defer { stmt.reset() }
        guard try stmt.step() else { return nil }
        guard !stmt.isNull(0) else { throw StoreError.corruptRow("records \(ref)") }
        return try RecordState(ref: ref, canonicalBytes: stmt.blob(0))
    }

    /// Every record of a kind (or of all kinds), in (kind, id) order.
    public func records(kind: RecordKind? = nil) throws -> [RecordState] {
        let rows: [[SQLValue]]
        if let kind {
            rows = try db.cachedStatement("SELECT kind, id, state FROM records WHERE kind = ? ORDER BY kind, id").rows([.text(kind.rawValue)])
        } else {
            rows = try db.cachedStatement("SELECT kind, id, state FROM records ORDER BY kind, id").rows([])
        }
        return try rows.map { row in
            guard case let .text(k) = row[0], case let .text(i) = row[1], case let .blob(bytes) = row[2],
                  let kind = RecordKind(rawValue: k), let id = try? RecordID(i) else { throw StoreError.corruptRow("records") }
            return try RecordState(ref: RecordRef(kind: kind, id: id), canonicalBytes: bytes)
        }
    }

    /// How many operations of each replica this store holds (the gap-free prefix).
    public func held() -> [ReplicaID: UInt64] { logs.mapValues(\.held) }

    public func held(from replica: ReplicaID) -> UInt64 { logs[replica]?.held ?? 0 }

    /// How much of `replica`'s log this store holds and the hash of its last operation: what
    /// a layer that writes on behalf of another replica (the server, for a partner) continues.
    public func logHead(of replica: ReplicaID) -> (held: UInt64, lastHash: SHA256Digest) {
        let head = logs[replica] ?? LogHead(held: 0, lastHash: .zero)
        return (head.held, head.lastHash)
    }

    /// Local operations the server has not acknowledged yet, oldest first.
    public func unsentOperations(limit: Int = 1000) throws -> [LogOperation] {
        try operations(from: replica, after: acknowledged, limit: limit)
    }

    /// Operations of `replica` with sequence > `after`, in sequence order.
    public func operations(from replica: ReplicaID, after: UInt64, limit: Int) throws -> [LogOperation] {
        try db.cachedStatement("""
            SELECT replica, seq, hlc, author, kind, record, payload, payload_hash, prev_hash, hash
            FROM ops WHERE replica = ? AND seq > ? ORDER BY seq LIMIT ?
            """).rows([.text(replica.rawValue), .integer(Int64(after)), .integer(Int64(limit))]).map(Self.operation)
    }

    /// Operations in arrival order after position `after` (a change-feed cursor).
    public func operations(afterPosition after: Int64, limit: Int) throws -> [(position: Int64, operation: LogOperation)] {
        try db.cachedStatement("""
            SELECT replica, seq, hlc, author, kind, record, payload, payload_hash, prev_hash, hash, pos
            FROM ops WHERE pos > ? ORDER BY pos LIMIT ?
            """).rows([.integer(after), .integer(Int64(limit))]).map { row in
            guard case let .integer(pos) = row[10] else { throw StoreError.corruptRow("ops.pos") }
            return (pos, try Self.operation(row))
        }
    }

    /// Decodes a row of `SELECT replica, seq, hlc, author, kind, record, payload,
    /// payload_hash, prev_hash, hash FROM ops` (for layers that query the log themselves).
    public static func operation(_ row: [SQLValue]) throws -> LogOperation {
        guard case let .text(r) = row[0], let replica = try? ReplicaID(r),
              case let .integer(seq) = row[1], seq >= 1, case let .integer(hlc) = row[2],
              case let .text(a) = row[3], let author = try? AuthorID(a),
              case let .text(k) = row[4], let kind = RecordKind(rawValue: k),
              case let .text(i) = row[5], let id = try? RecordID(i),
              case let .blob(payloadHash) = row[7], payloadHash.count == 32,
              case let .blob(prev) = row[8], prev.count == 32,
              case let .blob(hash) = row[9], hash.count == 32 else {
            throw StoreError.corruptRow("ops")
        }
        let body: OperationBody
        switch row[6] {
        case .null: body = .redacted
        case let .blob(payload): body = try OperationBody.decode(payload)
        default: throw StoreError.corruptRow("ops.payload")
        }
        return LogOperation(unchecked: OperationID(replica: replica, sequence: UInt64(seq)),
                            timestamp: HLCTimestamp(packed: UInt64(bitPattern: hlc)), author: author,
                            record: RecordRef(kind: kind, id: id), body: body,
                            previousHash: SHA256Digest(bytes: prev), payloadHash: SHA256Digest(bytes: payloadHash),
                            hash: SHA256Digest(bytes: hash), payload: row[6].blob)
    }

    /// The state digest (Protocol/MODEL.md, "State digest"), from the stored record hashes.
    public func stateDigest() throws -> SHA256Digest {
        var digest = StateDigest()
        let stmt = try db.cachedStatement("SELECT kind, id, state_hash FROM records ORDER BY kind, id")
        for row in try stmt.rows([]) {
            guard case let .text(k) = row[0], let kind = RecordKind(rawValue: k), case let .text(i) = row[1],
                  let id = try? RecordID(i), case let .blob(hash) = row[2], hash.count == 32 else {
                throw StoreError.corruptRow("records")
            }
            digest.add(RecordRef(kind: kind, id: id), stateHash: SHA256Digest(bytes: hash))
        }
        return digest.finalize()
    }

    /// Re-derives every record from the operation log and compares with the stored state:
    /// the check behind `omzien inspect --verify`. Returns the records that differ.
    public func verifyMaterializedState() throws -> [RecordRef] {
        var rebuilt = ReplicaState()
        var position: Int64 = 0
        while true {
            let page = try operations(afterPosition: position, limit: 5000)
            guard let last = page.last else { break }
            for (_, op) in page { try rebuilt.apply(op) }
            position = last.position
        }
        var differing: [RecordRef] = []
        for stored in try records() where rebuilt.records[stored.ref]?.canonicalBytes() != stored.canonicalBytes() {
            differing.append(stored.ref)
        }
        return differing
    }

    public func integrityCheck() throws -> [String] { try db.integrityCheck() }
}

@available(*, unavailable)
extension ReplicaStore: Sendable {}
