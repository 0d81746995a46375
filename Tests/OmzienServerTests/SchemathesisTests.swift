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
        let env = ["OMZIEN_ADMIN_TOKEN": token, "OMZIEN_MAX_EXAMPLES": ProcessInfo.processInfo.environment["OMZIEN_MAX_EXAMPLES"] ?? "5",
                   "OMZIEN_REPORT_DIR": dir.appendingPathComponent("report").path]
        let (status, text) = try ToolRunner.run("Tools/schemathesis.sh", [server.url.absoluteString], environment: env)
        let summary = ToolRunner.summary(text, prefix: "schemathesis:")
        #expect(status == 0, "\(summary)\n\(text.suffix(3000))")
        #expect(summary.contains("PASS"), "\(summary)")
    }
}
