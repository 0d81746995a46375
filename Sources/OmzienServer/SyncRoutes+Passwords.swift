import Foundation
import OmzienHTTP
import OmzienProtocol

extension SyncRoutes {
    /// Password change and reset (R-WEB-5) and personal tokens one by one (R-WEB-6), on the
    /// router's `on` (the recorder and the auth gate).
    static func registerPasswords(_ service: SyncService, on: (String, String, @escaping Router.Handler) -> Void) {
        on("POST", "/v1/accounts/password") { req, _ in
            try answer(req) { try service.changePassword(try decode(PasswordChangeRequest.self, req), credential: "api:password") }
        }
        on("POST", "/v1/accounts/:name/password") { req, _ in
            try answer(req) { try service.resetPassword(try auth(service, req), name: try req.parameter("name")) }
        }
        on("GET", "/v1/accounts/tokens") { req, _ in try answer(req) { try service.personalTokens(try auth(service, req)) } }
        on("POST", "/v1/accounts/tokens/:id/revoke") { req, _ in
            try answer(req) { try service.revokePersonalToken(try auth(service, req), id: try req.parameter("id")) }
        }
    }
}
