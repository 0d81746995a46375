import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Person accounts (PARTNERS.md section 10): created by the admin, or by a partner's
/// coordinator for the workers of its own organisation; passwords as PBKDF2 (R-WEB-1);
/// lockout after repeated failures (R-WEB-3); disable; personal tokens (`omz_u_…`, R-WEB-4).
extension SyncService {
    /// R-WEB-3: this many failed logins in a row lock an account for `lockoutMillis`.
    public static let lockoutFailures = 5
    public static let lockoutMillis: UInt64 = 15 * 60_000

    /// An account name: 2-32 characters of a-z, digits, `.`, `_`, `-`, starting with a letter;
    /// unique over the whole server (it is what a person types to log in).
    static func checkAccountName(_ name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard (2...32).contains(name.count), name.allSatisfy(allowed.contains), name.first.map({ $0.isLetter }) == true else {
            throw Problems.badRequest("account name '\(name)' is not valid: use 2-32 characters of lowercase letters a-z, digits and . _ - starting with a letter, for example eline or eline.devries")
        }
    }

    static func accountInfo(_ row: ServerStore.AccountRow, now: UInt64) -> AccountInfo {
        let name = row.name, partner = row.partner
        let locked = row.lockedUntil.flatMap { $0 > now ? $0 : nil }
        return AccountInfo(id: name, name: name, partner: partner, role: row.role,
                           actor: partner.map { "partner:\($0):\(name)" } ?? "headoffice:\(name)",
                           createdAt: row.createdAt, disabledAt: row.disabledAt, lockedUntil: locked)
    }

    /// The coordinator's partner, or nil for the admin; anyone else is refused.
    func accountManager(_ principal: Principal) throws -> String? {
        switch principal {
        case .admin: return nil
        case let .person(p) where p.role == .coordinator: return p.partner
        default: throw Problems.forbidden("accounts are managed by the admin, and a partner's workers also by its coordinators")
        }
    }

    func actorName(_ principal: Principal) -> String {
        if case let .person(p) = principal { return p.actor }
        return "admin"
    }

    /// R-WEB-2: a new account. A coordinator may create workers of its own partner only.
    public func createAccount(_ principal: Principal, _ request: CreateAccountRequest) throws -> AccountCreated {
        let manager = try accountManager(principal)
        try Self.checkAccountName(request.name)
        let headOffice = request.headOffice ?? false
        guard headOffice != (request.partner != nil) else {
            throw Problems.badRequest("an account belongs to a partner ('partner': its id) or to head office ('headOffice': true), exactly one of them")
        }
        let role: Person.Role
        if headOffice {
            guard request.role == nil || request.role == Person.Role.headOffice.rawValue else {
                throw Problems.badRequest("a head-office account has no role '\(request.role ?? "")'; leave role out")
            }
            role = .headOffice
        } else {
            guard let r = request.role.flatMap(Person.Role.init(rawValue:)), r != .headOffice else {
                throw Problems.badRequest("a partner account needs role 'worker' or 'coordinator', got '\(request.role ?? "(none)")'")
            }
            role = r
        }
        if let manager {
            guard request.partner == manager, role == .worker else {
                throw Problems.forbidden("a coordinator adds workers of its own organisation ('\(manager)') only")
            }
        }
        if let p = request.password, let problem = PasswordHash.problem(with: p) { throw Problems.badRequest(problem) }
        if let partner = request.partner, ("partner:\(partner):\(request.name)").utf8.count > 48 {
            throw Problems.badRequest("'partner:\(partner):\(request.name)' (the name the audit log keeps) is longer than 48 characters; choose a shorter account name")
        }
        let password = request.password ?? PasswordHash.initial()
        let stored = PasswordHash.make(password, iterations: configuration.passwordIterations)
        let now = self.now, by = actorName(principal)
        return try worker.write { store in
            let server = ServerStore(store)
            if let partner = request.partner, try server.partner(partner) == nil {
                throw Problems.notFound("partner '\(partner)' does not exist; create it first ('omzien admin partner add')")
            }
            if try server.account(request.name) != nil {
                throw Problems.exists("account '\(request.name)' exists; names are unique on this server (try '\(request.name).\(request.partner.map { String($0.prefix(8)) } ?? "ho")')")
            }
            try server.insertAccount(name: request.name, partner: request.partner, role: role.rawValue, salt: stored.salt, passwordHash: stored.hash,
                                     iterations: stored.iterations, createdAt: now, createdBy: by)
            let row = try server.account(request.name)!
            return AccountCreated(account: Self.accountInfo(row, now: now), initialPassword: request.password == nil ? password : nil)
        }
    }

    /// The admin sees every account; a coordinator those of its own organisation.
    public func listAccounts(_ principal: Principal) throws -> [AccountInfo] {
        let manager = try accountManager(principal)
        let now = self.now
        return try worker.read { store in
            try ServerStore(store).accounts(ofPartner: manager).map { Self.accountInfo($0, now: now) }
        }
    }

    /// R-WEB-2: disable (or enable again) an account. Its personal tokens and web sessions
    /// stop at once (both read the account on every use); enabling also lifts a lockout.
    public func setAccountDisabled(_ principal: Principal, name: String, disabled: Bool) throws -> AccountInfo {
        let manager = try accountManager(principal)
        let now = self.now
        let info = try worker.write { store -> AccountInfo in
            let server = ServerStore(store)
            _ = try Self.managedAccount(server, name, by: manager, verb: "disables", now: now)
            if disabled {
                try server.disableAccount(name, at: now)
            } else {
                try server.enableAccount(name)
            }
            return Self.accountInfo(try server.account(name)!, now: now)
        }
        forgetPrincipals(ofAccount: name)
        return info
    }

