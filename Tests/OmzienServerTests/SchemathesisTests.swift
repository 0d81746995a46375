import Foundation
import Testing

/// schemathesis (PyPI) generates requests from Protocol/openapi.json against a live
/// `omzien serve` and checks for 5xx, undocumented statuses and content types, responses that
/// break their schema, and endpoints that ignore authentication. A short run here
/// (`OMZIEN_MAX_EXAMPLES`, default 5 per operation); `OMZIEN_MAX_EXAMPLES=500
/// Tools/schemathesis.sh URL` is the long run.
struct SchemathesisTests {
    @Test func theLiveServerMatchesItsOpenAPIDocument() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("server.sqlite").path
        let server = try ServerKillTests.ServerProcess(db: db)
        defer { server.kill() }
        let token = try String(contentsOfFile: db + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
        let p = Process()
        p.executableURL = root.appendingPathComponent("Tools/schemathesis.sh")
        p.arguments = [server.url.absoluteString]
        var env = ProcessInfo.processInfo.environment
        env["OMZIEN_ADMIN_TOKEN"] = token
        env["OMZIEN_MAX_EXAMPLES"] = env["OMZIEN_MAX_EXAMPLES"] ?? "5"
        env["OMZIEN_REPORT_DIR"] = dir.appendingPathComponent("report").path
        p.environment = env
        p.currentDirectoryURL = root
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let summary = text.split(separator: "\n").last { $0.hasPrefix("schemathesis:") } ?? "no summary line"
        #expect(p.terminationStatus == 0, "\(summary)\n\(text.suffix(3000))")
        #expect(summary.contains("PASS"), "\(summary)")
    }
}
