import Foundation
import OmzienClient
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import OmzienTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The simulated server: the real `SyncService` behind the real `SyncRoutes`, on a database
/// file that survives a crash (the service is dropped and reopened from the file). In process
/// by default; in the loopback mode the real HTTP server on 127.0.0.1 in front of it; in the
/// child mode a real `omzien serve` process, and a crash is a SIGKILL of it.
final class SimServer {
    let path: String
    let clock: SimClock
    let mode: Simulation.ServerMode
    /// The in-process service (nil in the child mode).
    private(set) var service: SyncService?
    private(set) var router: Router?
    /// The HTTP server of the loopback mode.
    private(set) var http: SyncServer?
    private(set) var child: ServeChild?
    private(set) var port = 0
    private(set) var crashes = 0
    /// What the child's purges at start erased since `purgeExpired` last asked.
    private var purgedAtStarts = 0

    var overTheWire: Bool { mode != .inProcess }

    /// The server's retention periods (nil: `serve --no-retention`, which the checks catch).
    let retention: RetentionPolicy?

    init(path: String, clock: SimClock, mode: Simulation.ServerMode, retention: RetentionPolicy? = .defaults) throws {
        self.path = path
        self.clock = clock
        self.mode = mode
        self.retention = retention
        try open()
    }

    func open() throws {
        var configuration = SyncService.Configuration()
        let clock = self.clock
        configuration.now = { clock.now }
        configuration.retention = retention
        switch mode {
        case .inProcess:
            let service = try SyncService(path: path, configuration: configuration, options: .init(durability: .normal))
            (self.service, router) = (service, SyncRoutes.router(for: service))
        case .loopback:
            var http = HTTPServer.Configuration()
            http.eventLoopThreads = 1
            http.requestLog = nil
            // Every actor comes from 127.0.0.1 here; a late copy of an enrollment is a
            // failed code, and enough of them would close enrollment for the address
            // (R-OPS-4). The in-process mode gives each actor an address of its own.
            let server = try SyncServer(databasePath: path, http: http, service: configuration, database: .init(durability: .normal), authFailureBurst: 1_000_000)
            port = try server.start()
            (self.service, router, self.http) = (server.service, SyncRoutes.router(for: server.service), server)
        case let .child(binary):
            let child = try ServeChild(binary: binary, database: path, ahead: clock.leapt)
            (self.child, port) = (child, child.port)
            purgedAtStarts += child.purgedAtStart
        }
    }

    /// A crash: every in-memory state (caches, rate limits, the database thread, the
    /// listening socket and its connections) is dropped and the database is reopened from its
    /// file. In the child mode the process is killed with SIGKILL, in the middle of whatever
    /// it was doing (a group commit, a checkpoint).
    func crash() throws {
        if let child { child.kill() } else { stop() }
        crashes += 1
        try open()
    }

    func stop() {
        if let child { child.terminate() } else if let http { http.stop(deadline: .milliseconds(100)) } else { service?.stop() }
        (service, router, http, child) = (nil, nil, nil, nil)
    }

