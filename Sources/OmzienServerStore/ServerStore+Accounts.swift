import OmzienStore

/// Person accounts and personal tokens (`accounts`, `person_tokens`; PARTNERS.md section 10).
extension ServerStore {
    /// A person's account as the account pages and the admin list it (`accounts`, R-WEB-2),
    /// without its password.
    public struct AccountRow: Sendable, Hashable {
        public let name: String
        /// The partner it works for; nil for head office.
        public let partner: String?
        public let role: String
        public let createdAt: UInt64
        public let disabledAt: UInt64?
        /// Locked after repeated failed logins until then (R-WEB-3), if it ever was.
        public let lockedUntil: UInt64?

        static let columns = "a.name, a.partner, a.role, a.created_at, a.disabled_at, a.locked_until"
        init(row: [SQLValue]) {
            name = row[0].text ?? ""
            partner = row[1].text
            role = row[2].text ?? ""
            createdAt = row[3].unsigned ?? 0
            disabledAt = row[4].unsigned
            lockedUntil = row[5].unsigned
        }
    }

    /// What a login checks (R-WEB-1/3): the stored PBKDF2 password and the account's state.
    public struct AccountLogin: Sendable, Hashable {
        public let salt: [UInt8]
        public let passwordHash: [UInt8]
        public let iterations: Int
        public let isDisabled: Bool
        /// 0 when the account was never locked.
        public let lockedUntil: UInt64

        init?(row: [SQLValue]) {
            guard case let .blob(salt) = row[0], case let .blob(hash) = row[1], let iterations = row[2].int64 else { return nil }
            self.salt = salt
            passwordHash = hash
            self.iterations = Int(iterations)
            isDisabled = row[3] != .null
            lockedUntil = row[4].unsigned ?? 0
        }
    }

    /// An enabled account as the person it signs in: its partner and that partner's current region.
    public struct PersonRow: Sendable, Hashable {
        public let account: String
        public let partner: String?
        public let region: String?
        public let role: String?
        /// Moves on with every new password (R-WEB-5): a web session of an older epoch is dead.
        public let credentialEpoch: Int64

        init(row: [SQLValue], name: String) {
            account = row[0].text ?? name
            partner = row[1].text
            role = row[2].text
            region = row[3].text
            credentialEpoch = row[4].int64 ?? 0
        }
    }

    /// A personal token (`omz_u_…`, R-WEB-4) that is active: whose account it is, until when.
    public struct PersonTokenRow: Sendable, Hashable {
        public let account: String
        public let expiresAt: UInt64?

        init?(row: [SQLValue]) {
            guard case let .text(account) = row[0] else { return nil }
            self.account = account
            expiresAt = row[1].unsigned
        }
    }

    /// Account `name`, or nil.
    public func account(_ name: String) throws -> AccountRow? {
        try db.firstRow("SELECT \(AccountRow.columns) FROM accounts a WHERE name = ?", [.text(name)]).map(AccountRow.init(row:))
    }

    /// The accounts of `partner`, or every account for nil, by partner and name.
    public func accounts(ofPartner partner: String?) throws -> [AccountRow] {
        try db.rows("SELECT \(AccountRow.columns) FROM accounts a WHERE ?1 IS NULL OR a.partner = ?1 ORDER BY a.partner, a.name",
                    [partner.map(SQLValue.text) ?? .null]).map(AccountRow.init(row:))
    }

    /// Adds an account with its PBKDF2 password, no failed logins.
    public func insertAccount(name: String, partner: String?, role: String, salt: [UInt8], passwordHash: [UInt8], iterations: Int,
                              createdAt: UInt64, createdBy: String) throws {
        try db.execute("""
            INSERT INTO accounts(name, partner, role, salt, password_hash, iterations, created_at, created_by, failed_logins)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
            """, [.text(name), partner.map(SQLValue.text) ?? .null, .text(role), .blob(salt), .blob(passwordHash),
                  .integer(Int64(iterations)), .integer(Int64(createdAt)), .text(createdBy)])
    }

    /// Disables account `name` at `now` (keeping an earlier disable time).
    public func disableAccount(_ name: String, at now: UInt64) throws {
        try db.execute("UPDATE accounts SET disabled_at = coalesce(disabled_at, ?) WHERE name = ?", [.integer(Int64(now)), .text(name)])
    }

    /// Enables account `name` again and lifts its lockout.
    public func enableAccount(_ name: String) throws {
        try db.execute("UPDATE accounts SET disabled_at = NULL, failed_logins = 0, locked_until = NULL WHERE name = ?", [.text(name)])
    }

    /// The stored password and state of account `name`, or nil.
    public func login(_ name: String) throws -> AccountLogin? {
        try db.firstRow("""
            SELECT a.salt, a.password_hash, a.iterations, a.disabled_at, a.locked_until, a.failed_logins FROM accounts a WHERE a.name = ?
            """, [.text(name)]).flatMap(AccountLogin.init(row:))
    }

