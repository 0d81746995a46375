// `omzien-bench merge` (issue 15): the model's merge speed on the workload other CRDT
// libraries are measured with. K replicas each make N last-writer-wins text writes over R
// shared records in memory (local writes: operation made, hashed and applied to the writer's
// own state), each replica's log is encoded as pull pages of 1,000 (JSON, the wire form), then one
// fresh replica decodes every page and merges all K × N operations in memory. A raw SQLite
// baseline (RawBaseline: the same operations and resulting states written with the C API,
// no model) runs in the same process for the ratio.
import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore

func runMergeBenchmark(replicas: Int, writes: Int, records: Int, batch: Int) throws {
    func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now()
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
    say("merge benchmark: \(replicas) replicas × \(writes) LWW text writes over \(records) records, merged into one fresh replica in memory (decode included)")
    let refs = (0..<records).map { RecordRef(kind: .probe, id: RecordID(trusted: "rec-\($0)")) }
    let author = AuthorID(trusted: "kassa-1")
    var rng = SplitMix(seed: 15)
    let keys = (0..<replicas).map { _ in (0..<writes).map { _ in Int(rng.next() % UInt64(records)) } }
    let t0: UInt64 = 1_763_800_000_000

    var logs: [[LogOperation]] = []
    var local = 0.0
    for r in 0..<replicas {
        var factory = OperationFactory(replica: ReplicaID(trusted: "bench-\(r)"))
        var state = ReplicaState()
        var log: [LogOperation] = []
        log.reserveCapacity(writes)
        local += try seconds {
            for i in 0..<writes {
                let body = OperationBody.changes([.set(field: "number", value: .string("value \(r)-\(i)"), supersedes: [])])
                let op = try factory.make(record: refs[keys[r][i]], author: author, body: body, physicalMillis: t0 + UInt64(i))
                try state.apply(op)
                log.append(op)
            }
        }
        logs.append(log)
    }
    let total = replicas * writes
    say(String(format: "  local writes             %9.0f ops/s  (%.2f s, make + hash + apply)", Double(total) / local, local))

    let encoder = JSONEncoder()
    // Pull pages of at most 1,000 operations (the protocol's largest page, R-SYNC-10).
    let pages = try logs.flatMap { log in
        try stride(from: 0, to: log.count, by: 1000).map { i in
            try encoder.encode(PullResponse(operations: Array(log[i..<min(i + 1000, log.count)]), cursor: "c", more: i + 1000 < log.count, serverTime: t0))
        }
    }
    let bytes = pages.reduce(0) { $0 + $1.count }
    let payload = logs.joined().reduce(0) { $0 + $1.body.canonicalBytes().count }
    say(String(format: "  bytes per operation      %9.1f JSON (wire), %.1f canonical payload", Double(bytes) / Double(total), Double(payload) / Double(total)))

    var merged = ReplicaState()
    var decodeTime = 0.0
    let mergeTime = try seconds {
        for page in pages {
            var ops: [LogOperation] = []
            decodeTime += try seconds { ops = try PullResponse.decodeFast(page).operations }
            for op in ops { try merged.apply(op) }
        }
    }
    say(String(format: "  merge into fresh replica %9.0f ops/s  (%.2f s, of which decode %.2f s; apply alone %.0f ops/s)", Double(total) / mergeTime, mergeTime, decodeTime, Double(total) / (mergeTime - decodeTime)))
    say(String(format: "  merged state             %d records, digest %@", merged.records.count, String(merged.digest.hex.prefix(16))))

    // Baseline rows: the same operations with each record's state after them (not timed).
    var states: [RecordRef: RecordState] = [:]
    var rows: [RawBaseline.Row] = []
    rows.reserveCapacity(total)
    for op in logs.joined() {
        var s = states[op.record] ?? RecordState(ref: op.record)
        s.apply(op)
        states[op.record] = s
        let state = s.canonicalBytes()
        rows.append(.init(replica: op.id.replica.rawValue, seq: Int64(op.id.sequence), hlc: Int64(bitPattern: op.timestamp.packed),
                          author: op.author.rawValue, kind: op.record.kind.rawValue, record: op.record.id.rawValue,
                          payload: op.body.canonicalBytes(), payloadHash: op.payloadHash.bytes, prevHash: op.previousHash.bytes,
                          hash: op.hash.bytes, state: state, stateHash: SHA256.hash(state).bytes))
    }
    states = [:]
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-merge-bench-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let raw = try RawBaseline(path: dir.appendingPathComponent("raw.sqlite").path, schema: ReplicaStore.schemaSQL).run(rows: rows, batch: batch)
    say(String(format: "  raw SQLite baseline      %9.0f ops/s  (%.2f s, same rows via the C API, batches of %d, on disk)", Double(total) / raw, raw, batch))
    say(String(format: "ratio merge / raw: %.2f (above 1: the in-memory merge is faster than writing the rows)", raw / mergeTime))
    say(String(format: "ratio local writes / raw: %.2f", raw / local))
}

/// A small deterministic generator (the workload is the same in every run).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
