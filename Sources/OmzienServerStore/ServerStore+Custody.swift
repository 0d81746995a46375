import OmzienModel
import OmzienStore

/// Custody of referrals (`referral_custody`, R-PART-14): the region whose partner a referral
/// belongs to is its custody row's, or else its store's region.
extension ServerStore {
    /// Where a referral sits for a partner: the store it belongs to and that store's current
    /// region (which differs from the partner's when the case was kept after a move, R-PART-14).
    public struct ReferralPlace: Sendable, Hashable {
        public let store: String
        public let storeRegion: String

        init?(row: [SQLValue]) {
            guard case let .text(store) = row[0], case let .text(storeRegion) = row[1] else { return nil }
            self.store = store
            self.storeRegion = storeRegion
        }
    }

    /// A signal in a region's custody, with when the server first saw it submitted and first
    /// contacted (`referral_events`), for the partner's inbox (R-WEB-10).
    public struct CustodyReferral: Sendable, Hashable {
        public let referral: String
        public let store: String
        public let submittedAt: UInt64?
        public let firstContactAt: UInt64?

        init?(row: [SQLValue]) {
            guard case let .text(referral) = row[0], case let .text(store) = row[1] else { return nil }
            self.referral = referral
            self.store = store
            submittedAt = row[2].unsigned
            firstContactAt = row[3].unsigned
        }
    }

    /// Where signal `id` sits, if it is in `region`'s custody; nil otherwise.
    public func referralPlace(_ id: RecordID, custodyOf region: String) throws -> ReferralPlace? {
        try db.firstRow("""
            SELECT s.store, st.region FROM record_scope s JOIN stores st ON st.id = s.store
            LEFT JOIN referral_custody c ON c.referral = s.id
            WHERE s.kind = 'signal' AND s.id = ? AND coalesce(c.region, st.region) = ?
            """, [.text(id.rawValue), .text(region)]).flatMap(ReferralPlace.init(row:))
    }

    /// The signals of `store` in `region`'s custody, by id (a store moving out of `region`
    /// places each of them, R-PART-14).
    public func signals(ofStore store: String, custodyOf region: String) throws -> [String] {
        try db.rows("""
            SELECT s.id FROM record_scope s LEFT JOIN referral_custody c ON c.referral = s.id
            WHERE s.kind = 'signal' AND s.store = ? AND coalesce(c.region, ?) = ? ORDER BY s.id
            """, [.text(store), .text(region), .text(region)]).compactMap { $0[0].text }
    }

    /// Every signal in `region`'s custody, with its submission and first-contact times.
    public func signals(custodyOf region: String) throws -> [CustodyReferral] {
        try db.rows("""
            SELECT s.id, s.store,
                   (SELECT min(at) FROM referral_events e WHERE e.referral = s.id AND e.event = 'submitted'),
                   (SELECT min(at) FROM referral_events e WHERE e.referral = s.id AND e.event = 'contact')
            FROM record_scope s JOIN stores st ON st.id = s.store LEFT JOIN referral_custody c ON c.referral = s.id
            WHERE s.kind = 'signal' AND coalesce(c.region, st.region) = ?
            """, [.text(region)]).compactMap(CustodyReferral.init(row:))
    }

    /// Places `referral` of `store` in `region`'s custody since `since` (replacing its row).
    public func setCustody(referral: String, store: String, region: String, since: UInt64) throws {
        try db.execute("INSERT OR REPLACE INTO referral_custody(referral, store, region, since) VALUES (?, ?, ?, ?)",
                       [.text(referral), .text(store), .text(region), .integer(Int64(since))])
    }
}
