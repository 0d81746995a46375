import OmzienModel
import OmzienStore

/// The store audience on the server (Protocol/PRIVACY.md R-PRIV-32): what leaves the server
/// for a store device is the store-audience projection (`StoreAudience`). The server keeps
/// the full merged state (the partner needs it, R-PART-3); a device's pull gets every
/// operation on a submitted signal with its note and contact withheld, its
/// snapshot gets the projected states, and the digest a device compares with
/// (`SyncService.digest(store:)`, the snapshot's) is the digest of those projections.
extension SyncService {
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

    /// The digest of a store's records as the server holds them, nothing withheld (session
    /// logs recorded before the store audience existed carry this one).
    public func fullDigest(store storeID: String) throws -> SHA256Digest {
        try worker.read { store in try Self.scopedRecords(of: storeID, in: store, storeAudience: false, states: nil) }
    }

    /// What a replay compares a recorded digest with: the store-audience digest, or the full
    /// one when that is what the log recorded (logs written before R-PRIV-32).
    func replayDigest(store storeID: String, recorded: String) throws -> String {
        let audience = try digest(store: storeID).hex
        if audience == recorded { return audience }
        let full = try fullDigest(store: storeID).hex
        return full == recorded ? full : audience
    }
}
