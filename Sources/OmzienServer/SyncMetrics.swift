import Foundation
import OmzienStore
import OmzienProtocol
import Synchronization

/// The sync service's counters for `/metrics` (Prometheus text format; each metric is
/// described in README.md "Metrics"). Counters count since the server started; the database
/// size and commit groups are read when scraped. Everything here is memory or `stat`, so a
/// scrape never waits for the database thread.
public final class SyncMetrics: Sendable {
    /// Push outcomes: `applied` (something new was stored), `duplicates` (nothing new: a
    /// retry), `quarantined` (some parked), or the problem code of a refused push.
    private let pushes = Mutex<[String: Int]>([:])
    private let operationsIngested = Atomic<Int>(0)
    private let operationsQuarantined = Atomic<Int>(0)
    /// Failed authentications by kind (`token`, `enrollment-code`) and those answered 429.
    private let failedAuth = Mutex<[String: Int]>([:])
    private let rateLimited = Atomic<Int>(0)
    private let databasePath: String
    /// Each device's last push since the server started: when, and its outcome (R-OPS-5).
    private let lastPushes = Mutex<[String: (at: UInt64, outcome: String)]>([:])
    private let service: SyncService

    public init(service: SyncService, databasePath: String) {
        self.service = service
        self.databasePath = databasePath
    }

    func recordPush(_ r: PushResponse) {
        operationsIngested.add(r.applied, ordering: .relaxed)
        operationsQuarantined.add(r.quarantined.count, ordering: .relaxed)
        let outcome = Self.outcome(of: r)
        pushes.withLock { $0[outcome, default: 0] += 1 }
    }

    func recordLastPush(replica: String, at: UInt64, outcome: String) { lastPushes.withLock { $0[replica] = (at, outcome) } }

    /// The devices of `list` with their last push filled in.
    func withLastPushes(_ list: [DeviceInfo]) -> [DeviceInfo] {
        let last = lastPushes.withLock { $0 }
        return list.map { d in
            var d = d
            if let l = last[d.replica] { d.lastPushAt = l.at; d.lastPushOutcome = l.outcome }
            return d
        }
    }

    static func outcome(of r: PushResponse) -> String { !r.quarantined.isEmpty ? "quarantined" : r.applied > 0 ? "applied" : "duplicates" }

    func recordRefusedPush(code: String) { pushes.withLock { $0[code, default: 0] += 1 } }
    func recordFailedAuthentication(kind: String) { failedAuth.withLock { $0[kind, default: 0] += 1 } }
    func recordRateLimited() { rateLimited.add(1, ordering: .relaxed) }

    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    public func render() -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for s in samples { out += name + (s.labels.isEmpty ? "" : "{\(s.labels)}") + " \(s.value)\n" }
        }
        metric("omzien_sync_operations_ingested_total", "counter", "Operations stored by pushes (new to the server).",
               [("", "\(operationsIngested.load(ordering: .relaxed))")])
        metric("omzien_sync_operations_quarantined_total", "counter", "Operations parked in quarantine by pushes (clock too far ahead).",
               [("", "\(operationsQuarantined.load(ordering: .relaxed))")])
        let p = pushes.withLock { $0 }
        metric("omzien_sync_pushes_total", "counter", "Pushes by outcome: applied, duplicates, quarantined, or the problem code of a refused push.",
               p.keys.sorted().map { ("outcome=\"\($0)\"", "\(p[$0]!)") })
        let stats = service.commitStats
        metric("omzien_db_commits_total", "counter", "Group commits (transactions) of the database thread.", [("", "\(stats.commits)")])
        metric("omzien_db_committed_writes_total", "counter", "Write jobs (pushes, admin writes) carried by those commits.", [("", "\(stats.writes)")])
        let groups = service.worker.commitGroupSizes.withLock { $0 }
        var cumulative = 0
        var buckets: [(String, String)] = []
        for (i, bound) in DatabaseWorker.groupSizeBounds.enumerated() {
            cumulative += groups[i]
            buckets.append(("le=\"\(bound)\"", "\(cumulative)"))
        }
        cumulative += groups[DatabaseWorker.groupSizeBounds.count]
        buckets.append(("le=\"+Inf\"", "\(cumulative)"))
        out += "# HELP omzien_db_commit_group_size Write jobs per group commit (cumulative buckets).\n# TYPE omzien_db_commit_group_size histogram\n"
        for (l, v) in buckets { out += "omzien_db_commit_group_size_bucket{\(l)} \(v)\n" }
        out += "omzien_db_commit_group_size_sum \(stats.writes)\nomzien_db_commit_group_size_count \(stats.commits)\n"
        metric("omzien_db_size_bytes", "gauge", "Size of the database file and its write-ahead log.",
               [("file=\"db\"", "\(Self.fileSize(databasePath))"), ("file=\"wal\"", "\(Self.fileSize(databasePath + "-wal"))")])
        let f = failedAuth.withLock { $0 }
        metric("omzien_auth_failures_total", "counter", "Failed authentications: kind token (bad bearer token) or enrollment-code.",
               ["enrollment-code", "token"].map { ("kind=\"\($0)\"", "\(f[$0, default: 0])") })
        metric("omzien_auth_rate_limited_total", "counter", "Requests answered 429 because their address failed authentication too often.",
               [("", "\(rateLimited.load(ordering: .relaxed))")])
        return out
    }
}
