import Foundation
import OmzienModel
import Testing

/// The independent Python reference of MODEL.md (`Tools/protocol/model.py`, issue 15) against
/// the Swift model. The Python code is written from the text, not from the Swift code, so a
/// rule Swift gets consistently wrong shows up as a disagreement here (R-MODEL-7, R-MODEL-8,
/// R-MODEL-9, R-MODEL-10, R-MODEL-11, R-MODEL-12).
struct ReferenceVectorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        p.currentDirectoryURL = root
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// Python recomputes every vector in Protocol/vectors/ (in the given and the reverse
    /// per-replica-interleaved order).
    @Test func pythonReferenceAgreesWithEveryVector() throws {
        let run = try Self.python(["Tools/protocol/model.py", "check"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("10 of 10 vectors agree") || run.output.range(of: #"(\d+) of \1 vectors agree"#, options: .regularExpression) != nil, "\(run.output)")
    }

    struct Generated: Decodable {
        let seed: Int
        let vectors: [VectorTests.Vector]
    }

    /// 1,000 random vectors made and expected by Python; Swift must reach the same record
    /// states and digest in the given order and in the reverse per-replica order.
    @Test func swiftAgreesWithPythonOnAThousandGeneratedVectors() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-ref-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let seed = ProcessInfo.processInfo.environment["OMZIEN_REFERENCE_SEED"] ?? "15"
        let run = try Self.python(["Tools/protocol/generate.py", "--seed", seed, "--count", "1000", "--out", file.path])
        try #require(run.status == 0, "\(run.output)")
        let generated = try JSONDecoder().decode(Generated.self, from: Data(contentsOf: file))
        #expect(generated.vectors.count == 1000)
        var disagreements: [String] = []
        for vector in generated.vectors {
            let swift = try VectorTests.expected(vector.operations)
            if swift.digest != vector.expect.digest || swift.records.map(\.state) != vector.expect.records.map(\.state)
                || swift.records.map(\.id) != vector.expect.records.map(\.id) {
                let first = zip(swift.records, vector.expect.records).first { $0.state != $1.state }
                disagreements.append("\(vector.name) (seed \(seed)): \(first.map { "\($0.0.kind)/\($0.0.id) swift \($0.0.state) python \($0.1.state)" } ?? "records differ")")
            }
            let byReplica = Dictionary(grouping: vector.operations, by: \.id.replica)
            let reversed = byReplica.keys.sorted(by: >).flatMap { byReplica[$0]! }
            if try VectorTests.expected(reversed).digest != vector.expect.digest {
                disagreements.append("\(vector.name) (seed \(seed)): reverse order changed the digest")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) of 1000 disagree; first: \(disagreements.prefix(3).joined(separator: "\n"))")
    }
}
