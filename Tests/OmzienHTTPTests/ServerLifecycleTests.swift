#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OmzienHTTP
import Synchronization
import Testing

@Suite("Server timeouts, metrics, logging and shutdown")
struct ServerLifecycleTests {
    static func router(entered: Gate? = nil, release: Gate? = nil) -> Router {
        var router = Router()
        router.get("/hello") { _, _ in .text("hello") }
        router.post("/echo") { request, _ in HTTPResponse(status: .ok, body: request.body) }
        router.get("/hold") { _, _ in
            entered?.open()
            _ = release?.wait()
            return .text("released")
        }
        return router
    }

    static func shortTimeouts() -> HTTPServer.Configuration {
        var c = HTTPServer.Configuration.testing()
        c.headerReadTimeout = .milliseconds(300)
        c.requestTimeout = .milliseconds(600)
        c.idleTimeout = .milliseconds(300)
        c.lingerTimeout = .milliseconds(300)
        return c
    }

    @Test("an incomplete head gets 408 and the connection is closed")
    func headerTimeout() throws {
        try withServer(Self.shortTimeouts(), router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: ")
            let r = try client.readResponse()
            #expect(r.status == 408)
            #expect(r.header("Connection") == "close")
            #expect(try client.isClosedByServer())
        }
    }

    @Test("a body that does not arrive in time gets 408 (slow body)")
    func requestTimeout() throws {
        try withServer(Self.shortTimeouts(), router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly a little")
            let r = try client.readResponse()
            #expect(r.status == 408)
            #expect(try client.isClosedByServer())
        }
    }

    @Test("trickling one byte at a time does not extend the header deadline")
    func tricklingDoesNotHelp() throws {
        try withServer(Self.shortTimeouts(), router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            let head = Array("GET /hello HTTP/1.1\r\nHost: t\r\nX-Padding: \(String(repeating: "p", count: 200))\r\n\r\n".utf8)
            var sent = 0
            // One byte every 10 ms would need > 2 s; the deadline is 300 ms from the first byte.
            while sent < head.count && client.send([head[sent]]) {
                sent += 1
                usleep(10_000)
            }
            let r = try client.readResponse()
            #expect(r.status == 408)
            #expect(sent < head.count)
        }
    }

    @Test("an idle keep-alive connection is closed without a response")
    func idleTimeout() throws {
        try withServer(Self.shortTimeouts(), router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            #expect(try client.readUntilClose().isEmpty)
            #expect(client.sawEOF)
            let silent = try RawClient(port: port)
            #expect(try silent.readUntilClose().isEmpty)
            #expect(silent.sawEOF)
        }
    }

