/// What a welfare partner sees of a signal: its referral (Protocol/PARTNERS.md). The server
/// builds it from the merged signal through an allow-list: `ReferralView.partnerFields` are
/// the only JSON keys a partner ever receives. The reporter's pseudonym, the store's conflicts
/// and every field not listed never leave the server.
public struct ReferralView: Codable, Sendable, Equatable {
    /// The allow-list of the partner audience (tests check every response against it).
    public static let partnerFields: Set<String> = [
        "id", "store", "region", "observedAt", "indicators", "urgency", "note", "consent", "contact",
        "status", "epoch", "outcome", "declineReason", "erased",
    ]

    public var id: String
    public var store: String
    public var region: String
    public var observedAt: Int64?
    public var indicators: [String]?
    public var urgency: String?
    public var note: String?
    public var consent: String?
    /// Only when the merged consent is `given`.
    public var contact: String?
    public var status: String?
    public var epoch: UInt32?
    public var outcome: String?
    public var declineReason: String?
    /// The store erased the signal: the partner must drop its copy; nothing else is sent.
    public var erased: Bool?

    public init(id: String, store: String, region: String) {
        self.id = id
        self.store = store
        self.region = region
    }
}

/// GET /v1/partner/referrals?cursor=C: referrals of the partner's region that changed after C.
public struct ReferralPage: Codable, Sendable {
    public var referrals: [ReferralView]
    public var cursor: String
    public var more: Bool
    public var serverTime: UInt64
    public init(referrals: [ReferralView], cursor: String, more: Bool, serverTime: UInt64) {
        self.referrals = referrals
        self.cursor = cursor
        self.more = more
        self.serverTime = serverTime
    }
}

/// POST /v1/partner/referrals/{id}/status: follow-up by the partner.
public struct ReferralUpdateRequest: Codable, Sendable, Equatable {
    /// accepted, contact-attempted, in-contact, closed (needs `outcome`), declined (needs
    /// `declineReason`), or reopened (explicit: starts a new epoch).
    public var state: String
    public var outcome: String?
    public var declineReason: String?
    /// Partner-internal; stored on the server, never sent to a store.
    public var caseNote: String?
    /// The partner worker's pseudonym (default: the partner id).
    public var author: String?
    public init(state: String, outcome: String? = nil, declineReason: String? = nil, caseNote: String? = nil, author: String? = nil) {
        self.state = state
        self.outcome = outcome
        self.declineReason = declineReason
        self.caseNote = caseNote
        self.author = author
    }
}

public struct CreatePartnerRequest: Codable, Sendable, Equatable {
    public var id: String
    public var region: String
    public var name: String
    /// How long the partner's token is valid, 1...365 days (default 90).
    public var tokenDays: Int?
    public init(id: String, region: String, name: String, tokenDays: Int? = nil) {
        self.id = id
        self.region = region
        self.name = name
        self.tokenDays = tokenDays
    }
}

/// POST /v1/admin/partners/{id}/tokens: a new token for a partner (rotation); with
/// `revokeOthers` every earlier token of the partner stops working.
public struct PartnerTokenRequest: Codable, Sendable, Equatable {
    public var tokenDays: Int?
    public var revokeOthers: Bool?
    public init(tokenDays: Int? = nil, revokeOthers: Bool? = nil) {
        self.tokenDays = tokenDays
        self.revokeOthers = revokeOthers
    }
}

/// The partner and its token (shown once).
public struct PartnerCreated: Codable, Sendable, Equatable {
    public var id: String
    public var region: String
    public var name: String
    public var token: String
    public var tokenExpiresAt: UInt64
    public init(id: String, region: String, name: String, token: String, tokenExpiresAt: UInt64) {
        self.id = id
        self.region = region
        self.name = name
        self.token = token
        self.tokenExpiresAt = tokenExpiresAt
    }
}

