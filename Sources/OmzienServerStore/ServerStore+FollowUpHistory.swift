import OmzienStore

/// The follow-up history the web pages show (R-WEB-11).
extension ServerStore {
    /// One step of a referral's follow-up (`followup_history`): who (an actor pseudonym, never
    /// a store's reporter) set which state when.
    public struct FollowUpStep: Sendable, Hashable {
        public let at: UInt64
        public let state: String
        public let actor: String

        init(row: [SQLValue]) {
            at = row[0].unsigned ?? 0
            state = row[1].text ?? ""
            actor = row[2].text ?? ""
        }
    }

    /// Appends a step to `referral`'s history.
    public func appendFollowUpStep(referral: String, at: UInt64, state: String, actor: String) throws {
        try db.execute("INSERT INTO followup_history(referral, at, state, actor) VALUES (?, ?, ?, ?)",
                       [.text(referral), .integer(Int64(at)), .text(state), .text(actor)])
    }

    /// `referral`'s history, oldest first.
    public func followUpHistory(of referral: String) throws -> [FollowUpStep] {
        try db.rows("SELECT at, state, actor FROM followup_history WHERE referral = ? ORDER BY seq", [.text(referral)]).map(FollowUpStep.init(row:))
    }
}
