#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OmzienHTTP
import Synchronization
import Testing

/// A short load from many threads at once (the full load test is Tools/bench-http.sh): every
/// response must belong to its request, across loops, the worker pool and pipelining.
@Suite("Concurrent clients")
struct ConcurrencyTests {
    @Test("16 threads, keep-alive, pipelining, loop and pool handlers: every answer matches its request")
    func manyClients() throws {
        var router = Router()
        router.get("/loop/:id", execution: .eventLoop) { r, _ in .text("loop \(try r.parameter("id"))") }
        router.get("/pool/:id") { r, _ in .text("pool \(try r.parameter("id"))") }
        router.post("/echo/:id") { r, _ in .text("echo \(try r.parameter("id")) \(r.body.count)") }
        var configuration = HTTPServer.Configuration.testing()
        configuration.eventLoopThreads = 2
        configuration.workerThreads = 3
        try withServer(configuration, router: router) { _, port in
            let failures = Mutex<[String]>([])
            let done = DispatchGroup()
            for t in 0..<16 {
                done.enter()
                Thread {
                    defer { done.leave() }
                    do {
                        var client = try RawClient(port: port)
                        for i in 0..<60 {
                            let id = "\(t)-\(i)"
                            if i % 15 == 14 {
                                // A new connection now and then.
                                client.send("GET /loop/\(id) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                                let r = try client.readResponse()
                                if r.text != "loop \(id)" { failures.withLock { $0.append("\(id): \(r.text)") } }
                                _ = try client.readUntilClose()
                                client = try RawClient(port: port)
                                continue
                            }
                            // A pipelined burst of three kinds.
                            let body = String(repeating: "b", count: i * 37)
                            client.send("GET /pool/\(id) HTTP/1.1\r\nHost: t\r\n\r\n"
                                + "POST /echo/\(id) HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                                + "GET /loop/\(id) HTTP/1.1\r\nHost: t\r\n\r\n")
                            let expected = ["pool \(id)", "echo \(id) \(body.utf8.count)", "loop \(id)"]
                            for e in expected {
                                let r = try client.readResponse()
                                if r.text != e { failures.withLock { $0.append("\(id): expected \(e), got \(r.text)") } }
                            }
                        }
                    } catch {
                        failures.withLock { $0.append("thread \(t): \(error)") }
                    }
                }.start()
            }
            // Scrape metrics meanwhile.
            let scraper = try RawClient(port: port)
            for _ in 0..<20 {
                scraper.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try scraper.readResponse().status == 200)
            }
            #expect(done.wait(timeout: .now() + 60) == .success)
            let found = failures.withLock { $0 }
            #expect(found.isEmpty, "\(found.prefix(5))")
            scraper.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
            let metrics = try scraper.readResponse().text
            // 16 threads × (56 bursts × 3 + 4 single) requests were answered.
            let answered = metrics.split(separator: "\n").filter { $0.hasPrefix("omzien_http_requests_total{route=\"/") && !$0.contains("/metrics") }
                .compactMap { Int($0.split(separator: " ").last!) }.reduce(0, +)
            #expect(answered == 16 * (56 * 3 + 4))
        }
    }
}
