import Foundation
import OmzienHTTP
import Synchronization
import Testing

/// An error type of a layer above the server (like the sync service's `Problem`) that answers
/// with its own body.
struct TeapotError: HTTPResponseError, CustomStringConvertible {
    var code: Int
    var responseStatus: HTTPStatus { HTTPStatus(code: code) }
    func response(requestID: String?, typeBase: String?) -> HTTPResponse {
        HTTPResponse(status: responseStatus, headers: ["Content-Type": "application/x-teapot"],
                     body: Array("teapot \(code) \(requestID ?? "none")".utf8))
    }
    var description: String { "teapot failure \(code)" }
}

@Suite("One error protocol")
struct HTTPResponseErrorTests {
    static func router() -> Router {
        var router = Router()
        router.get("/teapot") { _, _ in throw TeapotError(code: 418) }
        router.get("/broken") { _, _ in throw TeapotError(code: 503) }
        router.get("/other") { _, _ in throw CocoaError(.fileNoSuchFile, userInfo: ["path": "/secret"]) }
        return router
    }

    @Test("without a socket: an HTTPResponseError answers as itself, anything else is a 500 without detail")
    func respondWithoutSocket() throws {
        let router = Self.router()
        let teapot = router.respond(to: HTTPRequest(method: .get, target: "/teapot", path: "/teapot"))
        #expect(teapot.status.code == 418 && String(decoding: teapot.body, as: UTF8.self) == "teapot 418 replay")
        let other = router.respond(to: HTTPRequest(method: .get, target: "/other", path: "/other"))
        #expect(other.status == .internalServerError && !String(decoding: other.body, as: UTF8.self).contains("secret"))
    }

    @Test("over a socket: the error's own response; 5xx ones and other errors are logged, other errors answer 500 without detail")
    func overSocket() throws {
        let entries = Mutex<[RequestLogEntry]>([])
        var configuration = HTTPServer.Configuration.testing()
        configuration.requestLog = RequestLogSink { entry in entries.withLock { $0.append(entry) } }
        try withServer(configuration, router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /teapot HTTP/1.1\r\nHost: t\r\n\r\nGET /broken HTTP/1.1\r\nHost: t\r\n\r\nGET /other HTTP/1.1\r\nHost: t\r\n\r\n")
            let teapot = try client.readResponse()
            #expect(teapot.status == 418 && teapot.header("Content-Type") == "application/x-teapot")
            #expect(teapot.text == "teapot 418 \(teapot.header("X-Request-Id") ?? "")")
            let broken = try client.readResponse()
            #expect(broken.status == 503 && broken.text.hasPrefix("teapot 503"))
            let other = try client.readResponse()
            #expect(other.status == 500 && !other.text.contains("secret"))
            #expect(try other.json()["detail"] == nil)
            let logged = entries.withLock { $0 }
            #expect(logged.map(\.status) == [418, 503, 500])
            #expect(logged.count == 3 && logged[0].error == nil && logged[1].error == "teapot failure 503")
            #expect(logged.count == 3 && logged[2].error?.isEmpty == false)
        }
    }
}
