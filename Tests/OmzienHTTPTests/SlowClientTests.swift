#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OmzienHTTP
import Synchronization
import Testing

/// The reduced slowloris check of the normal suite (the full one with 500 connections and its
/// latency figure is Tools/slowloris.sh): 100 connections that trickle an endless header, send a
/// body slowly, or never read their responses do not keep a normal client from being served.
@Suite("Slow clients")
struct SlowClientTests {
    @Test("with 100 slow connections open, a normal client is still answered")
    func slowlorisDoesNotStarveOthers() throws {
        var router = Router()
        router.get("/hello") { _, _ in .text("hello") }
        router.post("/upload") { request, _ in .text("\(request.body.count)") }
        router.get("/big") { _, _ in .text(String(repeating: "x", count: 256 * 1024)) }
        var configuration = HTTPServer.Configuration.testing()
        configuration.maxConnections = 1000
        try withServer(configuration, router: router) { server, port in
            var slow: [RawClient] = []
            for i in 0..<100 {
                let c = try RawClient(port: port)
                switch i % 4 {
                case 0, 1: c.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow-\(i): ")  // endless header
                case 2: c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nabc")  // slow body
                default:
                    // Never reads: responses pile up until the server stops reading its requests.
                    c.send(String(repeating: "GET /big HTTP/1.1\r\nHost: t\r\n\r\n", count: 50))
                }
                slow.append(c)
            }
            let stop = Atomic<Bool>(false)
            let trickler = Thread { [slow] in
                var n = 0
                while !stop.load(ordering: .relaxed) {
                    for (i, c) in slow.enumerated() where i % 4 != 3 { c.send(i % 4 == 2 ? "x" : "a") }
                    n += 1
                    usleep(20_000)
                }
            }
            trickler.start()
            defer { stop.store(true, ordering: .relaxed) }

            let client = try RawClient(port: port)
            for i in 0..<200 {
                client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                let r = try client.readResponse()
                #expect(r.status == 200 && r.text == "hello", "request \(i)")
            }
            let fresh = try RawClient(port: port)
            fresh.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
            let metrics = try fresh.readResponse().text
            let open = metrics.split(separator: "\n").first { $0.hasPrefix("omzien_http_open_connections ") }
                .flatMap { Int($0.split(separator: " ")[1]) } ?? 0
            #expect(open >= 102, "the slow connections are still open while others are served")
            _ = server
        }
    }
}