    /// Counts a failed login of `name`; the `lockoutFailures`-th in a row locks the account
    /// until `lockedUntil` and starts the count again (R-WEB-3).
    public func recordFailedLogin(_ name: String, lockoutFailures: Int, lockedUntil: UInt64) throws {
        try db.execute("""
            UPDATE accounts SET failed_logins = CASE WHEN failed_logins + 1 >= ?2 THEN 0 ELSE failed_logins + 1 END,
                locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until END WHERE name = ?1
            """, [.text(name), .integer(Int64(lockoutFailures)), .integer(Int64(lockedUntil))])
    }

    /// A successful login of `name`: no failures counted, no lockout.
    public func recordSuccessfulLogin(_ name: String) throws {
        try db.execute("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE name = ?", [.text(name)])
    }

    /// Replaces the stored password of `name` (a rehash at today's work factor).
    public func replacePassword(of name: String, salt: [UInt8], passwordHash: [UInt8], iterations: Int) throws {
        try db.execute("UPDATE accounts SET salt = ?, password_hash = ?, iterations = ? WHERE name = ?",
                       [.blob(salt), .blob(passwordHash), .integer(Int64(iterations)), .text(name)])
    }

    /// Account `name` as a person, with its partner's current region; nil when unknown or disabled.
    public func enabledPerson(_ name: String) throws -> PersonRow? {
        try db.firstRow("""
            SELECT a.name, a.partner, a.role, p.region, a.credential_epoch FROM accounts a LEFT JOIN partners p ON p.id = a.partner
            WHERE a.name = ? AND a.disabled_at IS NULL
            """, [.text(name)]).map { PersonRow(row: $0, name: name) }
    }

    /// Records a personal token of `account` with its id (its first 12 characters, R-WEB-6).
    public func insertPersonToken(hash: [UInt8], id: String, account: String, createdAt: UInt64, expiresAt: UInt64) throws {
        try db.execute("INSERT INTO person_tokens(token_hash, id, account, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                       [.blob(hash), .text(id), .text(account), .integer(Int64(createdAt)), .integer(Int64(expiresAt))])
    }

    /// A personal token as its owner lists it (R-WEB-6): never the token or its hash.
    public struct PersonTokenListRow: Sendable, Hashable {
        public let id: String
        public let createdAt: UInt64
        public let expiresAt: UInt64
        public let revokedAt: UInt64?
    }

    /// The personal tokens of `account`, newest first.
    public func personTokens(of account: String) throws -> [PersonTokenListRow] {
        try db.rows("SELECT id, created_at, expires_at, revoked_at FROM person_tokens WHERE account = ? ORDER BY created_at DESC, id",
                    [.text(account)]).map { PersonTokenListRow(id: $0[0].text ?? "", createdAt: $0[1].unsigned ?? 0, expiresAt: $0[2].unsigned ?? 0, revokedAt: $0[3].unsigned) }
    }

    /// Revokes the personal token `id` of `account` at `now` (an earlier revocation stays);
    /// false when the account has no token of that id.
    public func revokePersonToken(account: String, id: String, at now: UInt64) throws -> Bool {
        guard try db.firstRow("SELECT 1 FROM person_tokens WHERE account = ? AND id = ?", [.text(account), .text(id)]) != nil else { return false }
        try db.execute("UPDATE person_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE account = ? AND id = ?",
                       [.integer(Int64(now)), .text(account), .text(id)])
        return true
    }

    /// A new password for `name` (a change or a reset, R-WEB-5): the credential epoch moves
    /// on (every web session ends), every personal token of the account is revoked at `now`,
    /// failed logins and a lockout are cleared.
    public func setPassword(of name: String, salt: [UInt8], passwordHash: [UInt8], iterations: Int, at now: UInt64) throws {
        try db.execute("""
            UPDATE accounts SET salt = ?, password_hash = ?, iterations = ?, credential_epoch = credential_epoch + 1,
                failed_logins = 0, locked_until = NULL WHERE name = ?
            """, [.blob(salt), .blob(passwordHash), .integer(Int64(iterations)), .text(name)])
        try db.execute("UPDATE person_tokens SET revoked_at = ? WHERE account = ? AND revoked_at IS NULL", [.integer(Int64(now)), .text(name)])
    }

    /// The personal token with SHA-256 `hash` if it is active at `now` (not revoked, not expired).
    public func personToken(hash: [UInt8], activeAt now: UInt64) throws -> PersonTokenRow? {
        try db.firstRow("SELECT account, expires_at FROM person_tokens WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
                        [.blob(hash), .integer(Int64(now))]).flatMap(PersonTokenRow.init(row:))
    }
}
