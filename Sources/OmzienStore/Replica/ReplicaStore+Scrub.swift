import OmzienModel

/// The effect of an erase without its operation, for a file that is a copy, not a replica
/// in sync: a backup the server keeps (Protocol/PRIVACY.md R-PRIV-34). The log keeps every
/// operation's hashes (chains still verify); what goes is what an erase drops.
extension ReplicaStore {
    /// The records on which this store holds an erase operation (an erase keeps its payload,
    /// the erase body: no personal data), in one pass over the log. A record can be erased
    /// without one only in a scrubbed backup (`scrubErased`); the ledger replay after its
    /// restore then makes the erase anew.
    public func recordsWithEraseOperation() throws -> Set<RecordRef> {
        var found = Set<RecordRef>()
        for row in try db.rows("SELECT DISTINCT kind, record FROM ops WHERE payload = ?", [.blob(OperationBody.erase.canonicalBytes())]) {
            guard case let .text(k) = row[0], case let .text(r) = row[1], let kind = RecordKind(rawValue: k), let id = try? RecordID(r) else {
                throw StoreError.corruptRow("ops")
            }
            found.insert(RecordRef(kind: kind, id: id))
        }
        return found
    }

    /// For every record of `refs` this store holds and has not erased, replaces its state by
    /// the tombstone (`RecordState.tombstone`) and drops the payloads of its operations, as
    /// an erase would, but appends no operation. In one transaction (one pass over the log,
    /// whatever the number of records); the WAL is checkpointed and truncated afterwards, and
    /// with `secure_delete=ON` the dropped bytes are zeroed. Returns the records it changed
    /// (none when they were erased or unknown already).
    @discardableResult
    public func scrubErased(_ refs: [RecordRef]) throws -> [RecordRef] {
        guard !refs.isEmpty else { return [] }
        var changed: [RecordRef] = []
        try atomically {
            let bury = try db.cachedStatement("UPDATE records SET state = ?, state_hash = ?, erased = 1 WHERE kind = ? AND id = ? AND erased = 0")
            for ref in Set(refs).sorted() {
                let bytes = RecordState.tombstone(ref).canonicalBytes()
                try bury.run([.blob(bytes), .blob(SHA256.hash(bytes).bytes), .text(ref.kind.rawValue), .text(ref.id.rawValue)])
                if db.changes > 0 { changed.append(ref) }
            }
            guard !changed.isEmpty else { return }
            // The operations of a record erased before hold no payload already: only the
            // records just buried have payloads to drop.
            let keys = changed.map { "\($0.kind.rawValue):\($0.id.rawValue)" }
            try db.execute("""
                UPDATE ops SET payload = NULL
                WHERE payload IS NOT NULL AND payload != ? AND kind || ':' || record IN (SELECT value FROM json_each(?))
                """, [.blob(OperationBody.erase.canonicalBytes()), .text(Self.jsonArray(keys))])
            erasedSinceCheckpoint = true
        }
        try checkpointAfterErase()
        return changed
    }

    /// `["a","b"]` for strings of identifier characters (no quote or backslash to escape).
    private static func jsonArray(_ strings: [String]) -> String {
        "[" + strings.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    /// For every record of `refs`, replaces each text of `fields` by `withheld`, in its state
    /// (`RecordState.withholding`) and in the stored payload of every operation on it, as a
    /// retention purge clears a comment (R-PRIV-19) but without the clearing write: a
    /// backup's copy (R-PRIV-34). In one transaction; WAL truncated afterwards. Returns the
    /// records it changed.
    @discardableResult
    public func scrubText(of fields: [String], on refs: [RecordRef]) throws -> [RecordRef] {
        var changed: [RecordRef] = []
        try atomically {
            let load = try db.cachedStatement("SELECT pos, payload FROM ops WHERE kind = ? AND record = ? AND payload IS NOT NULL")
            let rewrite = try db.cachedStatement("UPDATE ops SET payload = ? WHERE pos = ?")
            let restate = try db.cachedStatement("UPDATE records SET state = ?, state_hash = ? WHERE kind = ? AND id = ?")
            for ref in Set(refs).sorted() {
                guard let state = try loadRecord(ref), !state.erased else { continue }
                var touched = false
                for row in try load.rows([.text(ref.kind.rawValue), .text(ref.id.rawValue)]) {
                    guard case let .integer(pos) = row[0], case let .blob(payload) = row[1] else { throw StoreError.corruptRow("ops") }
                    guard case let .changes(changes) = try OperationBody.decode(payload) else { continue }
                    let dropped = changes.map { change -> FieldChange in
                        guard case let .set(name, .string, supersedes) = change, fields.contains(name) else { return change }
                        return .set(field: name, value: .withheld, supersedes: supersedes)
                    }
                    guard dropped != changes else { continue }
                    try rewrite.run([.blob(OperationBody.changes(dropped).canonicalBytes()), .integer(pos)])
                    touched = true
                }
                let projected = state.withholding(fields)
                if projected != state {
                    let bytes = projected.canonicalBytes()
                    try restate.run([.blob(bytes), .blob(SHA256.hash(bytes).bytes), .text(ref.kind.rawValue), .text(ref.id.rawValue)])
                    touched = true
                }
                if touched { changed.append(ref) }
            }
            if !changed.isEmpty { erasedSinceCheckpoint = true }
        }
        try checkpointAfterErase()
        return changed
    }
}
