import Foundation
import OmzienClient
import OmzienCompression
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import OmzienTestSupport

/// N devices push their operations concurrently to an in-process server on loopback (durable
/// acknowledgements, group commit), then a fresh device bootstraps a store of
/// `bootstrapRecords` records. The baseline inserts the same operation rows with the same
/// durability and batch size straight through SQLite, serially, in the same run.
func runSyncBenchmark(devices: Int, opsPerDevice: Int, batch: Int, bootstrapRecords: Int) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-syncbench-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    say("sync benchmark: \(devices) devices × \(opsPerDevice) operations, pushes of \(batch), loopback (one keep-alive connection per device), synchronous=FULL")

    var http = HTTPServer.Configuration()
    http.requestLog = nil
    let server = try SyncServer(databasePath: dir.appendingPathComponent("server.sqlite").path, http: http)
    let port = try server.start()
    let url = URL(string: "http://127.0.0.1:\(port)")!
    let admin = SyncClient(baseURL: url, token: try server.service.bootstrapAdminToken(), retry: .none)
    _ = try admin.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: "r", name: "R"), as: RegionInfo.self)
    _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: "s", region: "r", name: "S"), as: StoreInfo.self)
    _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: "big", region: "r", name: "Big"), as: StoreInfo.self)

    // Devices and their operations (not timed).
    var sims: [Unshared<(client: SyncClient, replica: String, ops: [LogOperation], bodies: [Data])>] = []
    let author = AuthorID(trusted: "kassa-1")
    for d in 0..<devices {
        let code = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "s"), as: EnrollmentCodeResponse.self)
        let me = try SyncClient(baseURL: url, token: nil, retry: .none).call("POST", "v1/enroll", body: EnrollRequest(code: code.code), as: EnrollResponse.self)
        var factory = OperationFactory(replica: try ReplicaID(me.replica))
        var ops: [LogOperation] = []
        for i in 0..<opsPerDevice {
            let ref = RecordRef(kind: .feedback, id: RecordID(trusted: "d\(d)-f\(i)"))
            let draft = FeedbackDraft(store: "s", givenAt: 1_763_800_000_000, category: "queue-at-till", nps: Int64(i % 11), comment: "rij \(i)")
            ops.append(try factory.make(record: ref, author: author, body: .changes(try draft.changes()), physicalMillis: HybridClock.physicalNowMillis()))
        }
        // The push bodies are encoded up front: the timed part is the server's work plus HTTP.
        let bodies = try stride(from: 0, to: ops.count, by: batch).map {
            try JSONEncoder().encode(PushRequest(replica: me.replica, operations: Array(ops[$0..<min($0 + batch, ops.count)])))
        }
        sims.append(Unshared((SyncClient(baseURL: url, token: me.token, retry: .none), me.replica, ops, bodies)))
    }

    // Wire size per operation: the push bodies as JSON, and gzip-compressed.
    let sampleBody = try JSONEncoder().encode(PushRequest(replica: sims[0].value.replica, operations: Array(sims[0].value.ops.prefix(batch))))
    let gz = try Compression.gzip(Array(sampleBody))
    let perOp = Double(sampleBody.count) / Double(min(batch, opsPerDevice)), perOpGz = Double(gz.count) / Double(min(batch, opsPerDevice))

    let devicesToRun = sims
    let latencies = Unshared<[Double]>([])
    let lock = NSLock()
    let start = DispatchTime.now()
    // One thread per device (concurrentPerform would run only as many as there are cores).
    let group = DispatchGroup()
    for d in 0..<devices {
      group.enter()
      Thread {
        defer { group.leave() }
        let sim = devicesToRun[d].value
        var local: [Double] = []
        guard let http = try? RawHTTPClient(port: port) else { fatalError("cannot connect") }
        for (n, body) in sim.bodies.enumerated() {
            let t0 = DispatchTime.now()
            do {
                let (status, answer) = try http.post(path: "/v1/sync/push", token: sim.client.token ?? "", body: Array(body))
                let r = try JSONDecoder().decode(PushResponse.self, from: Data(answer))
                let expected = UInt64(min((n + 1) * batch, sim.ops.count))
                precondition(status == 200 && r.held == expected, "the server holds \(r.held), expected \(expected)")
            } catch {
                fatalError("push failed: \(error)")
            }
            local.append(Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6)
        }
        lock.lock(); latencies.value += local; lock.unlock()
      }.start()
    }
    group.wait()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let total = devices * opsPerDevice
    let stats = server.service.commitStats
    let sorted = latencies.value.sorted()
    func pct(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

    // Baseline: the same operation rows, same batch size, synchronous=FULL, serial raw inserts.
    var rows: [RawBaseline.Row] = []
    for sim in sims {
        for op in sim.value.ops {
            rows.append(.init(replica: op.id.replica.rawValue, seq: Int64(op.id.sequence), hlc: Int64(bitPattern: op.timestamp.packed),
                              author: op.author.rawValue, kind: op.record.kind.rawValue, record: op.record.id.rawValue,
                              payload: op.payload ?? [], payloadHash: op.payloadHash.bytes, prevHash: op.previousHash.bytes, hash: op.hash.bytes,
                              state: op.payload ?? [], stateHash: op.payloadHash.bytes))
        }
    }
    let rawSeconds = try RawBaseline(path: dir.appendingPathComponent("raw.sqlite").path, schema: ReplicaStore.schemaSQL).run(rows: rows, batch: batch)
    say(String(format: "  ingest, durable acks        %9.0f ops/s  (%d ops in %.2f s; %d pushes in %d commits)", Double(total) / seconds, total, seconds, stats.writes, stats.commits))
    say(String(format: "  push latency                p50 %.1f ms, p99 %.1f ms", pct(0.5), pct(0.99)))
    say(String(format: "  wire bytes per operation    %.0f JSON, %.0f gzip", perOp, perOpGz))
    say(String(format: "  raw SQLite insert baseline  %9.0f ops/s  (same rows, batches of %d, synchronous=FULL)", Double(total) / rawSeconds, batch))
    say(String(format: "ratio ingest / raw insert: %.2f", rawSeconds / seconds))

    // Bootstrap: a store of `bootstrapRecords` records, then a fresh device.
    if bootstrapRecords > 0 {
        let code = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "big"), as: EnrollmentCodeResponse.self)
        let me = try SyncClient(baseURL: url, token: nil, retry: .none).call("POST", "v1/enroll", body: EnrollRequest(code: code.code), as: EnrollResponse.self)
        let writer = SyncClient(baseURL: url, token: me.token, retry: .none)
        var factory = OperationFactory(replica: try ReplicaID(me.replica))
        var pending: [LogOperation] = []
        for i in 0..<bootstrapRecords {
            let ref = RecordRef(kind: .feedback, id: RecordID(trusted: "big-\(i)"))
            let draft = FeedbackDraft(store: "big", givenAt: 1_763_800_000_000, category: "freshness", nps: Int64(i % 11))
            pending.append(try factory.make(record: ref, author: author, body: .changes(try draft.changes()), physicalMillis: HybridClock.physicalNowMillis()))
            if pending.count == Limits.maxOperationsPerPush || i == bootstrapRecords - 1 {
                _ = try writer.call("POST", "v1/sync/push", body: PushRequest(replica: me.replica, operations: pending), as: PushResponse.self)
                pending = []
            }
        }
        let code2 = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "big"), as: EnrollmentCodeResponse.self)
        let t0 = DispatchTime.now()
        let fresh = try DeviceSync.enroll(server: url, code: code2.code, label: "fresh", path: dir.appendingPathComponent("fresh.sqlite").path, retry: .none)
        let bootSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
        let count = try fresh.store.records().count
        let t1 = DispatchTime.now()
        let snapshot = try fresh.client.call("GET", "v1/sync/snapshot", as: SnapshotResponse.self)
        let fetchSeconds = Double(DispatchTime.now().uptimeNanoseconds - t1.uptimeNanoseconds) / 1e9
        fresh.store.close()
        say(String(format: "    of which fetching and decoding the snapshot (%d records) takes %.2f s", snapshot.records.count, fetchSeconds))
        say(String(format: "  bootstrap of a fresh device %.2f s for %d records (enroll + snapshot + import)", bootSeconds, count))
    }
    server.stop()
}