/// GET /v1/reports/response-times?by=store|region|partner: for each group, how long referrals
/// waited (server time) from submission to accepted and to first contact, as percentiles in
/// minutes. Groups with fewer referrals than the threshold (default 5) show only that they are
/// below it: no figure that could single out a person (Protocol/PARTNERS.md, R-PART-11).
public struct ResponseTimeReport: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        public var key: String
        /// The number of referrals, or nil when suppressed.
        public var referrals: Int?
        public var suppressed: Bool
        public var acceptedMinutes: Percentiles?
        public var firstContactMinutes: Percentiles?
        /// First contact within the target of the referral's urgency (R-PART-34).
        public var withinTarget: TargetShare?
        public init(key: String, referrals: Int?, suppressed: Bool, acceptedMinutes: Percentiles?, firstContactMinutes: Percentiles?,
                    withinTarget: TargetShare? = nil) {
            self.key = key
            self.referrals = referrals
            self.suppressed = suppressed
            self.acceptedMinutes = acceptedMinutes
            self.firstContactMinutes = firstContactMinutes
            self.withinTarget = withinTarget
        }
    }
    /// Of the referrals whose response clock is decided (contacted, or past the deadline),
    /// how many had first contact by the deadline (R-PART-34).
    public struct TargetShare: Codable, Sendable, Equatable {
        public var decided: Int
        public var within: Int
        /// `within / decided`, 0...1.
        public var share: Double
        public init(decided: Int, within: Int) {
            self.decided = decided
            self.within = within
            self.share = decided == 0 ? 0 : Double(within) / Double(decided)
        }
    }
    public struct Percentiles: Codable, Sendable, Equatable {
        public var count: Int
        public var p50: Double
        public var p90: Double
        public var max: Double
        public init(count: Int, p50: Double, p90: Double, max: Double) {
            self.count = count
            self.p50 = p50
            self.p90 = p90
            self.max = max
        }
    }
    public var by: String
    public var threshold: Int
    /// The targets the shares are measured against (R-PART-30).
    public var targets: ResponseTargets?
    public var groups: [Group]
    public init(by: String, threshold: Int, targets: ResponseTargets? = nil, groups: [Group]) {
        self.by = by
        self.threshold = threshold
        self.targets = targets
        self.groups = groups
    }
}

/// POST /v1/admin/headoffice-tokens (the body is optional): how long the token lives and a
/// label that says whose it is (R-OPS-7).
public struct HeadOfficeTokenRequest: Codable, Sendable, Equatable {
    public var tokenDays: Int?
    public var label: String?
    public init(tokenDays: Int? = nil, label: String? = nil) {
        self.tokenDays = tokenDays
        self.label = label
    }
}

/// A new head-office token (shown once), its id (the token's first 12 characters, which
/// list and revoke use) and when it expires (ms since 1970).
public struct HeadOfficeTokenResponse: Codable, Sendable, Equatable {
    public var token: String
    public var id: String
    public var expiresAt: UInt64
    public init(token: String, id: String, expiresAt: UInt64) {
        self.token = token
        self.id = id
        self.expiresAt = expiresAt
    }
}

/// One head-office token as `GET /v1/admin/headoffice-tokens` lists it: never the token.
public struct HeadOfficeTokenInfo: Codable, Sendable, Equatable {
    public var id: String
    public var label: String?
    public var createdAt: UInt64
    public var expiresAt: UInt64
    public var revokedAt: UInt64?
    public init(id: String, label: String?, createdAt: UInt64, expiresAt: UInt64, revokedAt: UInt64?) {
        self.id = id
        self.label = label
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// POST /v1/admin/admin-tokens: an admin replaces its token (R-OPS-6); with `revokeOthers`
/// every earlier admin token, the caller's included, stops working at once.
public struct AdminTokenRequest: Codable, Sendable, Equatable {
    public var tokenDays: Int?
    public var revokeOthers: Bool?
    public init(tokenDays: Int? = nil, revokeOthers: Bool? = nil) {
        self.tokenDays = tokenDays
        self.revokeOthers = revokeOthers
    }
}

/// A new admin token (shown once) and when it expires (ms since 1970).
public struct AdminTokenResponse: Codable, Sendable, Equatable {
    public var token: String
    public var expiresAt: UInt64
    public var revokedOthers: Bool
    public init(token: String, expiresAt: UInt64, revokedOthers: Bool) {
        self.token = token
        self.expiresAt = expiresAt
        self.revokedOthers = revokedOthers
    }
}

/// POST /v1/admin/stores/{id}/move: the store joins another region; its open referrals are
/// handed over to that region's partner (R-PART-12).
public struct MoveStoreRequest: Codable, Sendable, Equatable {
    public var region: String
    public init(region: String) { self.region = region }
}

public struct MoveStoreResponse: Codable, Sendable, Equatable {
    public var store: String
    public var fromRegion: String
    public var toRegion: String
    /// The open referrals handed over (closed and declined ones stay with the old region's history).
    public var handedOver: [String]
    public init(store: String, fromRegion: String, toRegion: String, handedOver: [String]) {
        self.store = store
        self.fromRegion = fromRegion
        self.toRegion = toRegion
        self.handedOver = handedOver
    }
}
