import OmzienModel
import OmzienStore

/// What erasures the server makes itself read and remove (PRIVACY.md R-PRIV-2, R-PRIV-13):
/// the payloads a contact search looks through, and the partner's copies of an erased
/// referral (its case notes, its follow-up history).
extension ServerStore {
    /// One stored payload of an operation on a signal that is not erased.
    public struct SignalPayload: Sendable {
        public let record: String
        public let payload: [UInt8]
    }

    /// Every payload still held of operations on signals that are not erased.
    public func payloadsOfLiveSignals() throws -> [SignalPayload] {
        try db.rows("""
            SELECT o.record, o.payload FROM ops o JOIN records r ON r.kind = o.kind AND r.id = o.record
            WHERE o.kind = 'signal' AND r.erased = 0 AND o.payload IS NOT NULL
            """).compactMap { row in
            guard case let .text(record) = row[0], case let .blob(payload) = row[1] else { return nil }
            return SignalPayload(record: record, payload: payload)
        }
    }

    /// Deletes every case note on `referral` and its follow-up history (who moved it to which
    /// state when: `followup_history`, R-WEB-11): an erase, and so a retention purge, reaches
    /// them (R-PRIV-2).
    public func erasePartnerCopies(onReferral referral: String) throws {
        try db.cachedStatement("DELETE FROM case_notes WHERE referral = ?").run([.text(referral)])
        try db.cachedStatement("DELETE FROM followup_history WHERE referral = ?").run([.text(referral)])
    }
}
