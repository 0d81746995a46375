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
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-fuzz-\(target)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = root.appendingPathComponent("Tools/fuzz.sh")
        p.arguments = [target]
        var env = ProcessInfo.processInfo.environment
        env["FUZZ_SECONDS"] = env["OMZIEN_FUZZ_SECONDS"] ?? "10"
        env["FUZZ_OUT"] = dir.path
        p.environment = env
        p.currentDirectoryURL = root
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let summary = text.split(separator: "\n").last { $0.hasPrefix("fuzz \(target):") } ?? "no summary line"
        #expect(p.terminationStatus == 0, "\(summary)\n\(text.suffix(3000))")
        #expect(summary.contains("no crashes"), "\(summary)")
        // The run did execute inputs (a target that returns early on everything finds nothing).
        let executed = summary.split(separator: "(").last.flatMap { Int($0.split(separator: " ").first ?? "") } ?? 0
        #expect(executed > 10_000, "\(summary)")
    }
}
