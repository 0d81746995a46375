/// POST /v1/partner/referrals/{id}/notes: a partner-internal case note on a referral, without
/// a state change (PARTNERS.md R-PART-24). Never sent to a store.
public struct CaseNoteRequest: Codable, Sendable, Equatable {
    /// 1-4000 bytes; may span lines.
    public var text: String
    /// The partner worker's pseudonym (default: `partner:<partner id>`).
    public var author: String?
    public init(text: String, author: String? = nil) {
        self.text = text
        self.author = author
    }
}

/// One case note as the partner reads it back.
public struct CaseNote: Codable, Sendable, Equatable {
    public var referral: String
    /// Server time, ms since 1970.
    public var at: UInt64
    public var author: String
    public var text: String
    public init(referral: String, at: UInt64, author: String, text: String) {
        self.referral = referral
        self.at = at
        self.author = author
        self.text = text
    }
}

/// GET /v1/partner/referrals/{id}/notes: the partner's case notes on a referral, oldest first.
public struct CaseNoteList: Codable, Sendable, Equatable {
    public var referral: String
    public var notes: [CaseNote]
    public init(referral: String, notes: [CaseNote]) {
        self.referral = referral
        self.notes = notes
    }
}
