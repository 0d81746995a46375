import Foundation
import Testing

/// The two parsers that read bytes from the network, fuzzed briefly with libFuzzer and
/// AddressSanitizer (`Tools/fuzz.sh`): the HTTP request parser and the JSON reader of request
/// bodies. Known crashers are replayed first. The long run is an hour per target:
/// `Tools/fuzz.sh http-parser`, `Tools/fuzz.sh json-reader`. `OMZIEN_FUZZ_SECONDS` sets the
/// brief run's length (default 10 s per target; the build takes longer than that).
struct LibFuzzerTests {
    @Test(arguments: ["http-parser", "json-reader"])
    func fuzzTargetFindsNoCrash(target: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-fuzz-\(target)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ["FUZZ_SECONDS": ProcessInfo.processInfo.environment["OMZIEN_FUZZ_SECONDS"] ?? "10", "FUZZ_OUT": dir.path]
        let (status, text) = try ToolRunner.run("Tools/fuzz.sh", [target], environment: env)
        let summary = ToolRunner.summary(text, prefix: "fuzz \(target):")
        #expect(status == 0, "\(summary)\n\(text.suffix(3000))")
        #expect(summary.contains("no crashes"), "\(summary)")
        // The run did execute inputs (a target that returns early on everything finds nothing).
        let executed = summary.split(separator: "(").last.flatMap { Int($0.split(separator: " ").first ?? "") } ?? 0
        #expect(executed > 10_000, "\(summary)")
    }
}
