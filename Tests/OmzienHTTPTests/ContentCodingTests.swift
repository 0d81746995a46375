import Foundation
import OmzienCompression
@testable import OmzienHTTP
import Testing

@Suite("Content-Encoding of request and response bodies")
struct ContentCodingTests {
    static func router() -> Router {
        var router = Router()
        router.post("/echo") { request, _ in
            var headers: HTTPHeaders = ["X-Had-Content-Encoding": request.headers.contains("Content-Encoding") ? "yes" : "no"]
            headers.add(name: "Content-Type", value: "application/octet-stream")
            return HTTPResponse(status: .ok, headers: headers, body: request.body)
        }
        router.get("/text") { request, _ in .text(String(repeating: "abcdefgh", count: Int(request.queryValue("n") ?? "1") ?? 1)) }
        return router
    }

    static func post(_ port: Int, body: [UInt8], encoding: String) throws -> TestResponse {
        let client = try RawClient(port: port)
        client.send(Array("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: \(encoding)\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        return try client.readResponse()
    }

    /// R-SYNC-1: bodies may be sent with Content-Encoding: gzip.
    @Test("gzip and deflate request bodies reach the handler decoded")
    func decodesRequestBodies() throws {
        let original = Array(String(repeating: "sync operations ", count: 500).utf8)
        try withServer(router: Self.router()) { _, port in
            for (encoding, encoded) in [("gzip", try Compression.gzip(original)), ("x-gzip", try Compression.gzip(original)),
                                        ("deflate", try Compression.deflate(original)), ("identity", original)] {
                let r = try Self.post(port, body: encoded, encoding: encoding)
                #expect(r.status == 200, "\(encoding)")
                #expect(r.body == original, "\(encoding)")
                #expect(r.header("X-Had-Content-Encoding") == "no", "\(encoding)")
            }
        }
    }

    @Test("a small body that inflates beyond the cap gets 413 (decompression bomb)")
    func decompressionBomb() throws {
        var configuration = HTTPServer.Configuration.testing()
        configuration.maxDecompressedBodyBytes = 1 << 20
        let bomb = try Compression.gzip([UInt8](repeating: 0, count: 64 << 20), level: 9)
        #expect(bomb.count < 200_000)
        try withServer(configuration, router: Self.router()) { _, port in
            let r = try Self.post(port, body: bomb, encoding: "gzip")
            #expect(r.status == 413)
            #expect(try r.json()["detail"] as? String == "The decompressed request body is too large.")
            // Exactly at the cap is fine.
            let atCap = try Compression.gzip([UInt8](repeating: 7, count: 1 << 20))
            #expect(try Self.post(port, body: atCap, encoding: "gzip").status == 200)
        }
    }

    @Test("corrupt compressed bodies get 400")
    func corruptBodies() throws {
        try withServer(router: Self.router()) { _, port in
            let good = try Compression.gzip(Array("hello hello hello".utf8))
            for body in [Array("not gzip at all".utf8), Array(good.prefix(good.count - 6)), Array(good.dropFirst(3))] {
                #expect(try Self.post(port, body: body, encoding: "gzip").status == 400)
            }
            #expect(try Self.post(port, body: Array("not zlib".utf8), encoding: "deflate").status == 400)
        }
    }

    @Test("unknown or stacked codings get 415 with Accept-Encoding")
    func unsupportedCodings() throws {
        try withServer(router: Self.router()) { _, port in
            for encoding in ["br", "gzip, gzip", "compress", "zstd"] {
                let r = try Self.post(port, body: Array("x".utf8), encoding: encoding)
                #expect(r.status == 415, "\(encoding)")
                #expect(r.header("Accept-Encoding") == "gzip, deflate")
            }
        }
    }

    @Test("responses are gzipped only when asked for and large enough")
    func responseCompression() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            let expected = Array(String(repeating: "abcdefgh", count: 1000).utf8)
            client.send("GET /text?n=1000 HTTP/1.1\r\nHost: t\r\nAccept-Encoding: deflate, gzip;q=0.5\r\n\r\n")
            let gz = try client.readResponse()
            #expect(gz.header("Content-Encoding") == "gzip" && gz.header("Vary") == "Accept-Encoding")
            #expect(try Compression.inflate(gz.body, format: .gzip, maxOutput: 1 << 20) == expected)
            #expect(gz.body.count < expected.count / 10)

            for (accept, n) in [("gzip", "10"), ("gzip;q=0", "1000"), ("identity", "1000"), ("*;q=0", "1000"), ("br", "1000")] {
                client.send("GET /text?n=\(n) HTTP/1.1\r\nHost: t\r\nAccept-Encoding: \(accept)\r\n\r\n")
                let plain = try client.readResponse()
                #expect(plain.header("Content-Encoding") == nil, "\(accept)")
            }
            client.send("GET /text?n=1000 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().body == expected)

            client.send("HEAD /text?n=1000 HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
            let head = try client.readResponse(isHEAD: true)
            #expect(head.header("Content-Encoding") == "gzip" && head.header("Content-Length") == String(gz.body.count))
            client.shutdownWrite()
            _ = try client.readUntilClose()
            let check = try H11.check([H11.Exchange(methods: ["GET", "GET", "GET", "GET", "GET", "GET", "GET", "HEAD"],
                                                    bytes: client.received)])
            #expect(check[0].error == nil && check[0].responses.count == 8)
        }
    }

    @Test("Accept-Encoding parsing (RFC 9110 §12.5.3)")
    func acceptEncoding() {
        func accepts(_ value: String?) -> Bool {
            var h = HTTPHeaders()
            if let value { h.add(name: "Accept-Encoding", value: value) }
            return ContentCoding.acceptsGzip(h)
        }
        #expect(accepts("gzip"))
        #expect(accepts("GZIP"))
        #expect(accepts("x-gzip"))
        #expect(accepts("deflate, gzip;q=0.1"))
        #expect(accepts("*"))
        #expect(accepts("br;q=1, *;q=0.5"))
        #expect(!accepts(nil))
        #expect(!accepts(""))
        #expect(!accepts("gzip;q=0"))
        #expect(!accepts("gzip;q=0.000"))
        #expect(!accepts("*;q=0"))
        #expect(!accepts("gzip;q=0, *"))
        #expect(!accepts("identity"))
    }
}
