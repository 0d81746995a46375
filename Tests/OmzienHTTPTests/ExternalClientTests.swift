import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OmzienCompression
import OmzienHTTP
import Testing

@Suite("Real clients: curl, URLSession, h11")
struct ExternalClientTests {
    struct Thing: Codable, Equatable {
        var id: String
        var size: Int
    }

    static func router() -> Router {
        var router = Router()
        router.get("/hello") { _, _ in .text("hello") }
        router.post("/echo") { request, _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: request.body)
        }
        router.get("/things/:id") { request, _ in try .json(Thing(id: try request.parameter("id"), size: 3)) }
        router.post("/things") { request, _ in
            let thing = try request.decodeJSON(Thing.self)
            return try .json(thing, status: .created)
        }
        router.get("/big") { _, _ in .text(String(repeating: "compressible text ", count: 10_000)) }
        return router
    }

    static func curl() throws -> String {
        guard let curl = which("curl") else { throw TestFailure.message("curl is required") }
        return curl
    }

    @Test("curl reuses one connection for several requests (keep-alive)")
    func curlKeepAlive() throws {
        let curl = try Self.curl()
        try withServer(router: Self.router()) { _, port in
            let url = "http://127.0.0.1:\(port)"
            let r = try runProcess(curl, ["-s", "-w", "%{http_code} %{num_connects}\\n",
                                          "-o", "/dev/null", "\(url)/hello", "-o", "/dev/null", "\(url)/things/1",
                                          "-o", "/dev/null", "\(url)/missing"])
            #expect(r.status == 0)
            let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
            #expect(lines == ["200 1", "200 0", "404 0"])
        }
    }

    @Test("curl uploads a chunked body (with Expect: 100-continue) and gets it back")
    func curlChunkedUpload() throws {
        let curl = try Self.curl()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-upload-\(UUID()).bin")
        var payload = [UInt8](repeating: 0, count: 300_000)
        var rng = SystemRandomNumberGenerator()
        for i in payload.indices { payload[i] = UInt8.random(in: 0...255, using: &rng) }
        try Data(payload).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try withServer(router: Self.router()) { _, port in
            let r = try runProcess(curl, ["-s", "-v", "-H", "Transfer-Encoding: chunked", "-H", "Expect: 100-continue",
                                          "--data-binary", "@\(file.path)", "http://127.0.0.1:\(port)/echo"])
            #expect(r.status == 0)
            #expect(Array(r.stdout) == payload)
            let trace = String(decoding: r.stderr, as: UTF8.self)
            #expect(trace.contains("Transfer-Encoding: chunked"))
            #expect(trace.contains("HTTP/1.1 100 Continue"))
        }
    }

    @Test("curl --compressed gets a gzip body and decodes it")
    func curlGzipResponse() throws {
        let curl = try Self.curl()
        try withServer(router: Self.router()) { _, port in
            let r = try runProcess(curl, ["-s", "-D", "/dev/stderr", "--compressed", "http://127.0.0.1:\(port)/big"])
            #expect(r.status == 0)
            #expect(String(decoding: r.stdout, as: UTF8.self) == String(repeating: "compressible text ", count: 10_000))
            let headers = String(decoding: r.stderr, as: UTF8.self).lowercased()
            #expect(headers.contains("content-encoding: gzip"))
            #expect(headers.contains("vary: accept-encoding"))
        }
    }

    @Test("curl sends a gzip request body; the handler sees it decoded")
    func curlGzipRequest() throws {
        let curl = try Self.curl()
        let text = String(repeating: "a request body that compresses well. ", count: 2000)
        let gz = try Compression.gzip(Array(text.utf8))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-gz-\(UUID()).gz")
        try Data(gz).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try withServer(router: Self.router()) { _, port in
            let r = try runProcess(curl, ["-s", "-H", "Content-Encoding: gzip", "--data-binary", "@\(file.path)",
                                          "http://127.0.0.1:\(port)/echo"])
            #expect(String(decoding: r.stdout, as: UTF8.self) == text)
        }
    }

    @Test("curl with HTTP/1.0")
    func curlHTTP10() throws {
        let curl = try Self.curl()
        try withServer(router: Self.router()) { _, port in
            let r = try runProcess(curl, ["-s", "-0", "-i", "http://127.0.0.1:\(port)/hello"])
            let text = String(decoding: r.stdout, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(text.contains("Connection: close\r\n"))
            #expect(text.hasSuffix("\r\n\r\nhello"))
        }
    }

    @Test("h11 as the client: keep-alive, Content-Length and chunked bodies, HEAD, errors")
    func h11Client() throws {
        let python = try requirePythonWithH11()
        let script = packageRoot.appendingPathComponent("Tools/http/h11_client.py").path
        try withServer(router: Self.router()) { _, port in
            let r = try runProcess(python, [script, String(port)])
            #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
            let results = try JSONSerialization.jsonObject(with: r.stdout) as? [[String: Any]] ?? []
            #expect(results.count == 7)
            guard results.count == 7 else { return }
            func status(_ i: Int) -> Int? { results[i]["status"] as? Int }
            func body(_ i: Int) -> String? { results[i]["body"] as? String }
            func header(_ i: Int, _ name: String) -> String? { (results[i]["headers"] as? [String: String])?[name] }
            #expect(status(0) == 200 && body(0) == "hello")
            #expect(status(1) == 200 && body(1) == "hello world")
            #expect(status(2) == 200 && body(2) == "chunk-1 chunk-2")
            #expect(status(3) == 200 && body(3) == "" && header(3, "content-length") == "5")
            #expect(status(4) == 404 && header(4, "content-type") == "application/problem+json")
            #expect(status(5) == 405 && header(5, "allow") == "GET, HEAD")
            #expect(status(6) == 200 && body(6) == "{\"id\":\"h11 client\",\"size\":3}")
        }
    }

    /// R-SYNC-1: HTTP/1.1 JSON bodies, problem+json errors.
    @Test("URLSession: JSON round trip, echo, problem+json")
    func urlSession() async throws {
        let server = HTTPServer(configuration: .testing(), router: Self.router())
        let port = try server.start()
        defer { server.shutdown(deadline: .seconds(5)) }
        let session = URLSession(configuration: .ephemeral)
        let base = "http://127.0.0.1:\(port)"

        let (data, response) = try await session.data(from: URL(string: "\(base)/things/42")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(try JSONDecoder().decode(Thing.self, from: data) == Thing(id: "42", size: 3))

        var post = URLRequest(url: URL(string: "\(base)/things")!)
        post.httpMethod = "POST"
        post.setValue("application/json", forHTTPHeaderField: "Content-Type")
        post.httpBody = try JSONEncoder().encode(Thing(id: "new", size: 7))
        let (created, createdResponse) = try await session.data(for: post)
        #expect((createdResponse as? HTTPURLResponse)?.statusCode == 201)
        #expect(try JSONDecoder().decode(Thing.self, from: created) == Thing(id: "new", size: 7))

        var bad = post
        bad.httpBody = Data("not json".utf8)
        let (problem, problemResponse) = try await session.data(for: bad)
        let http = problemResponse as? HTTPURLResponse
        #expect(http?.statusCode == 400)
        #expect(http?.value(forHTTPHeaderField: "Content-Type") == "application/problem+json")
        #expect(http?.value(forHTTPHeaderField: "X-Request-Id") != nil)
        let json = try JSONSerialization.jsonObject(with: problem) as? [String: Any]
        #expect(json?["status"] as? Int == 400)

        var echo = URLRequest(url: URL(string: "\(base)/echo")!)
        echo.httpMethod = "POST"
        let payload = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        echo.httpBody = payload
        let (echoed, _) = try await session.data(for: echo)
        #expect(echoed == payload)
        session.finishTasksAndInvalidate()
    }

    @Test("URLSession decodes a gzip response transparently")
    func urlSessionGzip() async throws {
        let server = HTTPServer(configuration: .testing(), router: Self.router())
        let port = try server.start()
        defer { server.shutdown(deadline: .seconds(5)) }
        let session = URLSession(configuration: .ephemeral)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/big")!)
        request.setValue("gzip", forHTTPHeaderField: "Accept-Encoding")
        let (data, response) = try await session.data(for: request)
        #expect(String(decoding: data, as: UTF8.self) == String(repeating: "compressible text ", count: 10_000))
        #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Encoding") == "gzip")
        session.finishTasksAndInvalidate()
    }
}
