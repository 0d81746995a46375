#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OmzienHTTP
import Synchronization
import Testing

/// A one-shot gate a handler can wait on (the test opens it), for ordering without sleeps.
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func open() { semaphore.signal() }
    /// Waits at most `seconds` (a safety net so a broken server fails the test, not hangs it).
    func wait(seconds: Int = 10) -> Bool { semaphore.wait(timeout: .now() + .seconds(seconds)) == .success }
}

@Suite("Server behaviour")
struct ServerBehaviourTests {
    static func router(gate: Gate? = nil) -> Router {
        var router = Router()
        router.get("/hello") { _, _ in .text("hello") }
        router.get("/loop", execution: .eventLoop) { _, _ in .text("from the loop") }
        router.post("/echo") { request, _ in HTTPResponse(status: .ok, body: request.body) }
        router.post("/ignore-body") { _, _ in .text("ignored") }
        router.get("/n/:n") { request, _ in .text("n=\(try request.parameter("n"))") }
        router.get("/wait") { _, _ in
            _ = gate?.wait()
            return .text("waited")
        }
        router.get("/big") { request, _ in
            .text(String(repeating: "0123456789", count: (Int(request.queryValue("kb") ?? "1") ?? 1) * 100))
        }
        router.get("/problem") { _, _ in
            throw HTTPError(status: .conflict, title: "Version conflict", detail: "Expected version 3.",
                            type: "https://omzien.example/problems/conflict", headers: ["Retry-After": "5"])
        }
        router.get("/internal") { _, _ in throw TestFailure.message("secret database path /var/lib/x") }
        router.get("/bad-header") { _, _ in HTTPResponse(status: .ok, headers: ["X-Evil": "a\r\nSet-Cookie: x=y"]) }
        router.get("/owned-headers") { _, _ in
            HTTPResponse(status: .ok, headers: ["Content-Length": "999", "Connection": "keep-alive", "X-Mine": "yes"],
                         body: Array("abc".utf8))
        }
        router.get("/empty") { _, _ in .noContent() }
        router.get("/interim") { _, _ in HTTPResponse(status: .continue) }
        router.get("/bad-reason") { _, _ in HTTPResponse(status: HTTPStatus(code: 200, reasonPhrase: "OK\r\nSet-Cookie: x=y")) }
        return router
    }

