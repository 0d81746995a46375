import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// The quarantine (SYNC.md R-SYNC-13, R-SYNC-14): operations of a device stamped too far in
/// the future, and those that follow them in its log, parked until their time comes or an
/// admin releases them.
///
/// Invariants of the `quarantine` rows of one replica:
/// - they are exactly the sequences `held + 1 … held + n` of that replica, each linking to the
///   hash of the one before (the first to the last operation the store holds);
/// - every one passed `validate()` and the scope check (its record is claimed for the
///   device's store) before it was parked: only the clock kept it out;
/// - there are at most `Limits.maxQuarantinedOperations` of them, of at most
///   `Limits.maxQuarantinedBytes` bytes of JSON in all;
/// - none is acknowledged: `held` counts applied operations only, so the device still has
///   every parked operation unsent and sends it again. Dropping rows therefore never loses
///   data (the 2026-12-02 migration drops the rows of older versions, which parked unchecked
///   operations).
///
/// A push reads only the rows' sequence, hash, clock and size; the operations themselves
/// are decoded only when the first one is due, or on release.
extension SyncService {
    /// What a push needs to know of one parked operation (no payload).
    struct ParkedHead {
        let hash: SHA256Digest
        let wallMillis: UInt64
        let bytes: Int
    }

    static func parkedHeads(of replica: ReplicaID, in store: ReplicaStore) throws -> [UInt64: ParkedHead] {
        var heads: [UInt64: ParkedHead] = [:]
        let stmt = try store.database.cachedStatement("SELECT seq, hash, wall, bytes FROM quarantine WHERE replica = ? ORDER BY seq")
        for row in try stmt.rows([.text(replica.rawValue)]) {
            guard case let .integer(seq) = row[0], seq >= 1, case let .blob(hash) = row[1], hash.count == 32,
                  case let .integer(wall) = row[2], wall >= 0, case let .integer(bytes) = row[3] else {
                throw ServerError.corrupt("quarantine")
            }
            heads[UInt64(seq)] = ParkedHead(hash: SHA256Digest(bytes: hash), wallMillis: UInt64(wall), bytes: Int(bytes))
        }
        return heads
    }

    /// Decodes the parked operations of `replica` (only when some are due, or on release).
    func loadParked(of replica: ReplicaID, in store: ReplicaStore) throws -> [LogOperation] {
        quarantineLoads.withLock { $0 += 1 }
        let stmt = try store.database.cachedStatement("SELECT operation FROM quarantine WHERE replica = ? ORDER BY seq")
        return try stmt.rows([.text(replica.rawValue)]).map { row in
            guard case let .text(json) = row[0], let doc = try? JSONDocument(Array(json.utf8)),
                  let op = try? LogOperation(json: doc.root) else { throw ServerError.corrupt("quarantine") }
            return op
        }
    }

    /// How many times parked operations were decoded (tests: a push whose parked operations
    /// are not due must not decode them).
    public var _quarantineLoads: Int { quarantineLoads.withLock { $0 } }