    @Test("/healthz answers 200 while serving")
    func health() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.status == 200 && r.text == "{\"status\":\"ok\"}")
            #expect(r.header("Content-Type") == "application/json")
        }
    }

    @Test("/metrics: requests by route and status, latency histogram, connections, bytes")
    func metrics() throws {
        try withServer(router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            for _ in 0..<3 {
                client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                _ = try client.readResponse()
            }
            client.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")
            _ = try client.readResponse()
            _ = try client.readResponse()
            client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.status == 200)
            #expect(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            let lines = r.text.split(separator: "\n").map(String.init)
            #expect(lines.contains("omzien_http_requests_total{route=\"/hello\",status=\"200\"} 3"))
            #expect(lines.contains("omzien_http_requests_total{route=\"unmatched\",status=\"404\"} 1"))
            #expect(lines.contains("omzien_http_requests_total{route=\"/echo\",status=\"200\"} 1"))
            #expect(lines.contains("omzien_http_request_duration_seconds_count{route=\"/hello\"} 3"))
            #expect(lines.contains("omzien_http_request_duration_seconds_bucket{route=\"/hello\",le=\"+Inf\"} 3"))
            #expect(lines.contains("omzien_http_open_connections 1"))
            #expect(lines.contains("omzien_http_requests_in_progress 0"))
            func value(_ name: String) -> Double? {
                lines.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
            }
            #expect((value("omzien_http_received_bytes_total") ?? 0) > 100)
            #expect((value("omzien_http_sent_bytes_total") ?? 0) > 100)
            // Every sample line is well-formed exposition text; buckets are cumulative.
            var previousBucket: (String, Double)?
            for line in lines where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 2 && Double(parts[1]) != nil, "\(line)")
                #expect(line.range(of: #"^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? "#, options: .regularExpression) != nil, "\(line)")
                if line.contains("_bucket{") {
                    let route = String(line[..<line.range(of: ",le=")!.lowerBound])
                    let v = Double(parts[1])!
                    if let p = previousBucket, p.0 == route { #expect(v >= p.1, "\(line)") }
                    previousBucket = (route, v)
                }
            }
        }
    }

    @Test("one structured log entry per request, also for rejected requests")
    func requestLog() throws {
        let entries = Mutex<[RequestLogEntry]>([])
        var configuration = HTTPServer.Configuration.testing()
        configuration.requestLog = RequestLogSink { entry in entries.withLock { $0.append(entry) } }
        try withServer(configuration, router: Self.router()) { _, port in
            let client = try RawClient(port: port)
            client.send("POST /echo?secret=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi")
            let ok = try client.readResponse()
            client.send("GET / HTTP/1.1\r\nHost : t\r\n\r\n")
            let bad = try client.readResponse()
            let logged = entries.withLock { $0 }
            #expect(logged.count == 2)
            guard logged.count == 2 else { return }
            #expect(logged[0].requestID == ok.header("X-Request-Id"))
            #expect(logged[0].method == "POST" && logged[0].path == "/echo" && logged[0].route == "/echo")
            #expect(logged[0].status == 200 && logged[0].bytesIn > 40 && logged[0].bytesOut > 40)
            #expect(logged[0].remoteAddress.hasPrefix("127.0.0.1:"))
            #expect(logged[1].status == 400 && logged[1].requestID == bad.header("X-Request-Id"))
            #expect(logged[1].error == "rejected: " + HTTPParseError.whitespaceBeforeColon.description)
            let line = logged[0].jsonLine
            #expect(!line.contains("secret"), "queries stay out of the log")
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(Set(object?.keys.map { $0 } ?? []) == ["ts", "id", "method", "path", "route", "status",
                                                            "duration_ms", "bytes_in", "bytes_out", "remote"])
        }
    }

    @Test("shutdown lets a request in flight finish, closes idle connections and stops accepting")
    func gracefulShutdown() throws {
        let entered = Gate(), release = Gate()
        let server = HTTPServer(configuration: .testing(), router: Self.router(entered: entered, release: release))
        let port = try server.start()
        let busy = try RawClient(port: port)
        busy.send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n")
        let idle = try RawClient(port: port)
        idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.readResponse().status == 200)
        #expect(entered.wait())
        let done = Gate()
        Thread {
            server.shutdown(deadline: .seconds(10))
            done.open()
        }.start()
        // The idle connection is closed by the shutdown, without a response.
        #expect(try idle.readUntilClose().isEmpty && idle.sawEOF)
        // New connections are refused once the listener is closed.
        #expect(throws: RawClient.ClientError.self) { try RawClient(port: port) }
        release.open()
        let r = try busy.readResponse()
        #expect(r.status == 200 && r.text == "released")
        #expect(r.header("Connection") == "close")
        #expect(try busy.isClosedByServer())
        #expect(done.wait())
        #expect(server.port == nil)
    }

    @Test("shutdown gives up on requests still running at the deadline")
    func shutdownDeadline() throws {
        let entered = Gate(), release = Gate()
        defer { release.open() }
        let server = HTTPServer(configuration: .testing(), router: Self.router(entered: entered, release: release))
        let port = try server.start()
        let busy = try RawClient(port: port)
        busy.send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(entered.wait())
        server.shutdown(deadline: .milliseconds(200))
        #expect(try busy.readUntilClose().isEmpty)
        #expect(busy.sawEOF)
    }

    @Test("SIGTERM and SIGINT: the server finishes the request in flight and exits 0", arguments: [SIGTERM, SIGINT])
    func sigterm(_ signal: Int32) throws {
        let executable = buildProductsDirectory.appendingPathComponent("omzien-http-testserver").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestFailure.message("build the test server first: swift build --product omzien-http-testserver")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--loops", "1", "--workers", "2"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var firstLine = Data()
        while !firstLine.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            firstLine += chunk
        }
        let line = String(decoding: firstLine, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "listening on ", with: "")) else {
            throw TestFailure.message("unexpected first line: \(line)")
        }
        let busy = try RawClient(port: port)
        busy.send("GET /slow?ms=1000 HTTP/1.1\r\nHost: t\r\n\r\n")
        // Wait until the request is with a worker (polling the server's own gauge).
        var inProgress = false
        let probe = try RawClient(port: port)
        for _ in 0..<500 where !inProgress {
            probe.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
            inProgress = try probe.readResponse().text.contains("omzien_http_requests_in_progress 1")
            if !inProgress { usleep(10_000) }
        }
        #expect(inProgress)
        kill(process.processIdentifier, signal)
        let r = try busy.readResponse()
        #expect(r.status == 200 && r.text == "slept 1000\n")
        #expect(r.header("Connection") == "close")
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(throws: RawClient.ClientError.self) { try RawClient(port: port) }
    }
}
