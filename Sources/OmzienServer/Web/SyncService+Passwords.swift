import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Password change and reset (PARTNERS.md R-WEB-5) and personal tokens one by one (R-WEB-6).
///
/// A new password, changed or reset, ends every web session of the account (its credential
/// epoch moves on, and a session remembers the epoch it was made under) and revokes every
/// personal token of the account: whoever held the old password, or a token got with it,
/// holds nothing any more. Each is an audit entry (`password-change`, `password-reset`,
/// `token-revoke`) whose referral field names the account (`account:<name>`).
extension SyncService {
    /// R-WEB-5: the person changes its own password with the old one (no token needed; the
    /// old password is checked like a login, under the lockout of R-WEB-3).
    public func changePassword(_ request: PasswordChangeRequest, credential: String) throws -> AccountInfo {
        if let problem = PasswordHash.problem(with: request.newPassword) { throw Problems.badRequest("newPassword: \(problem)") }
        guard let person = try login(name: request.account, password: request.password, credential: credential) else {
            throw Problems.unauthorized(Self.loginRefusal)
        }
        guard request.newPassword != request.password else { throw Problems.badRequest("the new password is the old one; choose another") }
        return try storePassword(request.newPassword, of: person.account, actor: person.actor, token: credential, action: "password-change")
    }

    /// R-WEB-5: the admin resets any account's password, a coordinator those of the workers of
    /// its own organisation. The server makes up the new password and answers it once; a
    /// lockout is lifted.
    public func resetPassword(_ principal: Principal, name: String) throws -> AccountCreated {
        let manager = try accountManager(principal)
        let now = self.now
        _ = try worker.read { store in try Self.managedAccount(ServerStore(store), name, by: manager, verb: "resets the passwords of", now: now) }
        let password = PasswordHash.initial()
        let token: String
        if case let .person(p) = principal { token = p.credential } else { token = "admin" }
        let info = try storePassword(password, of: name, actor: actorName(principal), token: token, action: "password-reset")
        return AccountCreated(account: info, initialPassword: password)
    }

    private func storePassword(_ password: String, of name: String, actor: String, token: String, action: String) throws -> AccountInfo {
        let stored = PasswordHash.make(password, iterations: configuration.passwordIterations)
        let now = self.now
        let info = try worker.write { store -> AccountInfo in
            let server = ServerStore(store)
            try server.setPassword(of: name, salt: stored.salt, passwordHash: stored.hash, iterations: stored.iterations, at: now)
            try self.auditAccess(store, at: now, actor: actor, token: token, action: action, referrals: ["account:\(name)"])
            guard let row = try server.account(name) else { throw Problems.notFound("no account '\(name)'") }
            return Self.accountInfo(row, now: now)
        }
        forgetPrincipals(ofAccount: name)
        return info
    }

    /// The person of a request (web session or personal token); head office's personal tokens
    /// act as head office (R-WEB-4) and so have no person here.
    private func requirePerson(_ principal: Principal) throws -> Person {
        guard case let .person(p) = principal else {
            throw Problems.forbidden("personal tokens belong to a person: use your own personal token (a head-office person manages its tokens on /web/account)")
        }
        return p
    }

    /// R-WEB-6: the person's own personal tokens, newest first, never the tokens themselves.
    /// `current` marks the one the request came with.
    public func personalTokens(_ principal: Principal) throws -> [PersonalTokenInfo] {
        let p = try requirePerson(principal)
        return try worker.read { store in
            try ServerStore(store).personTokens(of: p.account).map {
                PersonalTokenInfo(id: $0.id, createdAt: $0.createdAt, expiresAt: $0.expiresAt, revokedAt: $0.revokedAt, current: $0.id == p.credential)
            }
        }
    }

    /// R-WEB-6: revokes one of the person's own tokens by its id (404 for an id it has not;
    /// revoking a revoked one answers it again). It stops at the next request.
    public func revokePersonalToken(_ principal: Principal, id: String) throws -> PersonalTokenInfo {
        let p = try requirePerson(principal)
        let now = self.now
        let info = try worker.write { store -> PersonalTokenInfo in
            let server = ServerStore(store)
            guard try server.revokePersonToken(account: p.account, id: id, at: now), let row = try server.personTokens(of: p.account).first(where: { $0.id == id }) else {
                throw Problems.notFound("you have no personal token '\(id)' (GET /v1/accounts/tokens or 'omzien account tokens' lists them)")
            }
            try self.auditAccess(store, at: now, actor: p.actor, token: p.credential, action: "token-revoke", referrals: ["account:\(p.account)"])
            return PersonalTokenInfo(id: row.id, createdAt: row.createdAt, expiresAt: row.expiresAt, revokedAt: row.revokedAt, current: row.id == p.credential)
        }
        forgetPrincipals(ofAccount: p.account)
        return info
    }
}
