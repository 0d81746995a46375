import Foundation
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore

/// Replay speed: a session log of `total` operations (pushes of `batch` from `devices`
/// devices of one store) is written, then replayed with `omzien replay`'s engine; the baseline
/// is the store's own remote-apply rate for the same operations and batches, in the same run.
/// `keepLog`: copy the generated log there (a long log to try `omzien replay`/`inspect` on).
func runReplayBenchmark(total: Int, batch: Int, devices: Int, keepLog: String? = nil) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-replaybench-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    say("replay benchmark: \(total) operations in pushes of \(batch) from \(devices) devices")
    var factories = (0..<devices).map { OperationFactory(replica: ReplicaID(trusted: "store-r-d\($0 + 1)")) }
    var pushes: [(replica: String, ops: [LogOperation])] = []
    let author = AuthorID(trusted: "kassa-1")
    var made = 0
    let t0: UInt64 = 1_763_800_000_000
    while made < total {
        let d = pushes.count % devices
        var ops: [LogOperation] = []
        for _ in 0..<min(batch, total - made) {
            let ref = RecordRef(kind: .feedback, id: RecordID(trusted: "d\(d)-f\(made)"))
            let draft = FeedbackDraft(store: "store-r", givenAt: 1_763_800_000_000, category: "other", nps: Int64(made % 11))
            ops.append(try factories[d].make(record: ref, author: author, body: .changes(try draft.changes()), physicalMillis: t0 + UInt64(made)))
            made += 1
        }
        pushes.append((factories[d].replica.rawValue, ops))
    }
    let logPath = dir.appendingPathComponent("bench.jsonl.gz").path
    let writer = try SessionLogWriter(path: logPath, header: SessionLog.Header(recorder: "server", replica: "server", startedAt: t0))
    var held: [String: Int] = [:]
    for (i, p) in pushes.enumerated() {
        held[p.replica, default: 0] += p.ops.count
        let body = try JSONEncoder().encode(PushRequest(replica: p.replica, operations: p.ops))
        let answer = try JSONEncoder().encode(PushResponse(held: UInt64(held[p.replica]!), applied: p.ops.count, duplicates: 0, quarantined: [], serverTime: t0 + UInt64(i)))
        try writer.append(SessionLog.Exchange(step: 0, at: t0 + UInt64(i) * 1000, durationMs: 1, principal: "device:\(p.replica)", store: "store-r", method: "POST",
                                              path: "/v1/sync/push", query: nil, request: Array(body), status: 200, response: Array(answer),
                                              bytesIn: body.count, bytesOut: answer.count, digestBefore: nil, digestAfter: nil))
    }
    try writer.close()
    let size = (try FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
    if let keepLog {
        try? FileManager.default.removeItem(atPath: keepLog)
        try FileManager.default.copyItem(atPath: logPath, toPath: keepLog)
    }

    // Baseline: the store applying the same batches.
    let baseStart = DispatchTime.now()
    let store = try ReplicaStore(path: dir.appendingPathComponent("base.sqlite").path, replica: ReplicaID(trusted: "server"))
    for p in pushes { try store.apply(p.ops) }
    store.close()
    let baseSeconds = Double(DispatchTime.now().uptimeNanoseconds - baseStart.uptimeNanoseconds) / 1e9

    // The replay reads the log as it goes (as `omzien replay` does): the time covers reading,
    // decoding, the replayed server and every check.
    let start = DispatchTime.now()
    let result = try SessionReplay.run(log: try SessionLogStream(path: logPath))
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    precondition(result.difference == nil, "the replay differs: \(result.difference!)")
    precondition(result.replayed == pushes.count, "replayed \(result.replayed) of \(pushes.count) steps")
    say(String(format: "  log: %d steps, %.1f MB gzip", pushes.count, Double(size) / 1e6))
    say(String(format: "  replay (read + check)       %9.0f ops/s  (%.1f s)", Double(total) / seconds, seconds))
    say(String(format: "    waiting for the server %.1f s, for decoded bodies %.1f s", result.serverSeconds, result.decodeWaitSeconds))
    say(String(format: "  store raw apply (baseline)  %9.0f ops/s  (%.1f s)", Double(total) / baseSeconds, baseSeconds))
    say(String(format: "ratio replay / raw apply: %.2f", baseSeconds / seconds))
}
