import Foundation
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Admin and head-office tokens (Protocol/SYNC.md R-OPS-6, R-OPS-7). Like partner tokens
/// (R-PART-13) they expire and can be revoked; only their SHA-256 is stored. The caller
/// (`SyncService`) drops cached principals after a revocation.
///
/// - An admin token lives `tokenDays` (1–365, default 90). `POST /v1/admin/admin-tokens`
///   replaces it while the server runs; `omzien admin token --db` on the host, server
///   stopped, when every admin token is lost or expired. `serve` issues one itself when it
///   starts without any valid admin token (and writes it to `<db>.admin-token`, mode 0600).
/// - A head-office token lives `tokenDays` (default 90), carries a label, and is listed and
///   revoked by its id: the token's first 12 characters, which say nothing of the rest.
struct TokenService: Sendable {
    let context: ServiceContext

    static let defaultTokenDays = 90
    static let dayMillis: UInt64 = 86_400_000

    static func tokenDays(_ days: Int?) throws -> Int {
        let d = days ?? defaultTokenDays
        guard (1...365).contains(d) else { throw Problems.badRequest("tokenDays must be 1...365, got \(d)") }
        return d
    }

    /// Issues the admin token when the database has no valid one (none yet, or every one
    /// expired or revoked) and returns it (shown once); nil when a valid admin token exists.
    func bootstrapAdminToken() throws -> String? {
        let now = context.now
        return try context.worker.write { store -> String? in
            let server = ServerStore(store)
            guard try server.liveAdminTokenCount(at: now) == 0 else { return nil }
            return try Self.insertAdminToken(server, days: Self.defaultTokenDays, now: now).token
        }
    }

    /// `omzien admin token` on the server host (which opens the database directly, the server
    /// stopped): a fresh admin token; `revokingOthers` revokes every earlier one in the same
    /// transaction (a lost or leaked token).
    func issueAdminToken(days: Int? = nil, revokingOthers: Bool = false) throws -> AdminTokenResponse {
        let days = try Self.tokenDays(days)
        let now = context.now
        let issued = try context.worker.write { store -> AdminTokenResponse in
            let server = ServerStore(store)
            if revokingOthers { try server.revokeAdminTokens(at: now) }
            let (token, expires) = try Self.insertAdminToken(server, days: days, now: now)
            return AdminTokenResponse(token: token, expiresAt: expires, revokedOthers: revokingOthers)
        }
        return issued
    }

    static func insertAdminToken(_ server: ServerStore, days: Int, now: UInt64) throws -> (token: String, expires: UInt64) {
        let token = Tokens.random(prefix: "omz_a_")
        let expires = now + UInt64(days) * dayMillis
        try server.insertAdminToken(tokenHash: Tokens.hash(token), at: now, expiresAt: expires)
        return (token, expires)
    }

    // MARK: Head office

    func issueHeadOfficeToken(_ principal: Principal, _ request: HeadOfficeTokenRequest = .init()) throws -> HeadOfficeTokenResponse {
        try principal.requireAdmin()
        let days = try Self.tokenDays(request.tokenDays)
        if let label = request.label { try SyncService.checkName(label, "label") }
        let now = context.now
        return try context.worker.write { store in
            let token = Tokens.random(prefix: "omz_h_")
            let id = String(token.prefix(12)), expires = now + UInt64(days) * Self.dayMillis
            try ServerStore(store).insertHeadOfficeToken(tokenHash: Tokens.hash(token), id: id, label: request.label, at: now, expiresAt: expires)
            return HeadOfficeTokenResponse(token: token, id: id, expiresAt: expires)
        }
    }

    func listHeadOfficeTokens(_ principal: Principal) throws -> [HeadOfficeTokenInfo] {
        try principal.requireAdmin()
        return try context.worker.read { store in
            try ServerStore(store).headOfficeTokens().map(Self.headOfficeInfo)
        }
    }

    /// Revokes one head-office token by its id; revoking a revoked token answers it again.
    func revokeHeadOfficeToken(_ principal: Principal, id: String) throws -> HeadOfficeTokenInfo {
        try principal.requireAdmin()
        let now = context.now
        let info = try context.worker.write { store -> HeadOfficeTokenInfo in
            let server = ServerStore(store)
            try server.revokeHeadOfficeToken(id: id, at: now)
            guard let row = try server.headOfficeToken(id: id) else {
                throw Problems.notFound("no head-office token with id '\(id)' ('omzien admin headoffice-token list' shows the ids)")
            }
            return Self.headOfficeInfo(row)
        }
        return info
    }

    static func headOfficeInfo(_ row: ServerStore.HeadOfficeTokenRow) -> HeadOfficeTokenInfo {
        HeadOfficeTokenInfo(id: row.id, label: row.label, createdAt: row.createdAt, expiresAt: row.expiresAt, revokedAt: row.revokedAt)
    }
}