    /// Account `name` as `manager` may change it: any account for the admin (nil), a worker
    /// of its own organisation for a coordinator (404 for another organisation's, as if it
    /// did not exist; 403 for a coordinator). `verb` says what was refused.
    static func managedAccount(_ server: ServerStore, _ name: String, by manager: String?, verb: String, now: UInt64) throws -> AccountInfo {
        guard let row = try server.account(name) else { throw Problems.notFound("no account '\(name)'") }
        let current = accountInfo(row, now: now)
        if let manager {
            guard current.partner == manager else { throw Problems.notFound("no account '\(name)' in your organisation") }
            guard current.role == Person.Role.worker.rawValue else { throw Problems.forbidden("a coordinator \(verb) workers only; ask the admin about '\(name)'") }
        }
        return current
    }

    /// Drops the cached principals of account `name`'s personal tokens, so that a disable,
    /// a new password or a revoked token counts at the next request. A head-office person's
    /// token is cached as `.headOffice` (it reads reports as head office), so those go too.
    func forgetPrincipals(ofAccount name: String) {
        principalsForget { if case let .person(p) = $0 { p.account == name } else { $0 == .headOffice } }
    }

    /// R-WEB-3: checks a name and password. nil for every kind of refusal (unknown name,
    /// wrong password, disabled, locked), so a caller cannot tell which; an unknown name costs
    /// the same PBKDF2 work as a known one. Five failures in a row lock the account for 15
    /// minutes, during which even the right password is refused.
    public func login(name: String, password: String, credential: String) throws -> Person? {
        let now = self.now
        guard password.utf8.count <= PasswordHash.maximumBytes, name.utf8.count <= 64 else { return nil }
        let account = try worker.read { store in try ServerStore(store).login(name) }
        guard let account else {
            _ = PasswordHash.make(password, iterations: configuration.passwordIterations)
            return nil
        }
        let stored = PasswordHash(salt: account.salt, hash: account.passwordHash, iterations: account.iterations)
        let matches = stored.matches(password)
        let locked = account.lockedUntil > now
        guard matches, !locked, !account.isDisabled else {
            if !locked, !account.isDisabled {
                try worker.write { store in
                    try ServerStore(store).recordFailedLogin(name, lockoutFailures: Self.lockoutFailures, lockedUntil: now + Self.lockoutMillis)
                }
            }
            return nil
        }
        // A stored hash below today's work factor is replaced now that the password is known.
        let rehash = stored.iterations < configuration.passwordIterations ? PasswordHash.make(password, iterations: configuration.passwordIterations) : nil
        try worker.write { store in
            let server = ServerStore(store)
            try server.recordSuccessfulLogin(name)
            if let rehash {
                try server.replacePassword(of: name, salt: rehash.salt, passwordHash: rehash.hash, iterations: rehash.iterations)
            }
        }
        return try person(name: name, credential: credential)
    }

    /// The person of an account as it is now (nil when unknown or disabled); its partner's
    /// current region.
    public func person(name: String, credential: String) throws -> Person? {
        try worker.read { store in try Self.person(store, name: name, credential: credential) }
    }

    static func person(_ store: ReplicaStore, name: String, credential: String) throws -> Person? {
        guard let row = try ServerStore(store).enabledPerson(name), let role = row.role.flatMap(Person.Role.init(rawValue:)) else { return nil }
        return Person(account: row.account, name: row.account, partner: row.partner, region: row.region, role: role, credential: credential,
                      credentialEpoch: row.credentialEpoch)
    }

    /// R-WEB-4: a personal token (`omz_u_…`, shown once, stored as SHA-256) for the CLI/API,
    /// against the account's password, under the same lockout as the login page.
    public func issuePersonalToken(_ request: PersonalTokenRequest) throws -> PersonalTokenResponse {
        let days = request.tokenDays ?? 30
        guard (1...90).contains(days) else { throw Problems.badRequest("tokenDays must be 1...90, got \(days)") }
        guard let person = try login(name: request.account, password: request.password, credential: "omz_u_") else {
            throw Problems.unauthorized(Self.loginRefusal)
        }
        let token = Tokens.random(prefix: "omz_u_")
        let now = self.now, expires = now + UInt64(days) * 86_400_000
        try worker.write { store in
            try ServerStore(store).insertPersonToken(hash: Tokens.hash(token), id: String(token.prefix(12)), account: person.account, createdAt: now, expiresAt: expires)
        }
        return PersonalTokenResponse(account: person.account, actor: person.actor, token: token, expiresAt: expires)
    }

    /// The words of every refused login (R-WEB-3): they never say which part was wrong.
    public static let loginRefusal = "the name or the password is wrong, or the account is locked or disabled; after \(lockoutFailures) failed attempts an account is locked for \(lockoutMillis / 60_000) minutes"

    /// `authenticate`'s lookup of a personal token: the account must exist and be enabled.
    static func personalTokenPrincipal(_ store: ReplicaStore, hash: [UInt8], token: String, now: UInt64) throws -> CachedPrincipal? {
        guard let row = try ServerStore(store).personToken(hash: hash, activeAt: now),
              let person = try person(store, name: row.account, credential: String(token.prefix(12))) else { return nil }
        // A head-office person reads the aggregate reports exactly like a head-office token
        // (reports are not per-person audited; they carry no referral).
        return CachedPrincipal(principal: person.role == .headOffice ? .headOffice : .person(person), expiresAt: row.expiresAt)
    }
}
