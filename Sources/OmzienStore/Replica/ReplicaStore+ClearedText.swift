import OmzienModel

/// Texts a retention purge cleared (Protocol/PRIVACY.md R-PRIV-19): once a write of null
/// superseded a feedback's comment (or a later edit superseded an earlier one), the
/// superseded texts are no longer the value nor a kept conflict, and no merge needs them (a register merges by operation ids, timestamps and
/// `supersedes`, never by value). So every replica that holds the clearing write drops them
/// from the stored payloads: each superseded write's value becomes `withheld` (MODEL.md value
/// tag 6; hashes untouched, the chain still verifies, R-PRIV-31), and with `secure_delete=ON`
/// and the WAL truncated the text is in no byte of the file. The state digest does not change
/// (it covers states, which keep no superseded value), so replicas agree before and after.
extension ReplicaStore {
    /// Drops from the stored payloads every text of a field of `RetentionPolicy
    /// .supersededTextFields` written by an operation that is no longer a head of that field
    /// (a feedback's comment, a signal's decline reason after a reopen).
    /// Only payloads that still carry such a text are decoded. Returns how many payloads it
    /// rewrote.
    @discardableResult
    public func dropClearedText() throws -> Int {
        var rewrites: [(pos: Int64, payload: [UInt8])] = []
        for (kind, fields) in RetentionPolicy.supersededTextFields {
            for field in fields {
                // `set(field, string …)` in canonical bytes: tag 0, the name, value tag 5.
                var marker = CanonicalWriter(capacity: 16)
                marker.u8(0); marker.string(field); marker.u8(5)
                let rows = try db.cachedStatement("""
                    SELECT pos, replica, seq, record, payload FROM ops WHERE kind = ? AND payload IS NOT NULL AND instr(payload, ?) > 0
                    """).rows([.text(kind.rawValue), .blob(marker.bytes)])
                var heads: [String: Set<OperationID>] = [:]
                for row in rows {
                    guard case let .integer(pos) = row[0], case let .text(r) = row[1], let replica = try? ReplicaID(r),
                          case let .integer(seq) = row[2], case let .text(record) = row[3], case let .blob(payload) = row[4],
                          let id = try? RecordID(record) else { throw StoreError.corruptRow("ops") }
                    if heads[record] == nil {
                        heads[record] = Set(try loadRecord(RecordRef(kind: kind, id: id))?.heads(field) ?? [])
                    }
                    guard !heads[record]!.contains(OperationID(replica: replica, sequence: UInt64(seq))),
                          case let .changes(changes) = try OperationBody.decode(payload) else { continue }
                    let dropped = changes.map { change -> FieldChange in
                        guard case let .set(name, .string, supersedes) = change, name == field else { return change }
                        return .set(field: name, value: .withheld, supersedes: supersedes)
                    }
                    if dropped != changes { rewrites.append((pos, OperationBody.changes(dropped).canonicalBytes())) }
                }
            }
        }
        guard !rewrites.isEmpty else { return 0 }
        try atomically {
            let rewrite = try db.cachedStatement("UPDATE ops SET payload = ? WHERE pos = ?")
            for (pos, payload) in rewrites { try rewrite.run([.blob(payload), .integer(pos)]) }
            erasedSinceCheckpoint = true
        }
        try checkpointAfterErase()
        return rewrites.count
    }
}
