// A small server for the HTTP module's subprocess tests, benchmarks and the slowloris tool.
// Prints "listening on <port>" once it accepts connections; exits 0 after SIGTERM/SIGINT and a
// graceful shutdown.
//
// Options: --port N  --host H  --loops N  --workers N  --exec loop|pool  --log
//          --header-timeout-ms N  --request-timeout-ms N  --idle-timeout-ms N
//          --max-body N  --max-connections N  --shutdown-ms N
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OmzienHTTP

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
    exit(64)
}

func parseOptions() -> (HTTPServer.Configuration, Int) {
    var configuration = HTTPServer.Configuration()
    configuration.requestLog = nil
    var shutdownMillis = 10_000
    var arguments = CommandLine.arguments.dropFirst()
    func value(_ name: String) -> String {
        guard let v = arguments.popFirst() else { fail("missing value for \(name)") }
        return v
    }
    func intValue(_ name: String) -> Int {
        guard let v = Int(value(name)) else { fail("\(name) needs a number") }
        return v
    }
    while let arg = arguments.popFirst() {
        switch arg {
        case "--port": configuration.port = intValue(arg)
        case "--host": configuration.host = value(arg)
        case "--loops": configuration.eventLoopThreads = intValue(arg)
        case "--workers": configuration.workerThreads = intValue(arg)
        case "--exec": configuration.handlerExecution = value(arg) == "loop" ? .eventLoop : .workerPool
        case "--log": configuration.requestLog = .standardError
        case "--header-timeout-ms": configuration.headerReadTimeout = .milliseconds(intValue(arg))
        case "--request-timeout-ms": configuration.requestTimeout = .milliseconds(intValue(arg))
        case "--idle-timeout-ms": configuration.idleTimeout = .milliseconds(intValue(arg))
        case "--max-body": configuration.limits.maxBodyBytes = intValue(arg)
        case "--max-connections": configuration.maxConnections = intValue(arg)
        case "--shutdown-ms": shutdownMillis = intValue(arg)
        default: fail("unknown option \(arg)")
        }
    }
    return (configuration, shutdownMillis)
}

let (configuration, shutdownMillis) = parseOptions()

struct Thing: Codable {
    var id: String
    var name: String
}

var router = Router()
// The benchmark's tiny response (nginx serves the same bytes).
router.get("/") { _, _ in .text("ok\n") }
router.post("/upload") { request, _ in .text("received \(request.body.count)\n") }
router.post("/echo") { request, _ in
    HTTPResponse(status: .ok, headers: ["Content-Type": request.headers["Content-Type"] ?? "application/octet-stream"],
                 body: request.body)
}
router.get("/things/:id") { request, _ in try .json(Thing(id: try request.parameter("id"), name: "thing")) }
router.get("/big") { request, _ in
    let count = Int(request.queryValue("bytes") ?? "") ?? 100_000
    return .text(String(repeating: "omzien ", count: count / 7 + 1).prefix(count).description)
}
router.get("/slow") { request, _ in
    let millis = Int(request.queryValue("ms") ?? "") ?? 100
    usleep(UInt32(min(millis, 60_000)) * 1000)
    return .text("slept \(millis)\n")
}
router.get("/conflict") { _, _ in throw HTTPError(status: .conflict, detail: "The thing changed.") }
router.get("/crash") { _, _ in throw CocoaError(.fileReadCorruptFile) }

let server = HTTPServer(configuration: configuration, router: router)
do {
    let signal = try server.run(shutdownDeadline: .milliseconds(shutdownMillis)) { port in
        print("listening on \(port)")
        fflush(nil)
    }
    print("stopped after signal \(signal)")
    exit(0)
} catch {
    FileHandle.standardError.write(Data("omzien-http-testserver: \(error)\n".utf8))
    exit(1)
}
