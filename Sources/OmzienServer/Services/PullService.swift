import Foundation
import OmzienModel
import OmzienProtocol
import OmzienServerStore
import OmzienStore

/// What a store device reads (Protocol/SYNC.md): its store's change feed in pages (pull),
/// the whole scope at once (snapshot), how much of its log the server holds (status), the
/// server's settings (info), and the digests of a store's records.
///
/// Everything that leaves here for a device is the store audience's (PRIVACY.md R-PRIV-32):
/// the server keeps the full merged state (the partner needs it, R-PART-3); a device's pull
/// gets every operation on a submitted signal with its note and contact withheld, its
/// snapshot the projected states, and the digest a device compares with (`digest(store:)`,
/// the snapshot's) is the digest of those projections.
struct PullService: Sendable {
    let context: ServiceContext

    /// A feed position from a cursor the server gave (`p<position>`); none: the beginning.
    static func parseCursor(_ cursor: String?) throws -> Int64 {
        guard let cursor, !cursor.isEmpty else { return 0 }
        guard cursor.hasPrefix("p"), let pos = Int64(cursor.dropFirst()), pos >= 0 else {
            throw Problem("invalid-cursor", status: 400, title: "Invalid cursor", detail: "pass back a cursor exactly as the server gave it, or none to start from the beginning")
        }
        return pos
    }

    func pull(_ principal: Principal, cursor: String?, limit: Int?) throws -> PullResponse {
        let (replica, storeID) = try principal.requireDevice()
        let after = try Self.parseCursor(cursor)
        let limit = limit ?? Limits.defaultPullPage
        guard (1...Limits.maxPullPage).contains(limit) else {
            throw Problems.badRequest("limit must be 1...\(Limits.maxPullPage), got \(limit)")
        }
        let now = context.now
        return try context.worker.read { store in
            let entries = try ServerStore(store).feedPage(of: storeID, after: after, excluding: replica, limit: limit + 1)
            let page = entries.prefix(limit)
            let ops = try Self.storeAudience(page.map(\.operation), in: store)  // R-PRIV-32
            let next = page.last?.position ?? after
            return PullResponse(operations: ops, cursor: "p\(next)", more: entries.count > limit, serverTime: now)
        }
    }

    func snapshot(_ principal: Principal) throws -> SnapshotResponse {
        let (_, storeID) = try principal.requireDevice()
        let now = context.now
        return try context.worker.read { store in
            var records: [SnapshotResponse.Record] = []
            let digest = try Self.scopedRecords(of: storeID, in: store) { (ref: RecordRef, state: [UInt8]) in
                guard records.count < Limits.maxSnapshotRecords else {
                    throw Problem("payload-too-large", status: 413, title: "Snapshot too large", detail: "the store has more than \(Limits.maxSnapshotRecords) records")
                }
                records.append(.init(kind: ref.kind.rawValue, id: ref.id.rawValue, state: Data(state).base64EncodedString()))
            }
            let head = try ServerStore(store).feedHead(of: storeID)
            return SnapshotResponse(records: records, cursor: "p\(head)", digest: digest.hex, serverTime: now)
        }
    }

    func status(_ principal: Principal) throws -> StatusResponse {
        let (replica, storeID) = try principal.requireDevice()
        let now = context.now
        return try context.worker.read { store in
            let parked = try ServerStore(store).parkedCount(of: replica.rawValue)
            return StatusResponse(replica: replica.rawValue, store: storeID, held: store.held(from: replica), quarantined: parked, serverTime: now)
        }
    }

    func info() -> InfoResponse {
        let configuration = context.configuration
        return InfoResponse(protocolVersion: SyncProtocol.version, serverTime: context.now,
                            limits: ServerLimits(maxOperationsPerPush: Limits.maxOperationsPerPush, maxRequestBytes: Limits.maxRequestBytes,
                                                 maxPullPage: Limits.maxPullPage, defaultPullPage: Limits.defaultPullPage,
                                                 maxSnapshotRecords: Limits.maxSnapshotRecords, maxDriftMillis: configuration.maxDriftMillis),
                            retention: RetentionPeriods(configuration.retention))  // PRIVACY.md R-PRIV-22
    }

    /// The state digest of one store's records as its devices hold them: of the store-audience
    /// projection (MODEL.md 7.1, PRIVACY.md R-PRIV-32), for tests, the demo and `omzien admin`.
    func digest(store storeID: String) throws -> SHA256Digest {
        try context.worker.read { store in try Self.scopedRecords(of: storeID, in: store, states: nil) }
    }

    /// The digest of a store's records as the server holds them, nothing withheld (session
    /// logs recorded before the store audience existed carry this one).
    func fullDigest(store storeID: String) throws -> SHA256Digest {
        try context.worker.read { store in try Self.scopedRecords(of: storeID, in: store, storeAudience: false, states: nil) }
    }

    /// What a replay compares a recorded digest with: the store-audience digest, or the full
    /// one when that is what the log recorded (logs written before R-PRIV-32).
    func replayDigest(store storeID: String, recorded: String) throws -> String {
        let audience = try digest(store: storeID).hex
        if audience == recorded { return audience }
        let full = try fullDigest(store: storeID).hex
        return full == recorded ? full : audience
    }

    /// Visits every record in a store's scope in (kind, id) order, with its canonical state
    /// when `states` is given, and returns the state digest of exactly those records.
    static func scopedRecords(of storeID: String, in store: ReplicaStore, storeAudience: Bool = true,
                              states: ((RecordRef, [UInt8]) throws -> Void)?) throws -> SHA256Digest {
        var digest = StateDigest()
        try ServerStore(store).forEachScopedRecord(of: storeID) { record in
            let (bytes, hash) = storeAudience ? try Self.storeAudienceState(record.ref, bytes: record.state, hash: record.stateHash)
                                              : (record.state, record.stateHash)  // R-PRIV-32
            digest.add(record.ref, stateHash: SHA256Digest(bytes: hash))
            try states?(record.ref, bytes)
        }
        return digest.finalize()
    }

    /// The store audience's copy of a page of operations: each operation on a signal whose
    /// merged state is submitted or later loses its withheld values (hashes unchanged).
    static func storeAudience(_ ops: [LogOperation], in store: ReplicaStore) throws -> [LogOperation] {
        var states: [RecordRef: RecordState?] = [:]
        return try ops.map { op in
            guard op.record.kind == .signal else { return op }
            let state: RecordState?
            if let cached = states[op.record] { state = cached } else {
                state = try store.loadRecord(op.record)
                states[op.record] = state
            }
            return StoreAudience.project(op, mergedState: state)
        }
    }

    /// The store audience's canonical state bytes and their hash for a stored record: the
    /// stored ones unless the record is a signal the projection changes.
    static func storeAudienceState(_ ref: RecordRef, bytes: [UInt8], hash: [UInt8]) throws -> (bytes: [UInt8], hash: [UInt8]) {
        guard ref.kind == .signal else { return (bytes, hash) }
        let state = try RecordState(ref: ref, canonicalBytes: bytes)
        let projected = StoreAudience.project(state)
        guard projected != state else { return (bytes, hash) }
        let out = projected.canonicalBytes()
        return (out, SHA256.hash(out).bytes)
    }
}
