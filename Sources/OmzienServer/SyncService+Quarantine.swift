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
    /// What a push needs to know of the parked operations of `replica`, by sequence.
    static func parkedHeads(of replica: ReplicaID, in store: ReplicaStore) throws -> [UInt64: ServerStore.ParkedHead] {
        Dictionary(try ServerStore(store).parkedHeads(of: replica).map { ($0.sequence, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Decodes the parked operations of `replica` (only when some are due, or on release).
    func loadParked(of replica: ReplicaID, in store: ReplicaStore) throws -> [LogOperation] {
        quarantineLoads.withLock { $0 += 1 }
        return try ServerStore(store).parkedOperations(of: replica)
    }

    /// How many times parked operations were decoded (tests: a push whose parked operations
    /// are not due must not decode them).
    public var _quarantineLoads: Int { quarantineLoads.withLock { $0 } }

    func park(_ ops: [LogOperation], reasons: [OperationID: String], at now: UInt64, in store: ReplicaStore) throws {
        let server = ServerStore(store)
        for op in ops {
            // An operation on a record erased already is parked without its payload (R-PRIV-2):
            // the store would drop it on applying anyway, and the hashes are all a chain needs.
            let isErased = try op.body != .erase && server.isErased(op.record)
            try server.park(.init(id: op.id, record: op.record, json: (isErased ? op.redacted() : op).jsonText, reason: reasons[op.id] ?? "",
                                  receivedAt: now, wallMillis: op.timestamp.wallMillis, hash: op.hash))
        }
    }

    /// Protocol/PRIVACY.md R-PRIV-2: an erase reaches every copy the server keeps besides the log (whose payloads
    /// the store drops): the partner's case notes on the referral, and operations on the
    /// record that wait in quarantine (kept with their hashes only, so that the device's chain
    /// still links when they are released). Runs in the transaction that applied the erase.
    static func eraseServerCopies(of records: [RecordRef], in store: ReplicaStore) throws {
        guard !records.isEmpty else { return }
        let server = ServerStore(store)
        for ref in records {
            if ref.kind == .signal { try server.erasePartnerCopies(onReferral: ref.id.rawValue) }
            try server.rewriteParked(on: ref) { op in
                op.body == .erase || op.body == .redacted ? nil : op.redacted().jsonText
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
            try ServerStore(store).quarantine().map { row in
                QuarantineEntry(operation: "\(row.replica)#\(row.sequence)", replica: row.replica, store: row.store, reason: row.reason,
                                receivedAt: row.receivedAt, clock: row.wallMillis,
                                aheadMillis: row.wallMillis > now ? row.wallMillis - now : 0, bytes: row.bytes)
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
            guard let storeID = try ServerStore(store).deviceStore(replica: replica.rawValue) else {
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
        let server = ServerStore(store)
        if heldAfter > heldBefore { try server.feed(replica, heldBefore + 1...heldAfter, to: storeID) }
        try server.unpark(replica, upTo: heldAfter)
    }
}

extension LogOperation {
    /// The operation's JSON form (MODEL.md section 8), as stored in the quarantine.
    var jsonText: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }
}
