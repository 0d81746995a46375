/// Password changes and personal tokens one by one (Protocol/PARTNERS.md R-WEB-5, R-WEB-6).

/// POST /v1/accounts/password: a person changes its own password with the old one (no token
/// needed; under the lockout of R-WEB-3). Answers the account (`AccountInfo`); every web
/// session and personal token of the account ends.
public struct PasswordChangeRequest: Codable, Sendable {
    public var account: String
    public var password: String
    public var newPassword: String
    public init(account: String, password: String, newPassword: String) {
        self.account = account
        self.password = password
        self.newPassword = newPassword
    }
}

/// One personal token as its owner lists it (GET /v1/accounts/tokens): never the token.
public struct PersonalTokenInfo: Codable, Sendable, Equatable {
    /// The token's first 12 characters (`omz_u_…`, what the audit log keeps), or `h` and 12
    /// hex digits of its hash for a token issued before ids were kept.
    public var id: String
    public var createdAt: UInt64
    public var expiresAt: UInt64
    public var revokedAt: UInt64?
    /// True for the token the request was made with.
    public var current: Bool
    public init(id: String, createdAt: UInt64, expiresAt: UInt64, revokedAt: UInt64?, current: Bool) {
        self.id = id
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.current = current
    }
}
