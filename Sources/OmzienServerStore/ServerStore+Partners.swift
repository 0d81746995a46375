import OmzienStore

/// Partners (`partners`), and the feed of what a partner's region may read.
extension ServerStore {
    /// A welfare partner: one organisation per region (Protocol/PARTNERS.md), a row of `partners`.
    public struct PartnerRow: Sendable, Hashable {
        public let id: String
        public let region: String
        public let name: String

        public init(id: String, region: String, name: String) {
            self.id = id
            self.region = region
            self.name = name
        }

        static let columns = "id, region, name"
        init(row: [SQLValue]) {
            self.init(id: row[0].text ?? "", region: row[1].text ?? "", name: row[2].text ?? "")
        }
    }

    /// A partner with the tokens it holds that are active (not revoked, not expired) at a time.
    public struct PartnerSummary: Sendable, Hashable {
        public let partner: PartnerRow
        /// How many of its tokens are active.
        public let activeTokens: Int
        /// The latest expiry of an active token, nil when it has none.
        public let tokenExpiresAt: UInt64?

        init(row: [SQLValue]) {
            partner = PartnerRow(row: row)
            activeTokens = Int(row[3].int64 ?? 0)
            tokenExpiresAt = row[4].unsigned
        }
    }

    /// One entry of a region's referral feed: an operation on a signal in the region's custody,
    /// at its feed position, with the store whose feed holds it.
    public struct ReferralFeedEntry: Sendable, Hashable {
        public let position: Int64
        public let referral: String
        public let store: String

        init?(row: [SQLValue]) {
            guard case let .integer(position) = row[0], case let .text(referral) = row[1], case let .text(store) = row[2] else { return nil }
            self.position = position
            self.referral = referral
            self.store = store
        }
    }

    /// Partner `id`, or nil.
    public func partner(_ id: String) throws -> PartnerRow? {
        try db.firstRow("SELECT \(PartnerRow.columns) FROM partners WHERE id = ?", [.text(id)]).map(PartnerRow.init(row:))
    }

    /// The partner of `region`, or nil (one partner per region).
    public func partner(inRegion region: String) throws -> PartnerRow? {
        try db.firstRow("SELECT \(PartnerRow.columns) FROM partners WHERE region = ?", [.text(region)]).map(PartnerRow.init(row:))
    }

    /// Whether a device principal holds `replica` (R-SYNC-2b: a partner's replica never
    /// shares its id with a device's).
    public func deviceHoldsReplica(_ replica: String) throws -> Bool {
        try db.firstRow("SELECT 1 FROM principals WHERE replica = ?", [.text(replica)]) != nil
    }

    /// Adds a partner.
    public func insertPartner(_ partner: PartnerRow, createdAt: UInt64) throws {
        try db.execute("INSERT INTO partners(id, region, name, created_at) VALUES (?, ?, ?, ?)",
                       [.text(partner.id), .text(partner.region), .text(partner.name), .integer(Int64(createdAt))])
    }

    /// Every partner, by id, with its tokens active at `now`.
    public func partners(tokensActiveAt now: UInt64) throws -> [PartnerSummary] {
        try db.rows("""
            SELECT p.id, p.region, p.name, count(t.token_hash), max(t.expires_at) FROM partners p
            LEFT JOIN partner_tokens t ON t.partner = p.id AND t.revoked_at IS NULL AND t.expires_at > ?
            GROUP BY p.id ORDER BY p.id
            """, [.integer(Int64(now))]).map(PartnerSummary.init(row:))
    }

    /// At most `limit` entries after feed position `after` of the feeds of `region`'s stores
    /// and of the stores whose finished cases it kept, each referral only where it is in this
    /// region's custody (R-PART-14): a custody row, or else its store's region.
    public func referralFeed(region: String, after: Int64, limit: Int) throws -> [ReferralFeedEntry] {
        try db.rows("""
            SELECT f.pos, o.record, f.store FROM feed f JOIN ops o ON o.pos = f.pos JOIN stores st ON st.id = f.store
            LEFT JOIN referral_custody c ON c.referral = o.record
            WHERE f.store IN (SELECT id FROM stores WHERE region = ?1 UNION SELECT store FROM referral_custody WHERE region = ?1)
              AND f.pos > ?2 AND o.kind = 'signal' AND coalesce(c.region, st.region) = ?1
            ORDER BY f.pos LIMIT ?3
            """, [.text(region), .integer(after), .integer(Int64(limit))]).compactMap(ReferralFeedEntry.init(row:))
    }
}
