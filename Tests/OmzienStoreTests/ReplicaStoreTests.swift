import Foundation
import OmzienModel
import OmzienStore
import OmzienTestSupport
import Testing

/// A fresh temporary directory per test, removed at the end.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

struct ReplicaStoreTests {
    let author = AuthorID(trusted: "kassa-1")
    let probe = RecordRef(kind: .probe, id: RecordID(trusted: "p1"))

    func history(seed: UInt64, replicas: Int = 3, steps: Int = 60) throws -> [LogOperation] {
        var sim = MergeSimulation(seed: seed, replicaCount: replicas, recordCount: 4)
        try sim.run(steps: steps)
        return sim.allOperations
    }

    @Test func appendedOperationsSurviveReopening() throws {
        let dir = try TempDir()
        let path = dir.path("device.sqlite")
        var digest: SHA256Digest
        do {
            let store = try ReplicaStore(path: path, replica: ReplicaID(trusted: "dev-a"))
            for i in 0..<5 {
                try store.appendLocal(record: probe, author: author, body: .changes([.increment(field: "hits", amount: UInt64(i + 1))]))
            }
            digest = try store.stateDigest()
            #expect(try store.unsentOperations().count == 5)
            store.close()
        }
        let reopened = try ReplicaStore(path: path)
        #expect(reopened.replica == ReplicaID(trusted: "dev-a"))
        #expect(try reopened.stateDigest() == digest)
        #expect(reopened.held(from: reopened.replica) == 5)
        let next = try reopened.appendLocal(record: probe, author: author, body: .changes([.increment(field: "hits", amount: 1)]))
        #expect(next.id.sequence == 6, "the sequence continues without a gap after reopening")
        #expect(next.previousHash == (try reopened.operations(from: reopened.replica, after: 4, limit: 1)[0].hash))
        reopened.close()
        #expect(throws: StoreError.replicaMismatch(path: path, stored: ReplicaID(trusted: "dev-a"), requested: ReplicaID(trusted: "dev-b"))) {
            try ReplicaStore(path: path, replica: ReplicaID(trusted: "dev-b"))
        }
    }

    @Test func applyingTheSameBatchTwiceIsANoOp() throws {
        let ops = try history(seed: 5)
        let store = try ReplicaStore(path: ":memory:", replica: ReplicaID(trusted: "server"))
        let first = try store.apply(ops)
        let digest = try store.stateDigest()
        let second = try store.apply(ops)
        #expect(first.applied == ops.count && first.duplicates == 0)
        #expect(second.applied == 0 && second.duplicates == ops.count)
        #expect(try store.stateDigest() == digest)
    }

    /// R-MODEL-2, R-MODEL-11: sequences are gap-free; a gap is rejected.
    @Test func aGapRejectsTheWholeBatchAndNamesTheOperation() throws {
        let ops = try history(seed: 6).filter { $0.id.replica == ReplicaID(trusted: "r0") }
        try #require(ops.count >= 3)
        let store = try ReplicaStore(path: ":memory:", replica: ReplicaID(trusted: "server"))
        #expect(throws: ModelError.sequenceGap(replica: ReplicaID(trusted: "r0"), expected: 2, got: 3)) {
            try store.apply([ops[0], ops[2]])
        }
        #expect(store.held(from: ReplicaID(trusted: "r0")) == 0, "nothing of the rejected batch was applied")
        #expect(try store.records().isEmpty)
    }

    /// R-MODEL-11: a broken previous-hash link and a fork are rejected.
    @Test func aBrokenHashLinkAndAForkAreRejected() throws {
        let ops = try history(seed: 6).filter { $0.id.replica == ReplicaID(trusted: "r0") }
        try #require(ops.count >= 2)
        let store = try ReplicaStore(path: ":memory:", replica: ReplicaID(trusted: "server"))
        let forged = LogOperation(id: ops[1].id, timestamp: ops[1].timestamp, author: ops[1].author, record: ops[1].record,
                                  body: ops[1].body, previousHash: SHA256.hash([1, 2, 3]))
        #expect(throws: ModelError.brokenHashLink(ops[1].id, expected: ops[0].hash, got: SHA256.hash([1, 2, 3]))) {
            try store.apply([ops[0], forged])
        }
        try store.apply([ops[0]])
        let fork = LogOperation(id: ops[0].id, timestamp: ops[0].timestamp, author: AuthorID(trusted: "someone-else"),
                                record: ops[0].record, body: ops[0].body, previousHash: .zero)
        #expect(throws: StoreError.forkedOperation(ops[0].id)) { try store.apply([fork]) }
    }

    @Test func anInvalidLocalChangeWritesNothing() throws {
        let store = try ReplicaStore(path: ":memory:", replica: ReplicaID(trusted: "dev-a"))
        let good = ReplicaStore.LocalChange(record: probe, author: author, body: .changes([.increment(field: "hits", amount: 1)]))
        let bad = ReplicaStore.LocalChange(record: RecordRef(kind: .feedback, id: RecordID(trusted: "f")), author: author,
                                           body: .changes([.set(field: "nps", value: .int(11), supersedes: [])]))
        #expect(throws: ModelError.self) { try store.appendLocal([good, bad]) }
        #expect(store.held(from: store.replica) == 0)
        #expect(try store.appendLocal([good])[0].id.sequence == 1)
    }

    @Test func acknowledgementsMoveTheUnsentWindow() throws {
        let store = try ReplicaStore(path: ":memory:", replica: ReplicaID(trusted: "dev-a"))
        for _ in 0..<4 { try store.appendLocal(record: probe, author: author, body: .changes([.increment(field: "hits", amount: 1)])) }
        try store.acknowledge(upTo: 3)
        #expect(try store.unsentOperations().map(\.id.sequence) == [4])
        try store.acknowledge(upTo: 2)
        #expect(store.acknowledged == 3, "an older acknowledgement does not move the window back")
        #expect(throws: StoreError.acknowledgementBeyondLog(acknowledged: 9, held: 4)) { try store.acknowledge(upTo: 9) }
    }

    /// R-MODEL-9: erased payloads leave no bytes on disk.
    @Test func erasedTextLeavesNoTraceInTheFiles() throws {
        let dir = try TempDir()
        let path = dir.path("device.sqlite")
        let secret = "Mevrouw-Geheim-\(UUID().uuidString)"
        let store = try ReplicaStore(path: path, replica: ReplicaID(trusted: "dev-a"))
        let signal = RecordRef(kind: .signal, id: RecordID(trusted: "sig-1"))
        let draft = SignalDraft(store: "store-1", observedAt: 1_763_800_000_000, reporter: "kassa-1", indicators: ["withdrawn"], note: secret)
        try store.appendLocal(record: signal, author: author, body: .changes(try draft.changes()))
        for i in 0..<3 {
            try store.appendLocal(record: signal, author: author, body: .changes([.set(field: "note", value: .string("\(secret) \(i)"), supersedes: [])]))
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(before.range(of: Data(secret.utf8)) != nil, "the test must see the text before the erase")
        try store.appendLocal(record: signal, author: author, body: .erase)
        let late = try store.appendLocal(record: signal, author: author, body: .changes([.set(field: "note", value: .string(secret), supersedes: [])]))
        #expect(try store.loadRecord(signal)?.erased == true)
        #expect(try store.operations(from: store.replica, after: 0, limit: 100).filter { $0.record == signal && $0.body != .erase }.allSatisfy { $0.body == .redacted })
        #expect(late.id.sequence == 6)
        store.close()
        var bytes = Data()
        for suffix in ["", "-wal", "-journal"] {
            if let d = try? Data(contentsOf: URL(fileURLWithPath: path + suffix)) { bytes += d }
        }
        #expect(bytes.range(of: Data(secret.utf8)) == nil, "the erased note is still in the database files")
        let reopened = try ReplicaStore(path: path)
        #expect(try reopened.verifyMaterializedState().isEmpty)
        #expect(try reopened.integrityCheck() == ["ok"])
    }

    @Test func aFileThatIsNotADatabaseGivesAClearError() throws {
        let dir = try TempDir()
        let path = dir.path("notes.txt")
        try Data("Dit is geen database, maar een boodschappenlijst.\n".utf8 + Data(repeating: 0x41, count: 5000)).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ReplicaStore(path: path)
            Issue.record("opened a text file as a replica")
        } catch {
            #expect("\(error)".contains(path), "the error names the file: \(error)")
        }
    }

    /// The store implements the same rules as the in-memory reference: random histories,
    /// delivered to five on-disk stores in random batches and orders with duplicates, with a
    /// close and reopen between rounds, give the reference digest on every store.
    @Test func storesConvergeWithTheReferenceAcrossReopens() throws {
        let cases = Int(ProcessInfo.processInfo.environment["OMZIEN_STORE_PROPERTY_CASES"] ?? "") ?? 40
        let dir = try TempDir()
        for seed in UInt64(1)...UInt64(cases) {
            var sim = MergeSimulation(seed: seed &* 7919, replicaCount: 5, recordCount: 4)
            try sim.run(steps: Int(seed % 50) + 10)
            let ops = sim.allOperations
            var reference = ReplicaState()
            for op in ops { try reference.apply(op) }
            var rng = SplitMix64(seed: seed)
            for n in 0..<5 {
                let path = dir.path("s\(seed)-\(n).sqlite")
                var pending = Dictionary(grouping: ops, by: \.id.replica).mapValues { $0[...] }
                var store = try ReplicaStore(path: path, replica: ReplicaID(trusted: "store-\(n)"), options: .init(durability: .normal))
                var delivered: [LogOperation] = []
                while !pending.isEmpty {
                    var batch: [LogOperation] = []
                    for _ in 0..<Int.random(in: 1...12, using: &rng) {
                        guard let replica = pending.keys.sorted().randomElement(using: &rng) else { break }
                        batch.append(pending[replica]!.removeFirst())
                        if pending[replica]!.isEmpty { pending[replica] = nil }
                    }
                    if rng.chance(0.3), !delivered.isEmpty { batch.insert(delivered.randomElement(using: &rng)!, at: 0) }
                    try store.apply(batch)
                    delivered += batch
                    if rng.chance(0.2) {
                        store.close()
                        store = try ReplicaStore(path: path, options: .init(durability: .normal))
                    }
                }
                #expect(try store.stateDigest() == reference.digest, "seed \(seed) store \(n)")
                store.close()
            }
        }
    }
}
