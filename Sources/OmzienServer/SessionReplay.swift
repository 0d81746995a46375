import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import Synchronization

/// Replays a recorded session log against a fresh server of its own (a temporary database,
/// never the recorded one) and checks that every recorded answer and digest comes out the
/// same (Protocol/SESSION-LOG.md). Deterministic: the server's clock is set to each step's
/// recorded time. Replayed: device pushes, pulls, snapshots and status calls; other steps
/// (admin, partner, enrollment) are counted and skipped, since they carry secrets that logs
/// never hold.
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
        public var skipped = 0
        public var checks = 0
        public var difference: Difference?
        /// The digest of every store after the last replayed step.
        public var digests: [String: String] = [:]
    }

    /// `keepDatabaseAt`: write the scratch server database there and keep it (for `omzien diff`
    /// between a replica and a log); otherwise it lives in a temporary directory, removed after.
    public static func run(_ exchanges: [SessionLog.Exchange], until: Int? = nil, keepDatabaseAt: String? = nil,
                           progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let databasePath = keepDatabaseAt ?? dir.appendingPathComponent("replay.sqlite").path
        let clock = ReplayClock()
        var configuration = SyncService.Configuration()
        configuration.now = { clock.now.withLock { $0 } }
        let service = try SyncService(path: databasePath, configuration: configuration,
                                      options: .init(durability: .normal))
        defer { service.stop() }
        var result = Result()
        let steps = exchanges.filter { until == nil || $0.step <= until! }
        for (i, e) in steps.enumerated() {
            progress?(i + 1, steps.count)
            guard e.principal.hasPrefix("device:"), let store = e.store, let replica = try? ReplicaID(String(e.principal.dropFirst("device:".count))),
                  (200..<300).contains(e.status) else {
                result.skipped += 1
                continue
            }
            clock.now.withLock { $0 = e.at }
            let principal = Principal.device(replica: replica, store: store)
            let name = "\(e.method) \(e.path)\(e.query.map { "?" + $0 } ?? "")"
            func differ(_ field: String, _ expected: String, _ actual: String) -> Bool {
                result.checks += 1
                guard expected != actual else { return false }
                result.difference = Difference(step: e.step, request: name, field: field, expected: expected, actual: actual)
                return true
            }
            // Partner follow-up was written by the server on the partner's behalf in a partner
            // step (skipped here): a device pull carries those operations; bring them in first.
            if e.path == "/v1/sync/pull", let body = e.response, let page = try? PullResponse.decodeFast(Data(body)) {
                try service.replayIngest(page.operations.filter { $0.id.replica.rawValue.hasPrefix("partner-") }, store: store)
            }
            if let before = e.digestBefore, differ("digest before", before, try service.digest(store: store).hex) { return result }
            let recorded = e.response.flatMap { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] } ?? [:]
            switch (e.method, e.path) {
            case ("POST", "/v1/sync/push"):
                guard let body = e.request else { result.skipped += 1; continue }
                let answer = try service.push(principal, try PushRequest.decodeFast(Data(body)))
                if differ("held", "\(recorded["held"] ?? "-")", "\(answer.held)") { return result }
                if differ("applied", "\(recorded["applied"] ?? "-")", "\(answer.applied)") { return result }
                if differ("duplicates", "\(recorded["duplicates"] ?? "-")", "\(answer.duplicates)") { return result }
                let quarantined = ((recorded["quarantined"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                if differ("quarantined", quarantined.joined(separator: ","), answer.quarantined.map(\.id.description).joined(separator: ",")) { return result }
            case ("GET", "/v1/sync/pull"):
                let query = URLComponents(string: "?" + (e.query ?? ""))?.queryItems ?? []
                let cursor = query.first { $0.name == "cursor" }?.value
                let limit = query.first { $0.name == "limit" }?.value.flatMap(Int.init)
                let answer = try service.pull(principal, cursor: cursor, limit: limit)
                let ids = ((recorded["operations"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                if differ("operations", ids.joined(separator: ","), answer.operations.map(\.id.description).joined(separator: ",")) { return result }
                if differ("cursor", "\(recorded["cursor"] ?? "-")", answer.cursor) { return result }
            case ("GET", "/v1/sync/snapshot"):
                let answer = try service.snapshot(principal)
                if differ("snapshot digest", "\(recorded["digest"] ?? "-")", answer.digest) { return result }
            case ("GET", "/v1/sync/status"):
                let answer = try service.status(principal)
                if differ("held", "\(recorded["held"] ?? "-")", "\(answer.held)") { return result }
            default:
                result.skipped += 1
                continue
            }
            if let after = e.digestAfter, differ("digest after", after, try service.digest(store: store).hex) { return result }
            result.replayed += 1
        }
        for store in Set(steps.compactMap(\.store)) { result.digests[store] = try service.digest(store: store).hex }
        return result
    }
}

final class ReplayClock: Sendable {
    let now = Mutex<UInt64>(0)
}
