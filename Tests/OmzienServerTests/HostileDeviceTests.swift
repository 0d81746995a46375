import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienTestSupport
import Testing

/// Issue 10: an enrolled device that sends what no honest client would, generated from the
/// wire format: extreme integers, huge and tiny values, future and past clocks, gaps,
/// forks, broken chains, foreign stores and replicas, duplicated members, fractions where
/// integers go. The server never dies, never answers a client mistake with 5xx, and its
/// database stays within a stated bound; an honest device of the same store still syncs to
/// the server's digest afterwards.
///
/// `OMZIEN_HOSTILE_PUSHES` (default 300) sets the number of pushes, `OMZIEN_HOSTILE_SEED` the
/// seed; `Tools/hostile-device.sh` runs 20,000.
struct HostileDeviceTests {
    static let pushes = Int(ProcessInfo.processInfo.environment["OMZIEN_HOSTILE_PUSHES"] ?? "") ?? 300
    static let seed = UInt64(ProcessInfo.processInfo.environment["OMZIEN_HOSTILE_SEED"] ?? "") ?? 20261202
    /// What the database may grow to under this attack (the quarantine bound is 4 MiB per
    /// device; everything else a hostile device can store is bounded by what it may push).
    static let databaseBound = 64 << 20

    @Test func aHostileDeviceNeverGetsA5xxNorKillsTheServer() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let hostile = try h.enroll("store-a", name: "hostile")
        let honest = try h.enroll("store-a", name: "honest")
        let other = try h.enroll("store-b", name: "other")
        let foreign = try other.recordSignal(note: "van winkel B")
        try other.sync()
        var rng = SplitMix64(seed: Self.seed)
        var peer = HostilePeer(replica: hostile.store.replica, store: "store-a", token: hostile.client.token!, otherStore: "store-b")
        var statuses: [Int: Int] = [:]
        var failures: [String] = []
        let now = HybridClock.physicalNowMillis()
        let url = h.baseURL.appendingPathComponent("v1/sync/push")
        let headers = ["Authorization": "Bearer \(peer.token)", "Content-Type": "application/json"]
        for i in 0..<Self.pushes {
            let (text, ops) = peer.push(&rng, now: now, foreignReplica: other.store.replica.rawValue, foreign: foreign)
            let (status, body) = try URLSessionTransport(timeout: 30).send(method: "POST", url: url, headers: headers, body: Data(text.utf8))
            statuses[status, default: 0] += 1
            if status >= 500 { failures.append("push \(i) (seed \(Self.seed)): \(status) \(String(decoding: body, as: UTF8.self)) for \(text.prefix(300))") }
            if status == 200, let answer = try? JSONDecoder().decode(PushResponse.self, from: body) { peer.accepted(ops, held: answer.held) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "\n"))")
        #expect(try hostile.client.call("GET", "v1/sync/status", as: StatusResponse.self).held == peer.chain.seq, "the server is alive and agrees on held")
        let files = ["", "-wal"].map { h.dir.appendingPathComponent("server.sqlite").path + $0 }
        let size = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        #expect(size < Self.databaseBound, "database \(size) bytes")
        _ = try honest.recordSignal(note: "eerlijk")
        try honest.sync()
        #expect(try honest.store.stateDigest() == (try h.server.service.digest(store: "store-a")), "the honest device converges")
        print("hostile device: \(Self.pushes) pushes, seed \(Self.seed), statuses \(statuses.sorted { $0.key < $1.key }), held \(peer.chain.seq), database \(size / 1024) KiB")
    }
}
