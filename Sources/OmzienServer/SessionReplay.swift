import Foundation
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienStore
import Synchronization

/// Replays a recorded session log against a fresh server of its own (a temporary database,
/// never the recorded one) and checks that every recorded answer and digest comes out the
/// same (Protocol/SESSION-LOG.md). Deterministic: the server's clock is set to each step's
/// recorded time. Every step is replayed: device pushes, pulls, snapshots and status calls
/// straight on the service (bodies decoded ahead on a reading thread), every other step
/// (admin, partner, enrollment, refused requests) through the sync routes themselves, with
/// the recorded principal standing in for the token the log never holds (R-LOG-7). Only a
/// step whose body was capped when recorded (R-LOG-6) cannot be sent again: one that was
/// refused changed nothing and is skipped; an accepted one ends the replay with a note.
public enum SessionReplay {
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public let step: Int
        public let request: String
        public let field: String
        public let expected: String
        public let actual: String
        public var description: String {
            "step \(step) (\(request)): \(field) differs\n  recorded: \(expected)\n  replayed: \(actual)\n  reproduce: omzien replay LOG --until \(step)"
        }
    }

    public struct Result: Sendable, Equatable {
        public var replayed = 0
        /// Refused steps whose body was capped when recorded (they changed nothing).
        public var skipped = 0
        public var checks = 0
        /// Set when the replay stopped at an accepted step whose body was capped (R-LOG-6).
        public var unreplayable: String?
        public var difference: Difference?
        /// The digest of every store after the last replayed step.
        public var digests: [String: String] = [:]
        /// Seconds spent waiting for the replayed server's answers, and for decoded bodies
        /// (the benchmark prints them; not part of equality).
        public var serverSeconds = 0.0
        public var decodeWaitSeconds = 0.0

        public static func == (a: Result, b: Result) -> Bool {
            a.replayed == b.replayed && a.skipped == b.skipped && a.checks == b.checks && a.difference == b.difference && a.digests == b.digests
                && a.unreplayable == b.unreplayable
        }
    }

    /// Replays exchanges already in memory. `progress(done, total)` after each step.
    /// `keepDatabaseAt`: write the scratch server database there and keep it (for `omzien diff`
    /// between a replica and a log); otherwise the server's database lives in memory.
    public static func run(_ exchanges: [SessionLog.Exchange], until: Int? = nil, keepDatabaseAt: String? = nil,
                           progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        let steps = exchanges.filter { until == nil || $0.step <= until! }
        if isDeviceLog(first: steps.first), let first = steps.first {
            var i = 1
            return try runDevice(first: first, replica: nil, until: until, keepDatabaseAt: keepDatabaseAt, next: { defer { i += 1 }; return i < steps.count ? steps[i] : nil },
                                 progress: progress.map { p in { p($0, steps.count) } })
        }
        let cursor = Mutex(0)
        return try run(keepDatabaseAt: keepDatabaseAt, source: {
            let i = cursor.withLock { i in defer { i += 1 }; return i }
            return i < steps.count ? (steps[i], Double(i + 1) / Double(steps.count)) : nil
        }, progress: progress.map { p in { step, _ in p(step, steps.count) } })
    }

    /// Replays a log as it is read: reading, decoding and the replayed server overlap, and
    /// memory stays bounded by the longest line. `progress(step, fraction of the file read)`.
    /// An error in the log (corrupt, malformed) is thrown when the replay reaches it.
    public static func run(log: SessionLogStream, until: Int? = nil, keepDatabaseAt: String? = nil,
                           progress: ((Int, Double) -> Void)? = nil) throws -> Result {
        let first = try log.next()
        if let first, isDeviceLog(first: first) {
            return try runDevice(first: first, replica: log.header.replica, until: until, keepDatabaseAt: keepDatabaseAt, next: { try log.next() },
                                 progress: progress.map { p in { p($0, log.fileSize > 0 ? Double(log.bytesRead) / Double(log.fileSize) : 0) } })
        }
        let pending = Mutex<SessionLog.Exchange?>(first)
        return try run(keepDatabaseAt: keepDatabaseAt, source: {
            let held = pending.withLock { p in defer { p = nil }; return p }
            guard let e = try held ?? log.next(), until == nil || e.step <= until! else { return nil }
            return (e, log.fileSize > 0 ? Double(log.bytesRead) / Double(log.fileSize) : 0)
        }, progress: progress)
    }

    /// `source` runs on a reading thread of its own: the next exchange and how far along the
    /// log it is, or nil at the end.
    private static func run(keepDatabaseAt: String?, source: @escaping @Sendable () throws -> (SessionLog.Exchange, Double)?,
                            progress: ((Int, Double) -> Void)?) throws -> Result {
        // An in-memory server database unless the caller keeps it (`omzien diff`).
        let databasePath = keepDatabaseAt ?? ":memory:"
        let clock = ReplayClock()
        var configuration = SyncService.Configuration()
        configuration.now = { clock.now.withLock { $0 } }
        configuration.replayAuthentication = true
        let service = try SyncService(path: databasePath, configuration: configuration,
                                      options: .init(durability: .normal))
        defer { service.stop() }
        var result = Result()
        // Steps are read and their bodies decoded on a second thread, a few steps ahead, while
        // this one waits for the database thread: the two overlap on a machine with two cores.
        let reader = Prefetcher(window: 16) { () -> Swift.Result<(SessionLog.Exchange, DecodedStep, Double), any Error>? in
            do {
                guard let (e, fraction) = try source() else { return nil }
                return .success((e, DecodedStep(e), fraction))
            } catch {
                return .failure(error)
            }
        }
        defer { reader.cancel() }
        var done = 0
        var stores = Set<String>()
        let router = SyncRoutes.router(for: service)
        var codes = ReplayCodes()
        while true {
            let waitStart = DispatchTime.now().uptimeNanoseconds
            guard let next = reader.next() else { break }
            let (e, d, fraction) = try next.get()
            let serverStart = DispatchTime.now().uptimeNanoseconds
            result.decodeWaitSeconds += Double(serverStart - waitStart) / 1e9
            defer { result.serverSeconds += Double(DispatchTime.now().uptimeNanoseconds - serverStart) / 1e9 }
            done += 1
            progress?(done, fraction)
            if let store = e.store { stores.insert(store) }
            clock.now.withLock { $0 = e.at }
            let name = "\(e.method) \(e.path)\(e.query.map { "?" + $0 } ?? "")"
            func differ(_ field: String, _ expected: String, _ actual: String) -> Bool {
                result.checks += 1
                guard expected != actual else { return false }
                result.difference = Difference(step: e.step, request: name, field: field, expected: expected, actual: actual)
                return true
            }
            if e.requestCapped {
                // The body is not in the log (R-LOG-6): a refused step changed nothing.
                guard e.status >= 400 else {
                    result.unreplayable = "step \(e.step) (\(name)): its body was capped when recorded, so it cannot be sent again; the steps before it were replayed"
                    break
                }
                result.skipped += 1
                continue
            }
            if e.status == HTTPStatus.tooManyRequests.code {
                // The auth gate's answer to an address that failed too often (R-OPS-4): the
                // service never saw the request, and the replay's gate keeps no such count.
                result.skipped += 1
                continue
            }
            if let store = e.store, let before = e.digestBefore, differ("digest before", before, try service.replayDigest(store: store, recorded: before)) { return result }
            guard !e.authRefused, e.principal.hasPrefix("device:"), (200..<300).contains(e.status), d.fastPath,
                  case let .device(replica, store)? = try? service.replayPrincipal(e.principal) else {
                // Everything else goes through the routes, as it did when recorded.
                var request = HTTPRequest(method: HTTPMethod(e.method), target: e.path + (e.query.map { "?" + $0 } ?? ""), path: e.path, query: e.query,
                                          body: codes.substitute(in: e) ?? [])
                if e.authRefused {
                    // A refused device is named, so that a revoke with a wipe refuses it with its wipe order again (R-PRIV-10).
                    request.headers.add(name: "Authorization", value: "Replay refused" + (e.principal.hasPrefix("device:") ? " " + e.principal : ""))
                } else if e.principal != "anonymous" {
                    request.headers.add(name: "Authorization", value: "Replay " + e.principal)
                }
                let answer = router.respond(to: request)
                if differ("status", "\(e.status)", "\(answer.status.code)") { return result }
                if let (field, recorded, replayed) = RecordedAnswer.firstDifference(recorded: e.response, replayed: answer.body, status: e.status, path: e.path) {
                    if differ(field, recorded, replayed) { return result }
                }
                codes.learn(from: e, replayed: answer.body)
                if let store = e.store, let after = e.digestAfter, differ("digest after", after, try service.replayDigest(store: store, recorded: after)) { return result }
                result.replayed += 1
                continue
            }
            let principal = Principal.device(replica: replica, store: store)
            let recorded = d.answer
            // A capped answer (R-LOG-6) is not in the log: only the digests are checked.
            let answerInLog = !(e.response.map(SessionLog.isCapped) ?? false)
            func differAnswer(_ field: String, _ expected: String, _ actual: String) -> Bool { answerInLog && differ(field, expected, actual) }
            switch Endpoints.endpoint(method: e.method, path: e.path) {
            case .some(Endpoints.push.erased):
                guard let request = d.push else { continue }
                let answer = try service.push(principal, try request.get(), validated: d.validated)
                if differAnswer("held", recorded["held"], "\(answer.held)") { return result }
                if differAnswer("applied", recorded["applied"], "\(answer.applied)") { return result }
                if differAnswer("duplicates", recorded["duplicates"], "\(answer.duplicates)") { return result }
                let quarantined = recorded.list("quarantined").compactMap { $0["id"]?.string }
                if differAnswer("quarantined", quarantined.joined(separator: ","), answer.quarantined.map(\.id.description).joined(separator: ",")) { return result }
            case .some(Endpoints.pull.erased):
                let query = URLComponents(string: "?" + (e.query ?? ""))?.queryItems ?? []
                let cursor = query.first { $0.name == "cursor" }?.value
                let limit = query.first { $0.name == "limit" }?.value.flatMap(Int.init)
                let answer = try service.pull(principal, cursor: cursor, limit: limit)
                let ids = recorded.list("operations").compactMap { $0["id"]?.string }
                if differAnswer("operations", ids.joined(separator: ","), answer.operations.map(\.id.description).joined(separator: ",")) { return result }
                if differAnswer("cursor", recorded["cursor"], answer.cursor) { return result }
            case .some(Endpoints.snapshot.erased):
                let answer = try service.snapshot(principal)
                let snapshotDigest = answer.digest == recorded["digest"] ? answer.digest : try service.replayDigest(store: store, recorded: recorded["digest"])
                if differAnswer("snapshot digest", recorded["digest"], snapshotDigest) { return result }
            case .some(Endpoints.status.erased):
                let answer = try service.status(principal)
                if differAnswer("held", recorded["held"], "\(answer.held)") { return result }
            default:
                continue
            }
            if let after = e.digestAfter, differ("digest after", after, try service.replayDigest(store: store, recorded: after)) { return result }
            result.replayed += 1
        }
        for store in stores { result.digests[store] = try service.digest(store: store).hex }
        return result
    }
}