    /// The admin token the server created on its first start.
    func adminToken() throws -> String? {
        if let service { return try service.bootstrapAdminToken() }
        return try String(contentsOfFile: path + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server's digest of a store.
    func digest(store: String) throws -> SHA256Digest {
        try withService { try $0.digest(store: store) }
    }

    /// Runs `body` on the service. In the child mode the process is stopped (SIGTERM), the
    /// database opened here on the simulation's clock, and the process started again, on a
    /// clock as far ahead as the leaps have moved it (the restart purges, R-PRIV-18).
    func withService<T>(_ body: (SyncService) throws -> T) throws -> T {
        if let service { return try body(service) }
        child?.terminate()
        child = nil
        let result: T
        do {
            var configuration = SyncService.Configuration()
            let clock = self.clock
            configuration.now = { clock.now }
            configuration.retention = retention
            let service = try SyncService(path: path, configuration: configuration, options: .init(durability: .normal))
            defer { service.stop() }  // before the child opens the file again
            result = try body(service)
        }
        try open()
        return result
    }

    /// What the server's own purge erased: in process the hourly schedule's call; in the
    /// child mode the purges `omzien serve` ran at its starts since the last call, the last
    /// of them a restart on the moved clock.
    func purgeExpired() throws -> Int {
        if let service { return try service.purgeExpired().total }
        child?.terminate()
        child = nil
        try open()
        defer { purgedAtStarts = 0 }
        return purgedAtStarts
    }
}

/// `omzien serve` as a child process on 127.0.0.1 and a free port (the simulation's child
/// mode). Its output is drained on a thread of its own, so that it can never block on a full
/// pipe.
final class ServeChild: @unchecked Sendable {
    let process = Process()
    let port: Int

    struct Failed: Error, CustomStringConvertible { var description: String }

    /// How many records the server's purge at start erased (its "Retention:" line).
    private(set) var purgedAtStart = 0
    /// Debian's `faketime` (Tools/install-deps.sh installs it).
    static let faketime = "/usr/bin/faketime"

    /// `ahead`: milliseconds the child's clock runs ahead of the wall clock (after leaps),
    /// through the `faketime` wrapper. (Preloading libfaketime without the wrapper's shared
    /// memory leaves a Swift program without its command line.) The wrapper forks: `kill` and
    /// `terminate` signal the server, its child, first.
    init(binary: String, database: String, ahead: UInt64 = 0) throws {
        let arguments = ["serve", "--db", database, "--host", "127.0.0.1", "--port", "0", "--quiet"]
        if ahead > 0 {
            guard FileManager.default.isExecutableFile(atPath: Self.faketime) else {
                throw Failed(description: "a leap in the child mode needs \(Self.faketime): run Tools/install-deps.sh")
            }
            process.executableURL = URL(fileURLWithPath: Self.faketime)
            process.arguments = ["-f", "+\(ahead / 1000)s", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let reader = out.fileHandleForReading
        var text = ""
        var found: Int?
        let deadline = Date().addingTimeInterval(30)
        while found == nil, Date() < deadline {
            let data = reader.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let found else {
            process.terminate()
            throw Failed(description: "omzien serve did not start: \(text.suffix(500))")
        }
        port = found
        // "Retention: erased 2 closed, 1 draft", printed before the server listens.
        if let range = text.range(of: "Retention: erased ") {
            let line = text[range.upperBound...].prefix { $0 != "\n" }
            purgedAtStart = line.components(separatedBy: ", ").compactMap { Int($0.prefix { $0.isNumber }) }.reduce(0, +)
        }
        Thread { while !reader.availableData.isEmpty {} }.start()
    }

    func kill() { signal(SIGKILL) }

    func terminate() { signal(SIGTERM) }

    /// Signals the server (the wrapper's child, if there is a wrapper, first) and waits for it.
    private func signal(_ number: Int32) {
        let pid = process.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        for child in children.split(separator: " ").compactMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            Glibc.kill(child, number)
        }
        Glibc.kill(pid, number)
        process.waitUntilExit()
    }
}

/// Virtual time of the server, moved by the simulation only.
final class SimClock: @unchecked Sendable {
    private let lock = NSLock()
    private var _now: UInt64
    /// The wall clock instead (the child mode: a process of its own cannot share virtual time).
    let wall: Bool
    init(_ start: UInt64, wall: Bool = false) {
        _now = start
        self.wall = wall
    }
    /// How far leaps moved the wall clock (the child mode; the child runs that far ahead).
    private var _leapt: UInt64 = 0
    var now: UInt64 {
        lock.lock(); defer { lock.unlock() }
        return wall ? HybridClock.physicalNowMillis() + _leapt : _now
    }
    var leapt: UInt64 { lock.lock(); defer { lock.unlock() }; return _leapt }
    /// A tick: virtual time moves; the wall clock moves by itself.
    func advance(_ ms: UInt64) { lock.lock(); _now += ms; lock.unlock() }
    /// A leap (months pass): virtual time, or the wall clock's offset in the child mode.
    func leap(_ ms: UInt64) {
        lock.lock()
        if wall { _leapt += ms } else { _now += ms }
        lock.unlock()
    }
}

/// What the network does with one request.
enum Fault: String, CaseIterable {
    case none, dropRequest, dropAnswer, duplicate, delayCopy, crashBefore, crashAfter
    /// Loopback mode only: the connection is cut after part of the request (the server must
    /// not act on it), or after part of the answer (it did; the client cannot know).
    case cutRequest, cutAnswer
}

/// The network between every actor and the server. Single-threaded: the simulation calls it
/// from one thread, and the fault of each request comes from the current step's seed.
final class SimNetwork: @unchecked Sendable {
    let server: SimServer
    var rng = SplitMix64(seed: 0)
    /// No faults (after the network heals).
    var healed = false
    var faultsEnabled = true
    /// Requests delivered once and kept for a later, out-of-order second delivery.
    var stale: [(method: String, path: String, query: String?, headers: [String: String], body: Data?, address: String)] = []
    var requests = 0
    /// Connections cut half-way (loopback mode).
    var cuts = 0
    var avoid: Set<Simulation.KnownDefect> = []
    /// OMZIEN_SIM_TRACE=1: print every request and its fault.
    let trace = ProcessInfo.processInfo.environment["OMZIEN_SIM_TRACE"] == "1"
    var observed5xx: [String] = []
    /// Called with every 2xx answer (the scope checks look at them).
    var onAnswer: ((_ path: String, _ headers: [String: String], _ status: Int, _ body: [UInt8]) -> Void)?

    init(server: SimServer) { self.server = server }

    func fault() -> Fault {
        guard faultsEnabled, !healed else { return .none }
        let roll = Int.random(in: 0..<100, using: &rng)
        switch roll {
        case 0..<6: return .dropRequest
        case 6..<12: return .dropAnswer
        case 12..<16: return .duplicate
        case 16..<20: return .delayCopy
        case 20: return .crashBefore
        case 21: return .crashAfter
        case 22..<25 where server.overTheWire: return .cutRequest
        case 25..<28 where server.overTheWire: return .cutAnswer
        default: return .none
        }
    }

    /// Delivers one request straight to the router (no faults), checks the status.
    /// `address`: the client's address (each actor has its own, so the failed-authentication
    /// limit of R-OPS-4, which runs on the wall clock, never couples honest actors).
    func deliver(method: String, path: String, query: String?, headers: [String: String], body: Data?, address: String = "admin") -> (status: Int, body: [UInt8]) {
        // A connection that fails without a cut is a defect of the server (a 599 here, so
        // that the 5xx invariant reports it with the request).
        deliver(method: method, path: path, query: query, headers: headers, body: body, address: address, cut: .none) ?? (599, Array("the connection closed without an answer".utf8))
    }

    /// One delivery; nil when the connection was cut (loopback mode).
    func deliver(method: String, path: String, query: String?, headers: [String: String], body: Data?, address: String, cut: LoopbackWire.Cut) -> (status: Int, body: [UInt8])? {
        requests += 1
        let target = path + (query.map { "?" + $0 } ?? "")
        let status: Int, answerBody: [UInt8]
        if server.overTheWire {
            do {
                guard let answer = try LoopbackWire.exchange(port: server.port, method: method, target: target, headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                                             body: body.map { Array($0) } ?? [], cut: cut) else {
                    if cut == .none { observed5xx.append("\(method) \(target): the connection closed without an answer") }
                    return nil
                }
                (status, answerBody) = answer
            } catch {
                observed5xx.append("\(method) \(target): \(error)")
                return nil
            }
        } else {
            var h = HTTPHeaders()
            for (k, v) in headers.sorted(by: { $0.key < $1.key }) { h.add(name: k, value: v) }
            let request = HTTPRequest(method: HTTPMethod(method), target: target, path: path, query: query, headers: h, body: body.map { Array($0) } ?? [])
            let answer = server.router!.respond(to: request, context: RequestContext(remoteAddress: address, requestID: "sim-\(requests)", eventLoop: 0))
            (status, answerBody) = (answer.status.code, answer.body)  // cuts are drawn over the wire only (`fault()`)
        }
        if trace { print("    -> \(status) \(String(decoding: answerBody.prefix(160), as: UTF8.self))") }
        if status >= 500 {
            observed5xx.append("\(method) \(target) -> \(status) \(String(decoding: answerBody.prefix(300), as: UTF8.self)) for body \(String(decoding: (body ?? Data()).prefix(300), as: UTF8.self))")
        }
        if (200..<300).contains(status) { onAnswer?(path, headers, status, answerBody) }
        return (status, answerBody)
    }

    /// Delivers the stale copies that the dice pick (out of order, late).
    func deliverStale() {
        guard !stale.isEmpty else { return }
        let i = Int.random(in: 0..<stale.count, using: &rng)
        let s = stale.remove(at: i)
        _ = deliver(method: s.method, path: s.path, query: s.query, headers: s.headers, body: s.body, address: s.address)
    }

    func transport(_ address: String) -> SimTransport { SimTransport(network: self, address: address) }
}

/// An `HTTPTransport` into the simulated network.
final class SimTransport: HTTPTransport, @unchecked Sendable {
    let network: SimNetwork
    let address: String
    init(network: SimNetwork, address: String) {
        self.network = network
        self.address = address
    }

    func send(method: String, url: URL, headers: [String: String], body: Data?) throws -> (status: Int, body: Data) {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = components?.percentEncodedPath ?? url.path
        let query = components?.percentEncodedQuery
        var fault = network.fault()
        if fault == .delayCopy, path == "/v1/enroll", network.avoid.contains(.lateEnrollReplacesToken) { fault = .none }
        if network.trace { print("  \(method) \(path)\(query.map { "?" + $0 } ?? "") fault=\(fault.rawValue)") }
        switch fault {
        case .dropRequest: throw ClientError.offline("simulated: the request was lost")
        case .crashBefore:
            try network.server.crash()
            throw ClientError.offline("simulated: the server crashed before the request")
        case .cutRequest, .cutAnswer:
            // Cut after a random share of the bytes (at least one, never all of them).
            let size = (body?.count ?? 0) + 200
            let at = Int.random(in: 1..<max(2, size), using: &network.rng)
            network.cuts += 1
            _ = network.deliver(method: method, path: path, query: query, headers: headers, body: body, address: address,
                                cut: fault == .cutRequest ? .request(afterBytes: at) : .answer(afterBytes: at))
            throw ClientError.offline("simulated: the connection was cut (\(fault.rawValue))")
        default: break
        }
        var answer = network.deliver(method: method, path: path, query: query, headers: headers, body: body, address: address)
        switch fault {
        case .dropAnswer: throw ClientError.offline("simulated: the answer was lost")
        case .crashAfter:
            try network.server.crash()
            throw ClientError.offline("simulated: the server crashed before answering")
        case .duplicate: answer = network.deliver(method: method, path: path, query: query, headers: headers, body: body, address: address)
        case .delayCopy: network.stale.append((method, path, query, headers, body, address))
        default: break
        }
        return (answer.status, Data(answer.body))
    }
}
