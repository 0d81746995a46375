import Foundation
import OmzienHTTP
import Testing

@Suite("Server rejections over a socket")
struct ServerRejectionTests {
    static func router() -> Router {
        var router = Router()
        router.get("/") { _, _ in .text("ok") }
        router.post("/") { _, _ in .text("ok") }
        return router
    }

    @Test("every rejection gets its status, a problem body and a closed connection; h11 accepts each response")
    func everyRejectionOverSocket() throws {
        var configurations: [(HTTPParserLimits, [RejectionCase])] = []
        for c in RejectionCase.all {
            if let i = configurations.firstIndex(where: { $0.0 == c.limits }) {
                configurations[i].1.append(c)
            } else {
                configurations.append((c.limits, [c]))
            }
        }
        var exchanges: [H11.Exchange] = []
        var expectations: [(RejectionCase, Bool)] = []
        for (limits, cases) in configurations {
            var configuration = HTTPServer.Configuration.testing()
            configuration.limits = limits
            try withServer(configuration, router: Self.router()) { _, port in
                for c in cases {
                    let client = try RawClient(port: port)
                    client.send(c.bytes)
                    let bytes = try client.readUntilClose()
                    exchanges.append(H11.Exchange(methods: ["GET"], bytes: bytes))
                    expectations.append((c, client.sawEOF))
                }
            }
        }
        let results = try H11.check(exchanges)
        for ((c, closed), result) in zip(expectations, results) {
            #expect(result.error == nil, "\(c.name): h11: \(result.error ?? "")")
            #expect(result.responses.count == 1, "\(c.name): expected one response")
            guard let response = result.responses.first else { continue }
            #expect(response.status == c.expected.status.code, "\(c.name)")
            #expect(closed, "\(c.name): connection must be closed")
            #expect(result.unparsed == 0, "\(c.name): bytes after the response")
            #expect(response.header("Connection")?.lowercased() == "close", "\(c.name)")
            #expect(response.header("Content-Type") == "application/problem+json", "\(c.name)")
            #expect(response.header("X-Request-Id")?.isEmpty == false, "\(c.name)")
            let json = try JSONSerialization.jsonObject(with: Data(response.bodyBytes)) as? [String: Any]
            #expect(json?["status"] as? Int == c.expected.status.code, "\(c.name)")
            #expect(json?["detail"] as? String == c.expected.description, "\(c.name)")
        }
    }

    @Test("a request after a rejected one on the same connection is never answered")
    func noResyncAfterRejection() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
                + "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            let first = try client.readResponse()
            #expect(first.status == 400)
            #expect(try client.readUntilClose().isEmpty)
            #expect(client.sawEOF)
        }
    }

    @Test("a body over the limit is refused before it is sent")
    func bodyLimitAnsweredBeforeBody() throws {
        var configuration = HTTPServer.Configuration.testing()
        configuration.limits.maxBodyBytes = 1000
        try withServer(configuration, router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            // Only the head: the answer must come without waiting for 1 MB of body.
            client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
        }
    }

    @Test("a client that keeps sending a too-large body still reads the 413 (lingering close)")
    func lingeringCloseDeliversResponse() throws {
        var configuration = HTTPServer.Configuration.testing()
        configuration.limits.maxBodyBytes = 1000
        try withServer(configuration, router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            let body = [UInt8](repeating: 0x61, count: 300_000)
            let sender = Thread { client.send(Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n".utf8) + body) }
            sender.start()
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(client.sawReset == false)
        }
    }
}

@Suite("Server input fragmentation")
struct ServerFragmentationTests {
    /// Status and body of each final response, without the per-request fields (Date, X-Request-Id).
    static func exchange(_ port: Int, _ bytes: [UInt8], chunkSize: Int) throws -> [String] {
        let client = try RawClient(port: port)
        var offset = 0
        while offset < bytes.count {
            client.send(Array(bytes[offset..<min(offset + chunkSize, bytes.count)]))
            offset += chunkSize
        }
        client.shutdownWrite()
        var responses: [String] = []
        while let r = try? client.readResponse(isHEAD: false) {
            // 100 (Continue) depends on whether the body came with the head: not compared.
            if r.status < 200 { continue }
            let json = (try? r.json()).map { j in "\(j["status"] ?? "")|\(j["detail"] ?? "")" }
            responses.append("\(r.status) \(json ?? r.text)")
        }
        return responses
    }

    @Test("the server answers the same whether a stream arrives whole or a byte (or seven) at a time",
          arguments: ValidCase.all.map { ($0.name, $0.bytes) } + RejectionCase.all.filter { $0.limits == HTTPParserLimits() }
              .prefix(25).map { ($0.name, $0.bytes) })
    func fragmentation(_ name: String, _ bytes: [UInt8]) throws {
        var router = Router()
        router.on(.get, "/*rest") { r, _ in .text("\(r.method) \(r.path) \(r.body.count)") }
        router.on(.post, "/*rest") { r, _ in .text("\(r.method) \(r.path) \(String(decoding: r.body, as: UTF8.self))") }
        router.on(.put, "/*rest") { r, _ in .text("\(r.method) \(r.path) \(r.body.count)") }
        router.on(.delete, "/*rest") { r, _ in .text("\(r.method) \(r.path)") }
        try withServer(router: router) { _, port in
            let whole = try Self.exchange(port, bytes, chunkSize: bytes.count)
            #expect(!whole.isEmpty)
            #expect(try Self.exchange(port, bytes, chunkSize: 1) == whole)
            #expect(try Self.exchange(port, bytes, chunkSize: 7) == whole)
        }
    }
}
