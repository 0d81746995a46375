// hb-bench: the benchmark's two endpoints on Hummingbird 2, on 127.0.0.1.
//   hb-bench [--port N] [--threads N]
// --port 0 (the default) binds any free port; "listening on PORT" is printed on stdout once bound.
// --threads: event-loop threads (default 2).
//   GET /         -> "ok\n" (text/plain; charset=utf-8)
//   POST /upload  -> reads the whole body (at most 1 MiB), then "received\n"
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: hb-bench [--port N] [--threads N]\n".utf8))
    exit(2)
}

func parseOptions() -> (port: Int, threads: Int) {
    var options = (port: 0, threads: 2)
    var arguments = CommandLine.arguments.dropFirst()
    while let flag = arguments.popFirst() {
        guard let value = arguments.popFirst().flatMap({ Int($0) }) else { usage() }
        switch flag {
        case "--port" where (0...65535).contains(value): options.port = value
        case "--threads" where value > 0: options.threads = value
        default: usage()
        }
    }
    return options
}

let (port, threads) = parseOptions()

let maxBody = 1 << 20

let router = Router()
router.get("/") { _, _ in
    "ok\n"
}
router.post("/upload") { request, _ -> String in
    do {
        _ = try await request.body.collect(upTo: maxBody)
    } catch is NIOTooManyBytesError {
        throw HTTPError(.contentTooLarge)
    }
    return "received\n"
}

var logger = Logger(label: "hb-bench")
logger.logLevel = .warning

let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil, backlog: 1024),
    onServerRunning: { channel in
        print("listening on \(channel.localAddress?.port ?? 0)")
        fflush(nil)  // stdout is a pipe in the benchmark: flush so the script sees the port now
    },
    eventLoopGroupProvider: .shared(eventLoopGroup),
    logger: logger
)
try await app.runService()
try await eventLoopGroup.shutdownGracefully()
