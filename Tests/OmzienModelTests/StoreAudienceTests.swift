import Foundation
import OmzienModel
import Testing

/// The store-audience projection (MODEL.md 7.1, PRIVACY.md R-PRIV-32): the Python reference
/// computes the same digest from the text, the projection commutes with merging (so a device
/// that dropped values still merges and converges), and it keeps no trace of the values.
struct StoreAudienceTests {
    static func vectors() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: ReferenceVectorTests.root.appendingPathComponent("Protocol/vectors"), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func operations(_ url: URL) throws -> [LogOperation] {
        try JSONDecoder().decode(VectorTests.Vector.self, from: Data(contentsOf: url)).operations
    }

    @Test("R-PRIV-32: the Python reference computes the same store-audience digest for every vector")
    func pythonAgreesOnTheStoreAudienceDigest() throws {
        let files = try Self.vectors()
        let run = try ReferenceVectorTests.python(["Tools/protocol/model.py", "store-digest"] + files.map(\.path))
        #expect(run.status == 0, "\(run.output)")
        let python = Dictionary(uniqueKeysWithValues: run.output.split(separator: "\n").map { line -> (String, String) in
            let parts = line.split(separator: " ")
            return (String(parts[0]), String(parts.last!))
        })
        var projectedSome = false
        for file in files {
            var replica = ReplicaState()
            for op in try Self.operations(file) { _ = try replica.apply(op) }
            let swift = StoreAudience.digest(replica.records.values)
            #expect(python[file.lastPathComponent] == swift.hex, "\(file.lastPathComponent): python \(python[file.lastPathComponent] ?? "-") swift \(swift.hex)")
            if swift != replica.digest { projectedSome = true }
        }
        #expect(projectedSome, "some vector has a submitted signal with a note, so the projection is exercised")
    }

    @Test("R-PRIV-31: a replica that drops values after every step merges to the projection of the full merge, in any order")
    func projectionCommutesWithMerge() throws {
        var rng = SystemRandomNumberGenerator()
        for file in try Self.vectors() {
            let ops = try Self.operations(file)
            var full = ReplicaState()
            for op in ops { _ = try full.apply(op) }
            let want = StoreAudience.digest(full.records.values)
            for _ in 0..<20 {
                // A per-replica-order-preserving shuffle; each operation arrives projected
                // against the merged state so far, and the state is projected after each step.
                var queues = Dictionary(grouping: ops, by: \.id.replica)
                var dropped: [RecordRef: RecordState] = [:]
                while let replica = queues.keys.filter({ !queues[$0]!.isEmpty }).randomElement(using: &rng) {
                    let op = queues[replica]!.removeFirst()
                    var state = dropped[op.record] ?? RecordState(ref: op.record)
                    state.apply(StoreAudience.project(op, mergedState: full.records[op.record]))
                    dropped[op.record] = StoreAudience.project(state)
                }
                #expect(StateDigest.of(dropped.values) == want, "\(file.lastPathComponent): the dropped replica converges")
            }
        }
    }

    @Test("R-PRIV-31: the projection holds no byte of a withheld value and round-trips its encoding")
    func theProjectionHoldsNoValueBytes() throws {
        let ref = RecordRef(kind: .signal, id: RecordID.random())
        var factory = OperationFactory(replica: ReplicaID(trusted: "dev-a"))
        let draft = SignalDraft(store: "store-a", observedAt: 1_764_756_000_000, reporter: "kassa-1", indicators: ["withdrawn"],
                                note: "Kanarie-notitie", consent: "given", contact: "0612345678")
        let op = try factory.make(record: ref, author: AuthorID(trusted: "kassa-1"), body: .changes(try draft.changes()), physicalMillis: 1_764_756_000_000)
        var state = RecordState(ref: ref)
        state.apply(op)
        let projected = StoreAudience.project(state)
        let bytes = projected.canonicalBytes()
        for text in ["Kanarie-notitie", "0612345678"] {
            #expect(String(decoding: bytes, as: UTF8.self).contains(text) == false)
        }
        #expect(try RecordState(ref: ref, canonicalBytes: bytes) == projected)
        let wire = StoreAudience.project(op, mergedState: state)
        #expect(wire.hash == op.hash && wire.payloadHash == op.payloadHash && wire.body.hasWithheldValues)
        let json = try JSONEncoder().encode(wire)
        let back = try JSONDecoder().decode(LogOperation.self, from: json)
        #expect(back == wire, "a withheld operation round-trips through JSON with its header hash checked")
    }
}
