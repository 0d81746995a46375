import Foundation
import OmzienModel
import OmzienTestSupport
import Testing

/// Property tests of the merge rules (Protocol/MODEL.md, "Merge properties").
/// `OMZIEN_PROPERTY_CASES` sets the number of generated cases (CI: 1,000;
/// `Tools/property-tests.sh`: 100,000). A failure names its seed.
struct MergePropertyTests {
    static let cases = Int(ProcessInfo.processInfo.environment["OMZIEN_PROPERTY_CASES"] ?? "") ?? 1000
    static let firstSeed = UInt64(ProcessInfo.processInfo.environment["OMZIEN_PROPERTY_SEED"] ?? "") ?? 1

    /// Five replicas edit offline with skewed clocks and sync at random; then each receives
    /// every operation in its own random order with duplicates. All digests must agree, and
    /// every record's state must not depend on the order its operations are applied in, even
    /// orders that ignore the per-replica sequence (commutativity), nor on how deliveries
    /// are grouped through relays (associativity), nor on repeats (idempotence).
    /// R-MODEL-7: the fold is commutative, associative and idempotent.
    @Test func everyDeliveryOrderConvergesToOneDigest() throws {
        var converged = 0
        for seed in Self.firstSeed..<(Self.firstSeed + UInt64(Self.cases)) {
            var sim = MergeSimulation(seed: seed, replicaCount: 5, recordCount: 4)
            try sim.run(steps: Int(seed % 40) + 5)
            for i in sim.replicas.indices { try sim.deliverEverything(to: i) }
            let digests = Set(sim.replicas.map(\.state.digest))
            #expect(digests.count == 1, "seed \(seed): replicas disagree: \(digests.map(\.hex))")
            guard digests.count == 1 else { return }

            // Commutativity per record: any permutation of the record's operations.
            let reference = sim.replicas[0].state
            let ops = sim.allOperations
            for ref in sim.refs {
                let own = ops.filter { $0.record == ref }
                guard !own.isEmpty else { continue }
                var state = RecordState(ref: ref)
                for op in sim.shuffled(own) { state.apply(op) }
                let same = state.canonicalBytes() == reference.records[ref]!.canonicalBytes()
                #expect(same, "seed \(seed): \(ref) depends on the order its operations are applied in")
                guard same else { return }
                // Idempotence of the fold: applying the same set again changes nothing
                // (the log filters duplicates; the field states must also absorb them).
                var twice = state
                for op in own where !Self.isCounting(op) { twice.apply(op) }
                let absorbed = twice.canonicalBytes() == state.canonicalBytes()
                #expect(absorbed, "seed \(seed): re-applying \(ref)'s operations changed it")
                guard absorbed else { return }
            }

            // Grouping: the same set applied in log order, in two batches through a
            // relay replica that forwards what it holds, gives the same digest.
            var relay = ReplicaState()
            var downstream = ReplicaState()
            let half = ops.count / 2
            for op in ops.prefix(half) { try relay.apply(op) }
            for op in ops.prefix(half) where relay.held(from: op.id.replica) >= op.id.sequence { try downstream.apply(op) }
            for op in ops.dropFirst(half) { try downstream.apply(op) }
            #expect(downstream.digest == reference.digest, "seed \(seed): grouping changed the digest")
            guard downstream.digest == reference.digest else { return }
            converged += 1
        }
        #expect(converged == Self.cases)
    }

    /// Counter increments are the one change whose re-application is not absorbed by the
    /// field state: idempotence for them comes from the log's duplicate filter (tested in
    /// `duplicatesAreNoOps`).
    static func isCounting(_ op: LogOperation) -> Bool {
        if case let .changes(changes) = op.body { return changes.contains { if case .increment = $0 { true } else { false } } }
        return false
    }

    @Test func duplicatesAreNoOps() throws {
        var sim = MergeSimulation(seed: 99, replicaCount: 3, recordCount: 4)
        try sim.run(steps: 60)
        var state = ReplicaState()
        for op in sim.allOperations { try state.apply(op) }
        let digest = state.digest
        for op in sim.allOperations {
            #expect(try state.apply(op) == .duplicate)
        }
        #expect(state.digest == digest)
    }

    /// Erased records redact their operations' payloads; a replica that receives the
    /// redacted copies converges with one that received the full operations.
    @Test func redactedCopiesConvergeWithFullOperations() throws {
        var checked = 0
        for seed in UInt64(1)...300 {
            var sim = MergeSimulation(seed: seed, replicaCount: 3, recordCount: 4)
            try sim.run(steps: 40)
            var full = ReplicaState()
            for op in sim.allOperations { try full.apply(op) }
            let erased = Set(full.records.values.filter(\.erased).map(\.ref))
            guard !erased.isEmpty else { continue }
            var redacted = ReplicaState()
            for op in sim.allOperations {
                let isErase = op.body == .erase
                try redacted.apply(erased.contains(op.record) && !isErase ? op.redacted() : op)
            }
            #expect(redacted.digest == full.digest, "seed \(seed)")
            checked += 1
        }
        #expect(checked > 10, "too few generated histories contained an erase")
    }
}
