import Foundation
import OmzienModel
import OmzienProtocol

/// Where a push's server-side CPU goes: JSON decoding vs hash verification, per operation.
func runJSONBenchmark() throws {
    var f = OperationFactory(replica: ReplicaID(trusted: "store-a-d1"))
    var ops: [LogOperation] = []
    for i in 0..<100 {
        let d = FeedbackDraft(store: "s", givenAt: 1_763_800_000_000, category: "queue-at-till", nps: Int64(i % 11), comment: "rij \(i)")
        ops.append(try f.make(record: RecordRef(kind: .feedback, id: RecordID(trusted: "f\(i)")), author: AuthorID(trusted: "kassa-1"),
                              body: .changes(try d.changes()), physicalMillis: 1_763_800_000_000))
    }
    let data = try JSONEncoder().encode(PushRequest(replica: "store-a-d1", operations: ops))
    func perOp(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now()
        for _ in 0..<50 { try body() }
        return Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e3 / 5000
    }
    let decode = try perOp { _ = try JSONDecoder().decode(PushRequest.self, from: data) }
    let parse = try perOp { _ = try JSONSerialization.jsonObject(with: data) }
    let verify = try perOp {
        for op in ops {
            _ = try LogOperation(verifying: op.id, timestamp: op.timestamp, author: op.author, record: op.record, body: op.body,
                                 previousHash: op.previousHash, payloadHash: op.payloadHash, hash: op.hash)
        }
    }
    let encode = try perOp { _ = try JSONEncoder().encode(PushRequest(replica: "store-a-d1", operations: ops)) }
    let bytes = Array(data)
    let tape = try perOp { _ = try JSONDocument(bytes) }
    let fast = try perOp { _ = try PushRequest.decodeFast(bytes) }
    say(String(format: "per operation (%d JSON bytes): Codable decode %.1f µs (of which hash checks %.1f µs), JSONSerialization parse %.1f µs, encode %.1f µs",
               data.count / 100, decode, verify, parse, encode))
    say(String(format: "JSONDocument parse %.2f µs (%.1fx faster than JSONSerialization); decodeFast (parse + read + hash checks) %.1f µs = %.1fx faster than Codable",
               tape, parse / tape, fast, decode / fast))
}
