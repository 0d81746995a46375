import OmzienStore

/// Hand-overs (`handovers`, R-PART-12).
extension ServerStore {
    /// An open referral that followed its store to another region (R-PART-12), a row of
    /// `handovers`: `sequence` orders them for the receiving partner's cursor.
    public struct HandoverRow: Sendable, Hashable {
        public let sequence: Int64
        public let referral: String
        public let store: String

        init?(row: [SQLValue]) {
            guard case let .integer(sequence) = row[0], case let .text(referral) = row[1], case let .text(store) = row[2] else { return nil }
            self.sequence = sequence
            self.referral = referral
            self.store = store
        }
    }

    /// Records that `referral` of `store` was handed from region `from` to region `to` at `at`.
    public func insertHandover(referral: String, store: String, from: String, to: String, at: UInt64) throws {
        try db.execute("INSERT INTO handovers(referral, store, from_region, to_region, at) VALUES (?, ?, ?, ?, ?)",
                       [.text(referral), .text(store), .text(from), .text(to), .integer(Int64(at))])
    }

    /// At most `limit` hand-overs to `region` after sequence `after`, oldest first.
    public func handovers(to region: String, after: Int64, limit: Int) throws -> [HandoverRow] {
        try db.rows("SELECT seq, referral, store FROM handovers WHERE to_region = ? AND seq > ? ORDER BY seq LIMIT ?",
                    [.text(region), .integer(after), .integer(Int64(limit))]).compactMap(HandoverRow.init(row:))
    }
}
