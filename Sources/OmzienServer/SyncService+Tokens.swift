import Foundation
import OmzienProtocol

/// Admin and head-office tokens (R-OPS-6, R-OPS-7): `TokenService` (Services/) does the work;
/// these forward to it and drop the cached principals a revocation makes stale.
extension SyncService {
    /// Issues the admin token when the database has no valid one and returns it (shown
    /// once); nil when a valid admin token exists.
    public func bootstrapAdminToken() throws -> String? { try tokens.bootstrapAdminToken() }

    /// `omzien admin token` on the server host: a fresh admin token; `revokingOthers` revokes
    /// every earlier one in the same transaction (a lost or leaked token).
    public func issueAdminToken(days: Int? = nil, revokingOthers: Bool = false) throws -> AdminTokenResponse {
        let issued = try tokens.issueAdminToken(days: days, revokingOthers: revokingOthers)
        if revokingOthers { principalsForget { $0 == .admin } }
        return issued
    }

    /// `POST /v1/admin/admin-tokens`: an admin replaces its token while the server runs.
    public func rotateAdminToken(_ principal: Principal, _ request: AdminTokenRequest) throws -> AdminTokenResponse {
        try requireAdmin(principal)
        return try issueAdminToken(days: request.tokenDays, revokingOthers: request.revokeOthers == true)
    }

    public func issueHeadOfficeToken(_ principal: Principal, _ request: HeadOfficeTokenRequest = .init()) throws -> HeadOfficeTokenResponse {
        try tokens.issueHeadOfficeToken(principal, request)
    }

    public func listHeadOfficeTokens(_ principal: Principal) throws -> [HeadOfficeTokenInfo] { try tokens.listHeadOfficeTokens(principal) }

    /// Revokes one head-office token by its id; revoking a revoked token answers it again.
    public func revokeHeadOfficeToken(_ principal: Principal, id: String) throws -> HeadOfficeTokenInfo {
        let info = try tokens.revokeHeadOfficeToken(principal, id: id)
        principalsForget { $0 == .headOffice }
        return info
    }
}
