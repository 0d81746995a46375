import OmzienModel
import OmzienStore

/// What erasures the server makes itself read and remove (PRIVACY.md R-PRIV-2, R-PRIV-13):
/// the payloads a contact search looks through, and the partner's case notes on an erased
/// referral.
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

    /// Deletes every case note on `referral` (an erase reaches them, R-PRIV-2).
    public func eraseCaseNotes(onReferral referral: String) throws {
        try db.cachedStatement("DELETE FROM case_notes WHERE referral = ?").run([.text(referral)])
    }
}
