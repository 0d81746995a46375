import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OmzienClient
import OmzienProtocol
import OmzienServer
import OmzienTestSupport
import Testing

/// Failed authentication is rate-limited per client address (issue 10 defect 11, R-OPS-4)
/// and counted in /metrics; a failed enrollment guess costs no database write.
struct AuthRateLimitTests {
    static func raw(_ h: SyncHarness, _ method: String, _ path: String, token: String? = nil, body: String? = nil) throws -> (status: Int, headers: [String: String], body: String) {
        var req = URLRequest(url: h.baseURL.appendingPathComponent(path))
        req.httpMethod = method
        if let token { req.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body { req.httpBody = Data(body.utf8); req.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let done = DispatchSemaphore(value: 0)
        let box = Unshared(NSMutableArray())
        URLSession.shared.dataTask(with: req) { data, response, _ in
            if let r = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (k, v) in r.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
                box.value.add([r.statusCode, headers, String(decoding: data ?? Data(), as: UTF8.self)])
            }
            done.signal()
        }.resume()
        done.wait()
        let a = try #require(box.value.firstObject as? [Any])
        return (a[0] as! Int, a[1] as! [String: String], a[2] as! String)
    }

    @Test func guessingEnrollmentCodesIsLimitedAndCostsNoWrite() throws {
        let h = try SyncHarness(authFailureBurst: 10)
        try h.setUpStores([("store-a", "noord")])
        let before = h.server.service.commitStats
        var statuses: [Int] = []
        var last: (status: Int, headers: [String: String], body: String)?
        for i in 0..<15 {
            last = try Self.raw(h, "POST", "v1/enroll", body: #"{"code":"AAAA-BBBB-CCCC-\#(String(format: "%04d", i))","protocolVersion":1}"#)
            statuses.append(last!.status)
        }
        #expect(statuses.prefix(10).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.suffix(5).allSatisfy { $0 == 429 }, "\(statuses)")
        #expect(Int(last?.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(last?.headers["content-type"]?.hasPrefix("application/problem+json") == true)
        #expect(last?.body.contains("too-many-failed-authentications") == true)
        #expect(h.server.service.commitStats.commits == before.commits, "a failed guess commits nothing")
        // A valid admin token from the same address still works.
        _ = try h.admin.call("GET", "v1/admin/regions", as: [RegionInfo].self)
        let metrics = try Self.raw(h, "GET", "metrics").body
        #expect(metrics.contains(#"omzien_auth_failures_total{kind="enrollment-code"} 10"#), "\(metrics.split(separator: "\n").filter { $0.contains("auth") })")
        #expect(metrics.contains("omzien_auth_rate_limited_total 5"))
    }

    /// `serve --record` (a session log of every request) keeps the limit and the counters:
    /// the recorder wraps the gate, it does not replace it (before, a recording server let
    /// every guess through and counted none).
    @Test func guessingIsLimitedOnARecordingServerToo() throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-rate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logs) }
        let h = try SyncHarness(recordTo: logs.path, authFailureBurst: 3)
        var statuses: [Int] = []
        for i in 0..<5 { statuses.append(try Self.raw(h, "GET", "v1/sync/status", token: "omz_d_guess\(i)").status) }
        #expect(statuses == [401, 401, 401, 429, 429], "\(statuses)")
        let metrics = try Self.raw(h, "GET", "metrics").body
        #expect(metrics.contains(#"omzien_auth_failures_total{kind="token"} 5"#), "\(metrics.split(separator: "\n").filter { $0.contains("auth") })")
        // The log holds the gate's 429s; a replay skips them (the service never saw them).
        let path = try #require(h.server.recorder?.path)
        h.stop()
        let log = try SessionLogReader.read(path: path)
        #expect(log.exchanges.filter { $0.status == 429 }.count == 2)
        let replay = try SessionReplay.run(log.exchanges)
        #expect(replay.difference == nil, "\(replay.difference?.description ?? "")")
        #expect(replay.skipped == 2)
    }

    @Test func badBearerTokensAreLimitedToo() throws {
        let h = try SyncHarness(authFailureBurst: 10)
        var statuses: [Int] = []
        for i in 0..<12 { statuses.append(try Self.raw(h, "GET", "v1/sync/status", token: "omz_d_guess\(i)").status) }
        #expect(statuses.prefix(10).allSatisfy { $0 == 401 } && statuses.suffix(2).allSatisfy { $0 == 429 }, "\(statuses)")
        // No credentials is not a guess.
        for _ in 0..<3 { #expect(try Self.raw(h, "GET", "v1/sync/status").status == 401) }
    }

    /// Tills behind one NAT share an address: a revoked till that keeps retrying with its dead
    /// token must not stop a new till of the same shop from enrolling (R-OPS-4: token failures
    /// and enrollment-code failures are counted apart; a token is 256 random bits, a code is
    /// what can be guessed).
    @Test func aRevokedTillRetryingBehindTheSameAddressDoesNotBlockEnrollment() throws {
        let h = try SyncHarness(authFailureBurst: 10)
        try h.setUpStores([("store-a", "noord")])
        for i in 0..<15 { _ = try Self.raw(h, "GET", "v1/sync/status", token: "omz_d_revoked\(i)") }
        let code = try h.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let enroll = try Self.raw(h, "POST", "v1/enroll", body: #"{"code":"\#(code.code)","protocolVersion":1}"#)
        #expect(enroll.status == 201, "the new till is not blocked by its neighbour's bad token: \(enroll.status) \(enroll.body)")
    }

    @Test func theLimiterRefillsAndStaysBounded() {
        let now = ManagedClock()
        let l = AuthFailureLimiter(burst: 2, refillPerSecond: 1, maxAddresses: 100, clock: { now.ns })
        l.charge("a"); l.charge("a")
        #expect(l.retryAfter("a") == 1)
        now.advance(seconds: 1)
        #expect(l.retryAfter("a") == nil)
        for i in 0..<1000 { l.charge("10.0.\(i / 256).\(i % 256)") }
        #expect(l.trackedAddresses <= 100)
    }

    @Test func metricsCountPushesOperationsAndCommitGroups() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let d = try h.enroll("store-a", name: "till")
        for i in 0..<3 { _ = try d.recordSignal(note: "n\(i)") }
        try d.sync()
        try d.sync()
        let m = try Self.raw(h, "GET", "metrics").body
        #expect(m.contains("omzien_sync_operations_ingested_total 3"), "\(m)")
        #expect(m.contains(#"omzien_sync_pushes_total{outcome="applied"} 1"#))
        #expect(m.contains("omzien_db_commit_group_size_bucket{le=\"+Inf\"}"))
        let size = m.split(separator: "\n").first { $0.hasPrefix(#"omzien_db_size_bytes{file="db"}"#) }
        #expect((size?.split(separator: " ").last).flatMap { Int($0) } ?? 0 > 0)
    }
}

final class ManagedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var t: UInt64 = 1_000_000_000
    var ns: UInt64 { lock.lock(); defer { lock.unlock() }; return t }
    func advance(seconds: Double) { lock.lock(); t += UInt64(seconds * 1e9); lock.unlock() }
}