/// What a step's bodies decode to, worked out ahead of the step (`Prefetcher`).
struct DecodedStep: Sendable {
    var push: Swift.Result<PushRequest, any Error>?
    /// Every operation of the push passed `validate()` (checked here, on the reading thread).
    var validated = false
    var answer: RecordedAnswer
    /// A device's sync call that succeeded: replayed straight on the service.
    var fastPath = false

    init(_ e: SessionLog.Exchange) {
        answer = RecordedAnswer(e.response)
        guard e.principal.hasPrefix("device:"), (200..<300).contains(e.status), !e.authRefused else { return }
        fastPath = [Endpoints.push.erased, Endpoints.pull.erased, Endpoints.snapshot.erased, Endpoints.status.erased]
            .contains { $0.matches(method: e.method, path: e.path) }
        if Endpoints.push.matches(method: e.method, path: e.path), let body = e.request {
            do {
                let request = try PushRequest.decodeFast(body)
                push = .success(request)
                validated = SyncService.allValid(request.operations)
            } catch {
                push = .failure(error)
            }
        }
    }
}

/// Runs `produce` on a thread of its own until it returns nil, at most `window` values ahead
/// of the consumer, who takes them in order with `next()`.
///
/// `@unchecked Sendable`: all state is behind `condition`.
final class Prefetcher<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [T] = []
    private var ended = false
    private var cancelled = false

    init(window: Int, produce: @escaping @Sendable () -> T?) {
        let thread = Thread { [self] in
            while true {
                condition.lock()
                while ready.count >= window && !cancelled { condition.wait() }
                let stop = cancelled
                condition.unlock()
                let value = stop ? nil : produce()
                condition.lock()
                if let value { ready.append(value) } else { ended = true }
                condition.broadcast()
                condition.unlock()
                if value == nil { return }
            }
        }
        thread.name = "omzien-replay-read"
        thread.start()
    }

    /// The next value in order (waits for it); nil once the producer ended.
    func next() -> T? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !ended { condition.wait() }
        guard !ready.isEmpty else { return nil }
        let value = ready.removeFirst()
        condition.broadcast()
        return value
    }

    /// Stops the producer (the consumer stopped early).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A recorded answer's members as text, for comparing with the replayed answer ("-" when absent).
struct RecordedAnswer: Sendable {
    let object: JSONValue?

    init(_ body: [UInt8]?) {
        object = body.flatMap { try? JSONDocument($0).root }.flatMap { $0.isObject ? $0 : nil }
    }

    subscript(key: String) -> String {
        guard let v = object?[key] else { return "-" }
        if let s = v.string { return s }
        if let b = v.bool { return "\(b)" }
        if let i = v.int64 { return "\(i)" }
        if let u = v.uint64 { return "\(u)" }
        return v.typeName
    }

    func list(_ key: String) -> [JSONValue] { object?[key]?.elements ?? [] }
}

final class ReplayClock: Sendable {
    let now = Mutex<UInt64>(0)
}
