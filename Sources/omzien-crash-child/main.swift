// The child process of the crash test (Tests/OmzienStoreTests/CrashTests.swift and
// Tools/crash-test.sh). It appends batches of local operations to a replica store and
// prints `committed <sequence>` after each commit returns, until it is killed.
import Foundation
import OmzienModel
import OmzienStore

/// Unbuffered line output (the parent reads it as it comes).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
let args = CommandLine.arguments
guard args.count >= 3 else {
    FileHandle.standardError.write(Data("usage: omzien-crash-child DB REPLICA [SEED]\n".utf8))
    exit(64)
}
let store = try ReplicaStore(path: args[1], replica: try ReplicaID(args[2]))
var rng = SystemRandomNumberGenerator()
let author = AuthorID(trusted: "kassa-1")
say("ready \(store.held(from: store.replica))")
while true {
    let batch = Int.random(in: 1...20, using: &rng)
    var changes: [ReplicaStore.LocalChange] = []
    for _ in 0..<batch {
        let ref = RecordRef(kind: .probe, id: RecordID(trusted: "rec-\(Int.random(in: 0..<50, using: &rng))"))
        let body: OperationBody = .changes([
            .set(field: "text", value: .string(String(repeating: "x", count: Int.random(in: 0..<400, using: &rng))), supersedes: []),
            .increment(field: "hits", amount: 1),
        ])
        changes.append(.init(record: ref, author: author, body: body))
    }
    let ops = try store.appendLocal(changes)
    say("committed \(ops.last!.id.sequence)")
}
