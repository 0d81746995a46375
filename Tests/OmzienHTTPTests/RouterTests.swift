@testable import OmzienHTTP
import Testing

@Suite("Router")
struct RouterTests {
    static func router() -> Router {
        var r = Router()
        r.get("/") { _, _ in .text("root") }
        r.get("/v1/things/:id") { _, _ in .text("thing") }
        r.get("/v1/things/special") { _, _ in .text("special") }
        r.put("/v1/things/:id") { _, _ in .text("put") }
        r.get("/v1/things/:id/parts/:part") { _, _ in .text("part") }
        r.get("/files/*rest") { _, _ in .text("files") }
        return r
    }

    func found(_ method: HTTPMethod, _ path: String) -> (pattern: String, parameters: [String: String])? {
        let r = Self.router()
        guard case .found(let index, let parameters) = r.match(method: method, path: path) else { return nil }
        return (r.routes[index].pattern, parameters)
    }

    @Test("parameters are bound and percent-decoded")
    func parameters() {
        #expect(found(.get, "/v1/things/42")?.parameters == ["id": "42"])
        #expect(found(.get, "/v1/things/a%20b")?.parameters == ["id": "a b"])
        #expect(found(.get, "/v1/things/a%2Fb")?.parameters == ["id": "a/b"])
        #expect(found(.get, "/v1/things/7/parts/x")?.parameters == ["id": "7", "part": "x"])
        #expect(found(.get, "/files/a/b%20c")?.parameters == ["rest": "a/b%20c"])
        #expect(found(.get, "/files/")?.parameters == ["rest": ""])
        #expect(found(.get, "/")?.pattern == "/")
    }

    @Test("literal segments win over parameters")
    func literalWins() {
        #expect(found(.get, "/v1/things/special")?.pattern == "/v1/things/special")
        #expect(found(.get, "/v1/things/other")?.pattern == "/v1/things/:id")
    }

    @Test("no normalisation: trailing slash, empty segments and case matter")
    func strictPaths() {
        #expect(found(.get, "/v1/things/42/") == nil)
        #expect(found(.get, "/v1/things/") == nil)
        #expect(found(.get, "/V1/things/42") == nil)
        #expect(found(.get, "/v1//things/42") == nil)
    }

    @Test("wrong method gives 405 with the allowed methods; HEAD uses GET")
    func methods() {
        let r = Self.router()
        guard case .methodNotAllowed(let allowed) = r.match(method: .delete, path: "/v1/things/1") else {
            Issue.record("expected 405")
            return
        }
        #expect(Set(allowed) == [.get, .put, .head])
        #expect(found(.head, "/v1/things/1")?.pattern == "/v1/things/:id")
        guard case .notFound = r.match(method: .get, path: "/nope") else {
            Issue.record("expected 404")
            return
        }
        guard case .badPath = r.match(method: .get, path: "/v1/things/%zz") else {
            Issue.record("expected bad path")
            return
        }
        guard case .badPath = r.match(method: .get, path: "/v1/things/%ff") else {
            Issue.record("invalid UTF-8 must be a bad path")
            return
        }
    }

    @Test("query items are form-decoded")
    func queryItems() {
        let request = HTTPRequest(method: .get, target: "/x?a=1&b=two+words&c=%26&d&=e&bad=%z", path: "/x",
                                  query: "a=1&b=two+words&c=%26&d&=e&bad=%z")
        let items = request.queryItems.map { "\($0.name)=\($0.value)" }
        #expect(items == ["a=1", "b=two words", "c=&", "d=", "=e"])
        #expect(request.queryValue("b") == "two words")
    }

    @Test("request targets: origin, absolute and asterisk forms")
    func targets() {
        #expect(RequestTarget("/a/b?c=d").map { [$0.path, $0.query ?? "nil"] } == ["/a/b", "c=d"])
        #expect(RequestTarget("/a?").map { [$0.path, $0.query ?? "nil"] } == ["/a", ""])
        #expect(RequestTarget("http://example.com/a?b").map { [$0.path, $0.query ?? "nil"] } == ["/a", "b"])
        #expect(RequestTarget("HTTPS://example.com").map { [$0.path, $0.query ?? "nil"] } == ["/", "nil"])
        #expect(RequestTarget("http://example.com?q").map { [$0.path, $0.query ?? "nil"] } == ["/", "q"])
        #expect(RequestTarget("*")?.isAsterisk == true)
        #expect(RequestTarget("example.com:443") == nil)
        #expect(RequestTarget("/a#frag") == nil)
        #expect(RequestTarget("ftp://x/a") == nil)
    }
}
