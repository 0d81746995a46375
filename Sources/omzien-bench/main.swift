// Benchmarks (Tools/bench-store.sh, Tools/bench-sync.sh). `omzien-bench store` measures the
// replica store's local append and remote apply rates against a raw C-API baseline issuing
// the same SQL writes; `omzien-bench sync` measures the sync server with simulated devices.
// Each prints absolute figures and the ratios to a baseline measured in the same run.
import Foundation
import OmzienModel
import OmzienStore

/// Unbuffered line output (the parent reads it as it comes).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
let args = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = args.firstIndex(of: "--\(name)"), i + 1 < args.count, let v = Int(args[i + 1]) else { return fallback }
    return v
}
if args.first == "replay" {
    let keep = args.firstIndex(of: "--keep-log").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    try runReplayBenchmark(total: option("ops", 1_000_000), batch: option("batch", 1000), devices: option("devices", 8), keepLog: keep)
    exit(0)
}
if args.first == "merge" {
    try runMergeBenchmark(replicas: option("replicas", 5), writes: option("writes", 100_000), records: option("records", 10_000), batch: option("batch", 500))
    exit(0)
}
if args.first == "json" {
    try runJSONBenchmark()
    exit(0)
}
if args.first == "sync" {
    try runSyncBenchmark(devices: option("devices", 16), opsPerDevice: option("ops", 2000), batch: option("batch", 100),
                         bootstrapRecords: option("bootstrap", 100_000))
    exit(0)
}
let total = option("ops", 1_000_000)
let recordCount = option("records", 100_000)
let batch = option("batch", 500)
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-bench-\(getpid())")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now()
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

say("store benchmark: \(total) operations over \(recordCount) records (random keys), batches of \(batch), synchronous=FULL, WAL")
var rng = SystemRandomNumberGenerator()
let keys = (0..<total).map { _ in Int.random(in: 0..<recordCount, using: &rng) }
let refs = (0..<recordCount).map { RecordRef(kind: .probe, id: RecordID(trusted: "rec-\($0)")) }
let author = AuthorID(trusted: "kassa-1")
func body(_ i: Int) -> OperationBody {
    .changes([.set(field: "number", value: .int(Int64(i)), supersedes: []), .increment(field: "hits", amount: 1)])
}

// Operations of a remote replica, made up front (not timed).
var factory = OperationFactory(replica: ReplicaID(trusted: "bench-remote"))
var remote: [LogOperation] = []
remote.reserveCapacity(total)
let t0: UInt64 = 1_763_800_000_000
for i in 0..<total { remote.append(try factory.make(record: refs[keys[i]], author: author, body: body(i), physicalMillis: t0 + UInt64(i))) }

// The baseline's rows: the same values, with each record's state after the operation.
var states: [RecordRef: RecordState] = [:]
var rows: [RawBaseline.Row] = []
rows.reserveCapacity(total)
for op in remote {
    var s = states[op.record] ?? RecordState(ref: op.record)
    s.apply(op)
    states[op.record] = s
    let bytes = s.canonicalBytes()
    rows.append(.init(replica: op.id.replica.rawValue, seq: Int64(op.id.sequence), hlc: Int64(bitPattern: op.timestamp.packed),
                      author: op.author.rawValue, kind: op.record.kind.rawValue, record: op.record.id.rawValue,
                      payload: op.body.canonicalBytes(), payloadHash: op.payloadHash.bytes, prevHash: op.previousHash.bytes,
                      hash: op.hash.bytes, state: bytes, stateHash: SHA256.hash(bytes).bytes))
}
states = [:]
let schema = ReplicaStore.schemaSQL

let baseline1 = try RawBaseline(path: dir.appendingPathComponent("raw1.sqlite").path, schema: schema).run(rows: rows, batch: batch)
say(String(format: "  raw C API baseline       %9.0f ops/s  (%.1f s)", Double(total) / baseline1, baseline1))

let applyStore = try ReplicaStore(path: dir.appendingPathComponent("apply.sqlite").path, replica: ReplicaID(trusted: "bench-server"))
let applyTime = try seconds {
    var i = 0
    while i < total {
        let end = min(i + batch, total)
        try applyStore.apply(Array(remote[i..<end]))
        i = end
    }
}
applyStore.close()
say(String(format: "  store remote apply       %9.0f ops/s  (%.1f s)", Double(total) / applyTime, applyTime))

let localStore = try ReplicaStore(path: dir.appendingPathComponent("local.sqlite").path, replica: ReplicaID(trusted: "bench-device"))
let appendTime = try seconds {
    var i = 0
    while i < total {
        let end = min(i + batch, total)
        try localStore.appendLocal((i..<end).map { ReplicaStore.LocalChange(record: refs[keys[$0]], author: author, body: body($0)) },
                                   physicalMillis: t0 + UInt64(i))
        i = end
    }
}
localStore.close()
say(String(format: "  store local append       %9.0f ops/s  (%.1f s)", Double(total) / appendTime, appendTime))

let baseline2 = try RawBaseline(path: dir.appendingPathComponent("raw2.sqlite").path, schema: schema).run(rows: rows, batch: batch)
say(String(format: "  raw C API baseline again %9.0f ops/s  (%.1f s)", Double(total) / baseline2, baseline2))
let baseline = (baseline1 + baseline2) / 2
say(String(format: "ratio remote apply / raw: %.2f", baseline / applyTime))
say(String(format: "ratio local append / raw: %.2f", baseline / appendTime))
