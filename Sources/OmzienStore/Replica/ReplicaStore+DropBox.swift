import OmzienModel

/// The drop-box device (Protocol/PRIVACY.md R-PRIV-31): once the server durably holds
/// everything this device wrote on a submitted signal, the device keeps only the store
/// audience's projection of it (`StoreAudience`): in the record's state and in the stored
/// payload of every operation on it, the note and contact become `withheld`.
///
/// What stays is what merging and proving convergence need: every write's operation id and
/// timestamp, the superseded ids, and the hashes of every operation (the header hash covers
/// the payload hash, not the payload, so the chain still verifies after the payload is
/// rewritten). The freed bytes are zeroed (`secure_delete=ON`) and the WAL is checkpointed
/// and truncated, so the dropped text is in no byte of the database, `-wal` or `-shm`.
extension ReplicaStore {
    /// What one `dropWithheldValues()` did.
    public struct DropReport: Sendable, Equatable {
        /// Signals whose note or contact this call dropped.
        public var records: [RecordRef] = []
        /// Operations whose stored payload was rewritten.
        public var operations = 0
        /// Signals that still keep their values because this device wrote on them and the
        /// server has not acknowledged it yet.
        public var waiting: [RecordRef] = []
    }

    /// Drops the values the store audience withholds from every submitted signal whose
    /// operations by this replica the server has all acknowledged. Idempotent; a draft, and
    /// a signal with an unacknowledged local write, keep everything (the cashier may still
    /// be writing; an unsent write must be sent as written).
    @discardableResult
    public func dropWithheldValues() throws -> DropReport {
        var report = DropReport()
        let unsent = Set(try db.cachedStatement("SELECT DISTINCT record FROM ops WHERE kind = 'signal' AND replica = ? AND seq > ?")
            .rows([.text(replica.rawValue), .integer(Int64(acknowledged))]).compactMap(\.first?.text))
        // One pass over the signal operations that still carry a payload, grouped by record.
        var payloads: [String: [(pos: Int64, payload: [UInt8])]] = [:]
        for row in try db.cachedStatement("SELECT pos, record, payload FROM ops WHERE kind = 'signal' AND payload IS NOT NULL").rows([]) {
            guard case let .integer(pos) = row[0], case let .text(record) = row[1], case let .blob(payload) = row[2] else {
                throw StoreError.corruptRow("ops")
            }
            payloads[record, default: []].append((pos, payload))
        }
        var changedStates: [RecordState] = []
        var rewrites: [(pos: Int64, payload: [UInt8])] = []
        for state in try records(kind: .signal) where StoreAudience.applies(to: state) {
            let projected = StoreAudience.project(state)
            var opRewrites: [(pos: Int64, payload: [UInt8])] = []
            for (pos, payload) in payloads[state.ref.id.rawValue] ?? [] {
                let body = try OperationBody.decode(payload)
                guard case let .changes(changes) = body else { continue }
                let withheld = changes.map { change -> FieldChange in
                    guard case let .set(field, value, supersedes) = change, value != .null, value != .withheld,
                          StoreAudience.withholds(.signal, field) else { return change }
                    return .set(field: field, value: .withheld, supersedes: supersedes)
                }
                if withheld != changes { opRewrites.append((pos, OperationBody.changes(withheld).canonicalBytes())) }
            }
            guard projected != state || !opRewrites.isEmpty else { continue }
            if unsent.contains(state.ref.id.rawValue) {
                report.waiting.append(state.ref)
                continue
            }
            report.records.append(state.ref)
            if projected != state { changedStates.append(projected) }
            rewrites += opRewrites
        }
        guard !report.records.isEmpty else { return report }
        try atomically {
            let rewrite = try db.cachedStatement("UPDATE ops SET payload = ? WHERE pos = ?")
            for (pos, payload) in rewrites { try rewrite.run([.blob(payload), .integer(pos)]) }
            let upsert = try db.cachedStatement("UPDATE records SET state = ?, state_hash = ? WHERE kind = ? AND id = ?")
            for state in changedStates {
                let bytes = state.canonicalBytes()
                try upsert.run([.blob(bytes), .blob(SHA256.hash(bytes).bytes), .text(state.ref.kind.rawValue), .text(state.ref.id.rawValue)])
            }
            erasedSinceCheckpoint = true
        }
        try checkpointAfterErase()
        report.operations = rewrites.count
        return report
    }

    /// The digest of this replica's store-audience projection (MODEL.md section 7.1): what a
    /// store device and the server compare (`GET /v1/sync/snapshot`, `SyncService.digest`).
    /// Equal to `stateDigest()` once every submitted signal is dropped.
    public func storeAudienceDigest() throws -> SHA256Digest {
        StoreAudience.digest(try records())
    }
}
