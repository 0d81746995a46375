import Foundation
import OmzienHTTP
import OmzienProtocol
import OmzienServer
import Testing

/// Issue 14, one error protocol: `Problem` adopts OmzienHTTP's `HTTPResponseError`, so a
/// `Problem` thrown by a handler outside `SyncRoutes.answer` is answered as itself (its status,
/// problem+json, `WWW-Authenticate` on a 401). Before, such a throw was a 500 "internal".
struct ProblemResponseTests {
    @Test func aProblemThrownByAnyHandlerIsAnsweredAsItself() throws {
        var router = Router()
        router.get("/missing") { _, _ in throw Problem("not-found", status: 404, title: "Not found", detail: "no such referral in your region") }
        router.get("/who") { _, _ in throw Problem("unauthorized", status: 401, title: "Unauthorized", detail: "unknown token") }
        let missing = router.respond(to: HTTPRequest(method: .get, target: "/missing", path: "/missing"))
        #expect(missing.status.code == 404)
        #expect(missing.headers["Content-Type"] == "application/problem+json")
        let body = try JSONDecoder().decode(Problem.self, from: Data(missing.body))
        #expect(body.code == "not-found" && body.detail == "no such referral in your region")
        let who = router.respond(to: HTTPRequest(method: .get, target: "/who", path: "/who"))
        #expect(who.status.code == 401 && who.headers["WWW-Authenticate"] == "Bearer")
    }
}
