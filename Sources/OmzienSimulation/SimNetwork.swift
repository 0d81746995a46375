import Foundation
import OmzienClient
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import OmzienTestSupport

/// The simulated server: the real `SyncService` behind the real `SyncRoutes`, in process, on
/// a database file that survives a crash (the service is dropped and reopened from the file).
final class SimServer {
    let path: String
    let clock: SimClock
    private(set) var service: SyncService
    private(set) var router: Router
    private(set) var crashes = 0

    init(path: String, clock: SimClock) throws {
        self.path = path
        self.clock = clock
        (service, router) = try Self.open(path, clock)
    }

    static func open(_ path: String, _ clock: SimClock) throws -> (SyncService, Router) {
        var configuration = SyncService.Configuration()
        configuration.now = { clock.now }
        let service = try SyncService(path: path, configuration: configuration, options: .init(durability: .normal))
        return (service, SyncRoutes.router(for: service))
    }

    /// A crash: every in-memory state (caches, rate limits, the database thread) is dropped
    /// and the database is reopened from its file.
    func crash() throws {
        service.stop()
        crashes += 1
        (service, router) = try Self.open(path, clock)
    }

    func stop() { service.stop() }
}

/// Virtual time of the server, moved by the simulation only.
final class SimClock: @unchecked Sendable {
    private let lock = NSLock()
    private var _now: UInt64
    init(_ start: UInt64) { _now = start }
    var now: UInt64 { lock.lock(); defer { lock.unlock() }; return _now }
    func advance(_ ms: UInt64) { lock.lock(); _now += ms; lock.unlock() }
}

/// What the network does with one request.
enum Fault: String, CaseIterable {
    case none, dropRequest, dropAnswer, duplicate, delayCopy, crashBefore, crashAfter
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
        default: return .none
        }
    }

    /// Delivers one request straight to the router (no faults), checks the status.
    /// `address`: the client's address (each actor has its own, so the failed-authentication
    /// limit of R-OPS-4, which runs on the wall clock, never couples honest actors).
    func deliver(method: String, path: String, query: String?, headers: [String: String], body: Data?, address: String = "admin") -> (status: Int, body: [UInt8]) {
        requests += 1
        var h = HTTPHeaders()
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { h.add(name: k, value: v) }
        let request = HTTPRequest(method: HTTPMethod(method), target: path + (query.map { "?" + $0 } ?? ""), path: path, query: query,
                                  headers: h, body: body.map { Array($0) } ?? [])
        let answer = server.router.respond(to: request, context: RequestContext(remoteAddress: address, requestID: "sim-\(requests)", eventLoop: 0))
        if trace { print("    -> \(answer.status.code) \(String(decoding: answer.body.prefix(160), as: UTF8.self))") }
        if answer.status.code >= 500 {
            observed5xx.append("\(method) \(path)\(query.map { "?" + $0 } ?? "") -> \(answer.status.code) \(String(decoding: answer.body.prefix(300), as: UTF8.self)) for body \(String(decoding: (body ?? Data()).prefix(300), as: UTF8.self))")
        }
        if (200..<300).contains(answer.status.code) { onAnswer?(path, headers, answer.status.code, answer.body) }
        return (answer.status.code, answer.body)
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
