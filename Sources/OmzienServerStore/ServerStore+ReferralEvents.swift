import OmzienStore

/// Referral events (`referral_events`): each kept once, at its first time.
extension ServerStore {
    /// A moment in a referral's life the response-time reports measure (R-PART-11), in server
    /// time: when the server first saw it submitted, accepted, first contacted.
    public enum ReferralEvent: String, Sendable, Hashable, CaseIterable {
        case submitted, accepted, contact
    }

    /// When the server first saw a referral submitted and first contacted.
    public struct ReferralTimes: Sendable, Hashable {
        public let submittedAt: UInt64?
        public let firstContactAt: UInt64?

        init(row: [SQLValue]?) {
            submittedAt = row?[0].unsigned
            firstContactAt = row?[1].unsigned
        }
    }

    /// A referral's events, as the reports read them: its store and the store's region, the
    /// partner of that region, and each event's time (ms). Only referrals seen submitted.
    public struct ReferralEventSummary: Sendable, Hashable {
        public let referral: String
        public let store: String
        public let region: String
        public let partner: String?
        public let submittedAt: Int64
        public let acceptedAt: Int64?
        public let contactAt: Int64?

        init?(row: [SQLValue]) {
            guard case let .text(store) = row[0], case let .text(region) = row[1], case let .integer(submitted) = row[3],
                  case let .text(referral) = row[6] else { return nil }
            self.store = store
            self.region = region
            partner = row[2].text
            submittedAt = submitted
            acceptedAt = row[4].int64
            contactAt = row[5].int64
            self.referral = referral
        }
    }

    /// Records `event` of `referral` (of `store`) at `at`, unless it was recorded before.
    public func recordReferralEvent(_ event: ReferralEvent, referral: String, store: String, at: UInt64) throws {
        try db.cachedStatement("INSERT OR IGNORE INTO referral_events(referral, store, event, at) VALUES (?, ?, ?, ?)")
            .run([.text(referral), .text(store), .text(event.rawValue), .integer(Int64(at))])
    }

    /// Whether `event` of `referral` was recorded.
    public func hasReferralEvent(_ event: ReferralEvent, referral: String) throws -> Bool {
        try db.firstRow("SELECT 1 FROM referral_events WHERE referral = ? AND event = ?", [.text(referral), .text(event.rawValue)]) != nil
    }

    /// When `referral` was first seen submitted and first contacted.
    public func referralTimes(_ referral: String) throws -> ReferralTimes {
        ReferralTimes(row: try db.firstRow("""
            SELECT (SELECT min(at) FROM referral_events WHERE referral = ?1 AND event = 'submitted'),
                   (SELECT min(at) FROM referral_events WHERE referral = ?1 AND event = 'contact')
            """, [.text(referral)]))
    }

    /// Every referral seen submitted, with its events, per store (R-PART-11).
    public func referralEventSummaries() throws -> [ReferralEventSummary] {
        try db.rows("""
            SELECT e.store, st.region, p.id,
                   max(CASE WHEN e.event = 'submitted' THEN e.at END),
                   max(CASE WHEN e.event = 'accepted' THEN e.at END),
                   max(CASE WHEN e.event = 'contact' THEN e.at END),
                   e.referral
            FROM referral_events e JOIN stores st ON st.id = e.store LEFT JOIN partners p ON p.region = st.region
            GROUP BY e.store, e.referral
            """).compactMap(ReferralEventSummary.init(row:))
    }
}