    func park(_ ops: [LogOperation], reasons: [OperationID: String], at now: UInt64, in store: ReplicaStore) throws {
        let insert = try store.database.cachedStatement("""
            INSERT INTO quarantine(replica, seq, operation, reason, received_at, wall, hash, bytes, kind, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let erased = try store.database.cachedStatement("SELECT 1 FROM records WHERE kind = ? AND id = ? AND erased = 1")
        for op in ops {
            // An operation on a record erased already is parked without its payload (R-PRIV-2):
            // the store would drop it on applying anyway, and the hashes are all a chain needs.
            let isErased = try op.body != .erase && !erased.rows([.text(op.record.kind.rawValue), .text(op.record.id.rawValue)]).isEmpty
            let json = (isErased ? op.redacted() : op).jsonText
            try insert.run([.text(op.id.replica.rawValue), .integer(Int64(op.id.sequence)), .text(json), .text(reasons[op.id] ?? ""),
                            .integer(Int64(now)), .integer(Int64(op.timestamp.wallMillis)), .blob(op.hash.bytes), .integer(Int64(json.utf8.count)),
                            .text(op.record.kind.rawValue), .text(op.record.id.rawValue)])
        }
    }

    /// Protocol/PRIVACY.md R-PRIV-2: an erase reaches every copy the server keeps besides the log (whose payloads
    /// the store drops): the partner's case notes on the referral, and operations on the
    /// record that wait in quarantine (kept with their hashes only, so that the device's chain
    /// still links when they are released). Runs in the transaction that applied the erase.
    static func eraseServerCopies(of records: [RecordRef], in store: ReplicaStore) throws {
        guard !records.isEmpty else { return }
        let db = store.database
        let notes = try db.cachedStatement("DELETE FROM case_notes WHERE referral = ?")
        let parked = try db.cachedStatement("SELECT replica, seq, operation FROM quarantine WHERE kind = ? AND record = ?")
        let rewrite = try db.cachedStatement("UPDATE quarantine SET operation = ?, bytes = ? WHERE replica = ? AND seq = ?")
        for ref in records {
            if ref.kind == .signal { try notes.run([.text(ref.id.rawValue)]) }
            for row in try parked.rows([.text(ref.kind.rawValue), .text(ref.id.rawValue)]) {
                guard case let .text(json) = row[2], let doc = try? JSONDocument(Array(json.utf8)), let op = try? LogOperation(json: doc.root) else {
                    throw ServerError.corrupt("quarantine")
                }
                guard op.body != .erase, op.body != .redacted else { continue }
                let redacted = op.redacted().jsonText
                try rewrite.run([.text(redacted), .integer(Int64(redacted.utf8.count)), row[0], row[1]])
            }
        }
    }

    func quarantineReason(wallMillis: UInt64, limit: UInt64, now: UInt64) -> String {
        guard wallMillis > limit else { return "it follows a quarantined operation of the same device" }
        return "its clock is \(Self.duration(wallMillis - now)) ahead of the server's (allowed: \(Self.duration(configuration.maxDriftMillis))); check the device's clock"
    }

    // MARK: Administration

    /// Every parked operation, without payloads (R-SYNC-14).
    public func listQuarantine(_ principal: Principal) throws -> [QuarantineEntry] {
        try requireAdmin(principal)
        let now = self.now
        return try worker.read { store in
            try store.database.rows("""
                SELECT q.replica, q.seq, q.wall, q.reason, q.received_at, q.bytes, p.store
                FROM quarantine q LEFT JOIN principals p ON p.replica = q.replica ORDER BY q.replica, q.seq
                """).map { row in
                guard case let .text(replica) = row[0], case let .integer(seq) = row[1], case let .integer(wall) = row[2],
                      case let .text(reason) = row[3], case let .integer(received) = row[4], case let .integer(bytes) = row[5] else {
                    throw ServerError.corrupt("quarantine")
                }
                let clock = UInt64(max(wall, 0))
                return QuarantineEntry(operation: "\(replica)#\(seq)", replica: replica, store: row[6].text ?? "", reason: reason,
                                       receivedAt: UInt64(max(received, 0)), clock: clock,
                                       aheadMillis: clock > now ? clock - now : 0, bytes: Int(bytes))
            }
        }
    }

    /// Applies every parked operation of `replica` now, whatever its clock (R-SYNC-14): for
    /// a device whose clock was wrong and whose operations an admin has looked at. The
    /// operations were checked when they were parked and are checked again by the store.
    public func releaseQuarantine(_ principal: Principal, replica text: String) throws -> QuarantineReleaseResponse {
        try requireAdmin(principal)
        guard let replica = try? ReplicaID(text) else { throw Problems.badRequest("'\(text)' is not a replica id") }
        let now = self.now
        return try worker.write { store in
            guard let storeID = try store.database.firstRow("SELECT store FROM principals WHERE replica = ?", [.text(replica.rawValue)])?.first?.text else {
                throw Problems.notFound("no device '\(replica)'; 'omzien admin quarantine list' shows the quarantined ones")
            }
            let heldBefore = store.held(from: replica)
            let ops = try self.loadParked(of: replica, in: store).filter { $0.id.sequence > heldBefore }
            guard !ops.isEmpty else { throw Problems.notFound("device '\(replica)' has no quarantined operations") }
            do {
                let report = try store.apply(ops)
                try self.recordApplied(ops, replica: replica, store: storeID, heldBefore: heldBefore, at: now, in: store)
                return QuarantineReleaseResponse(replica: replica.rawValue, released: report.applied, held: store.held(from: replica))
            } catch {
                throw Problems.from(error, held: heldBefore)
            }
        }
    }

    /// After operations of `replica` were applied: submissions, the store's feed, and the
    /// parked rows they replace.
    func recordApplied(_ fresh: [LogOperation], replica: ReplicaID, store storeID: String, heldBefore: UInt64, at now: UInt64,
                       in store: ReplicaStore) throws {
        try Self.recordSubmissions(fresh, store: storeID, at: now, in: store)
        let erased = fresh.filter { $0.body == .erase }.map(\.record)
        try Self.eraseServerCopies(of: erased, in: store)
        try Self.ledgerDeviceErases(erased, store: storeID, at: now, ledger: erasureLedger)  // PRIVACY.md R-PRIV-15
        let heldAfter = store.held(from: replica)
        if heldAfter > heldBefore {
            try store.database.execute("INSERT INTO feed(store, pos) SELECT ?, pos FROM ops WHERE replica = ? AND seq > ? AND seq <= ?",
                                       [.text(storeID), .text(replica.rawValue), .integer(Int64(heldBefore)), .integer(Int64(heldAfter))])
        }
        try store.database.execute("DELETE FROM quarantine WHERE replica = ? AND seq <= ?", [.text(replica.rawValue), .integer(Int64(heldAfter))])
    }
}

extension LogOperation {
    /// The operation's JSON form (MODEL.md section 8), as stored in the quarantine.
    var jsonText: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }
}
