/// Person accounts (Protocol/PARTNERS.md section 9, R-WEB-2..6): partner workers, partner
/// coordinators and head-office staff log in as themselves, on the web pages with a password
/// and on the CLI/API with a personal token (`omz_u_…`), so the audit log names the person.

/// POST /v1/accounts: an admin creates any account; a partner's coordinator creates workers
/// of its own organisation. `partner` and `headOffice` are exclusive; `role` is `worker` or
/// `coordinator` for a partner, ignored (`head-office`) for head office. Without `password`
/// the server makes one up and answers it once.
public struct CreateAccountRequest: Codable, Sendable {
    public var partner: String?
    public var headOffice: Bool?
    public var name: String
    public var role: String?
    public var password: String?
    public init(partner: String? = nil, headOffice: Bool? = nil, name: String, role: String? = nil, password: String? = nil) {
        self.partner = partner
        self.headOffice = headOffice
        self.name = name
        self.role = role
        self.password = password
    }
}

/// An account as the admin and coordinators list it: never its password hash or salt.
public struct AccountInfo: Codable, Sendable, Equatable {
    /// `<partner>:<name>` or `headoffice:<name>`.
    public var id: String
    public var name: String
    public var partner: String?
    public var role: String
    /// The audit actor and follow-up author this person writes as (`partner:wz-noord:eline`).
    public var actor: String
    public var createdAt: UInt64
    public var disabledAt: UInt64?
    /// Until when logins are refused after repeated failures (R-WEB-3), if that is now.
    public var lockedUntil: UInt64?
    public init(id: String, name: String, partner: String?, role: String, actor: String, createdAt: UInt64, disabledAt: UInt64?, lockedUntil: UInt64?) {
        self.id = id
        self.name = name
        self.partner = partner
        self.role = role
        self.actor = actor
        self.createdAt = createdAt
        self.disabledAt = disabledAt
        self.lockedUntil = lockedUntil
    }
}

/// The answer to POST /v1/accounts (201): the account and, when the server chose it, the
/// initial password (shown once; the person logs in with it).
public struct AccountCreated: Codable, Sendable {
    public var account: AccountInfo
    public var initialPassword: String?
    public init(account: AccountInfo, initialPassword: String?) {
        self.account = account
        self.initialPassword = initialPassword
    }
}

/// POST /v1/accounts/token: a personal token for the CLI/API, for the name and password of
/// an account (same lockout as the login page).
public struct PersonalTokenRequest: Codable, Sendable {
    public var account: String
    public var password: String
    public var tokenDays: Int?
    public init(account: String, password: String, tokenDays: Int? = nil) {
        self.account = account
        self.password = password
        self.tokenDays = tokenDays
    }
}

public struct PersonalTokenResponse: Codable, Sendable {
    public var account: String
    public var actor: String
    public var token: String
    public var expiresAt: UInt64
    public init(account: String, actor: String, token: String, expiresAt: UInt64) {
        self.account = account
        self.actor = actor
        self.token = token
        self.expiresAt = expiresAt
    }
}
