import Foundation
import OmzienModel
import OmzienTestSupport
import Testing

/// Runs `Protocol/vectors/*.json` (Protocol/MODEL.md section 9). With
/// `OMZIEN_WRITE_VECTORS=1` the files are re-recorded from `VectorScenarios` (on purpose only).
struct VectorTests {
    struct Vector: Codable {
        struct Expected: Codable {
            struct Record: Codable { let kind: String; let id: String; let state: String }
            let digest: String
            let records: [Record]
        }
        let name: String
        let description: String
        let operations: [LogOperation]
        let expect: Expected
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Protocol/vectors").standardizedFileURL

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func expected(_ ops: [LogOperation]) throws -> Vector.Expected {
        var state = ReplicaState()
        for op in ops { try state.apply(op) }
        let records = state.records.values.sorted { $0.ref < $1.ref }.map {
            Vector.Expected.Record(kind: $0.ref.kind.rawValue, id: $0.ref.id.rawValue, state: hex($0.canonicalBytes()))
        }
        return .init(digest: state.digest.hex, records: records)
    }

    /// R-MODEL-12: the state digest and record states of every vector, in two delivery orders.
    @Test func vectorsMatchTheReferenceImplementation() throws {
        if ProcessInfo.processInfo.environment["OMZIEN_WRITE_VECTORS"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            for s in try VectorScenarios.all() {
                let v = Vector(name: s.name, description: s.description, operations: s.operations, expect: try Self.expected(s.operations))
                try encoder.encode(v).write(to: Self.directory.appendingPathComponent("\(s.name).json"))
            }
        }
        let files = try FileManager.default.contentsOfDirectory(at: Self.directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
        #expect(files.count >= 10, "the vectors are missing from \(Self.directory.path)")
        for file in files {
            let vector = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: file))
            let forward = try Self.expected(vector.operations)
            #expect(forward.digest == vector.expect.digest, "\(vector.name): digest")
            #expect(forward.records.map(\.state) == vector.expect.records.map(\.state), "\(vector.name): record states")
            // Another valid delivery order: replicas in reverse order, each in sequence order.
            let byReplica = Dictionary(grouping: vector.operations, by: \.id.replica)
            let reversed = byReplica.keys.sorted(by: >).flatMap { byReplica[$0]! }
            #expect(try Self.expected(reversed).digest == vector.expect.digest, "\(vector.name): order changed the digest")
        }
    }
}