    @Test("keep-alive: many requests on one connection, answered in order")
    func keepAlive() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            var methods: [String] = []
            for i in 0..<20 {
                client.send("GET /n/\(i) HTTP/1.1\r\nHost: t\r\n\r\n")
                methods.append("GET")
                let r = try client.readResponse()
                #expect(r.status == 200 && r.text == "n=\(i)")
                #expect(r.header("Connection") == nil)
            }
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            methods.append("GET")
            let last = try client.readResponse()
            #expect(last.header("Connection") == "close")
            #expect(try client.isClosedByServer())
            let check = try H11.check([H11.Exchange(methods: methods, bytes: client.received)])
            #expect(check[0].error == nil && check[0].responses.count == 21 && check[0].unparsed == 0)
        }
    }

    @Test("pipelined requests of every framing, on loop and pool handlers, come back in order")
    func pipelining() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            var stream = ""
            var methods: [String] = []
            var expected: [String] = []
            for i in 0..<30 {
                switch i % 5 {
                case 0:
                    stream += "GET /n/\(i) HTTP/1.1\r\nHost: t\r\n\r\n"
                    expected.append("n=\(i)")
                case 1:
                    stream += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(String(i).count + 5)\r\n\r\necho-\(i)"
                    expected.append("echo-\(i)")
                case 2:
                    stream += "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nchu\r\n\(String(format: "%x", String(i).count))\r\n\(i)\r\n0\r\n\r\n"
                    expected.append("chu\(i)")
                case 3:
                    stream += "GET /loop HTTP/1.1\r\nHost: t\r\n\r\n"
                    expected.append("from the loop")
                default:
                    stream += "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                    expected.append("")
                }
                methods.append(i % 5 == 4 ? "HEAD" : (i % 5 == 1 || i % 5 == 2 ? "POST" : "GET"))
            }
            client.send(stream)
            for (i, text) in expected.enumerated() {
                let r = try client.readResponse(isHEAD: methods[i] == "HEAD")
                #expect(r.status == 200)
                #expect(r.text == text, "response \(i)")
                if methods[i] == "HEAD" { #expect(r.header("Content-Length") == "5") }
            }
            client.shutdownWrite()
            #expect(try client.readUntilClose().isEmpty)
            let check = try H11.check([H11.Exchange(methods: methods, bytes: client.received)])
            #expect(check[0].error == nil && check[0].responses.count == 30, "\(check[0].error ?? "")")
        }
    }

    @Test("an unread body is consumed, never parsed as the next request")
    func unreadBodyIsConsumed() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            let smuggled = "GET /n/666 HTTP/1.1\r\nHost: t\r\n\r\n"
            client.send("POST /ignore-body HTTP/1.1\r\nHost: t\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)"
                + "POST /ignore-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\(String(smuggled.utf8.count, radix: 16))\r\n\(smuggled)\r\n0\r\n\r\n"
                + "GET /n/1 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "ignored")
            #expect(try client.readResponse().text == "ignored")
            #expect(try client.readResponse().text == "n=1")
            client.shutdownWrite()
            #expect(try client.readUntilClose().isEmpty, "no answer for the smuggled request")
        }
    }

    @Test("a slow pool handler does not stall other connections on the same loop")
    func poolHandlerDoesNotBlockLoop() throws {
        let gate = Gate()
        try withServer(router: Self.router(gate: gate)) { _, port in
            let slow = try RawClient(port: port)
            slow.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n")
            let fast = try RawClient(port: port)
            fast.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try fast.readResponse().text == "hello")
            gate.open()
            #expect(try slow.readResponse().text == "waited")
        }
    }

    @Test("Expect: 100-continue gets an interim response before the body is sent")
    func expectContinue() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            let interim = try client.readResponse()
            #expect(interim.status == 100)
            client.send("body")
            let final = try client.readResponse()
            #expect(final.status == 200 && final.text == "body")
            client.shutdownWrite()
            _ = try client.readUntilClose()
            let check = try H11.check([H11.Exchange(methods: ["POST"], bytes: client.received)])
            #expect(check[0].error == nil && check[0].responses.first?.informational == [100])
        }
    }

    @Test("problem+json: HTTPError fields, extension requestId, extra headers")
    func problemDetails() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /problem HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.status == 409)
            #expect(r.header("Content-Type") == "application/problem+json")
            #expect(r.header("Retry-After") == "5")
            let json = try r.json()
            #expect(json["type"] as? String == "https://omzien.example/problems/conflict")
            #expect(json["title"] as? String == "Version conflict")
            #expect(json["status"] as? Int == 409)
            #expect(json["detail"] as? String == "Expected version 3.")
            #expect(json["requestId"] as? String == r.header("X-Request-Id"))
        }
    }

    @Test("other errors become 500 without any detail")
    func internalErrorsLeakNothing() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /internal HTTP/1.1\r\nHost: t\r\n\r\nGET /bad-header HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET /interim HTTP/1.1\r\nHost: t\r\n\r\nGET /bad-reason HTTP/1.1\r\nHost: t\r\n\r\n")
            for _ in 0..<4 {
                let r = try client.readResponse()
                #expect(r.status == 500)
                #expect(!r.text.contains("secret") && !r.text.contains("Set-Cookie"))
                #expect(r.header("Set-Cookie") == nil && r.header("X-Evil") == nil)
                let json = try r.json()
                #expect(json["detail"] == nil)
                #expect(json["title"] as? String == "Internal Server Error")
            }
        }
    }

    @Test("framing headers set by a handler are replaced by the server's")
    func serverOwnsFraming() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /owned-headers HTTP/1.1\r\nHost: t\r\n\r\nGET /empty HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.header("Content-Length") == "3" && r.text == "abc" && r.header("X-Mine") == "yes")
            #expect(r.header("Connection") == nil)
            let empty = try client.readResponse()
            #expect(empty.status == 204 && empty.header("Content-Length") == nil)
            client.shutdownWrite()
            _ = try client.readUntilClose()
            let check = try H11.check([H11.Exchange(methods: ["GET", "GET"], bytes: client.received)])
            #expect(check[0].error == nil && check[0].responses.count == 2)
        }
    }

    @Test("every response has a request id; a well-formed incoming id is kept, a bad one replaced")
    func requestIDs() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc-123.X_y\r\n\r\n"
                + "GET /hello HTTP/1.1\r\nHost: t\r\nX-Request-Id: has space\r\n\r\n"
                + "GET /missing HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let kept = try client.readResponse()
            #expect(kept.header("X-Request-Id") == "abc-123.X_y")
            let replaced = try client.readResponse()
            let generated = try client.readResponse()
            let another = try client.readResponse()
            let ids = [replaced, generated, another].compactMap { $0.header("X-Request-Id") }
            #expect(ids.count == 3 && Set(ids).count == 3 && !ids.contains("has space"))
            #expect(generated.status == 404)
        }
    }

    @Test("HTTP/1.0: closed after the response unless keep-alive is asked for")
    func http10() throws {
        try withServer(router: Self.router()) { _, port in
            let keep = try RawClient(port: port)
            keep.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let r = try keep.readResponse()
            #expect(r.header("Connection") == "keep-alive")
            keep.send("GET /hello HTTP/1.0\r\n\r\n")
            let r2 = try keep.readResponse()
            #expect(r2.header("Connection") == "close")
            #expect(try keep.isClosedByServer())
        }
    }

    @Test("a client that half-closes after its request still gets the answer")
    func halfClose() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /n/2 HTTP/1.1\r\nHost: t\r\n\r\n")
            client.shutdownWrite()
            #expect(try client.readResponse().text == "hello")
            #expect(try client.readResponse().text == "n=2")
            #expect(try client.isClosedByServer())
        }
    }

    @Test("a partial request followed by EOF is dropped without an answer")
    func partialThenEOF() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\n")
            client.shutdownWrite()
            #expect(try client.readUntilClose().isEmpty)
            #expect(client.sawEOF)
        }
    }

    @Test("absolute-form targets are routed by their path")
    func absoluteForm() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET http://other.example/n/5?x=1 HTTP/1.1\r\nHost: other.example\r\n\r\n"
                + "GET example.com:80 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "n=5")
            #expect(try client.readResponse().status == 400)
        }
    }

    @Test("responses the client does not read are held back without losing or reordering any")
    func backpressure() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            let count = 300
            let sender = Thread {
                var stream = ""
                for i in 0..<count { stream += "GET /big?kb=\(i % 3 == 0 ? 64 : 1) HTTP/1.1\r\nHost: t\r\nX-N: \(i)\r\n\r\n" }
                client.send(stream)
            }
            sender.start()
            for i in 0..<count {
                let r = try client.readResponse()
                #expect(r.body.count == (i % 3 == 0 ? 64_000 : 1000), "response \(i)")
            }
        }
    }

    @Test("connections beyond the limit get 503 and are closed")
    func connectionLimit() throws {
        var configuration = HTTPServer.Configuration.testing()
        configuration.maxConnections = 2
        configuration.problemTypeBase = "https://omzien.example/problems/"
        try withServer(configuration, router: Self.router()) { _, port in
            let a = try RawClient(port: port)
            let b = try RawClient(port: port)
            a.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            b.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try a.readResponse().status == 200)
            #expect(try b.readResponse().status == 200)
            let c = try RawClient(port: port)
            let refused = try c.readResponse()
            #expect(refused.status == 503)
            // Typed like the server's other problems (SYNC.md section 8), not about:blank.
            let problem = try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: Any]
            #expect(problem?["type"] as? String == "https://omzien.example/problems/service-unavailable", "\(String(decoding: refused.body, as: UTF8.self))")
            #expect(problem?["status"] as? Int == 503)
            #expect(try c.isClosedByServer())
            // Once a connection goes away there is room again.
            a.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            _ = try a.readResponse()
            #expect(try a.isClosedByServer())
            a.close()
            var admitted = false
            for _ in 0..<200 where !admitted {
                let d = try RawClient(port: port)
                d.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                admitted = (try? d.readResponse().status) == 200
            }
            #expect(admitted)
        }
    }
}
