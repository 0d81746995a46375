import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import Testing

/// Issue 10 defect 10: what a recording keeps is bounded (R-LOG-6).
@Suite(.serialized)
struct RecordingLimitsTests {
    static func post(_ url: URL, _ body: Data, token: String? = nil) throws -> Int {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer " + token }
        return try URLSessionTransport(timeout: 30).send(method: "POST", url: url, headers: headers, body: body).status
    }

    static func size(_ dir: URL) throws -> Int {
        try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: [.fileSizeKey]).reduce(0) { $0 + (try $1.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) }
    }

    @Test func unauthenticatedAndOversizedBodiesAreCappedWithAMarker() throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-caps-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logs) }
        var options = SessionRecorder.Options()
        options.maxBodyBytes = 4096
        let h = try SyncHarness(recordTo: logs.path, recordOptions: options)
        try h.setUpStores([("store-a", "noord")])
        // Five anonymous enrollments with a 7 MB label (random, so gzip cannot hide it).
        let label = (0..<(7_000_000 / 36)).map { _ in UUID().uuidString }.joined()
        let body = try JSONSerialization.data(withJSONObject: ["protocolVersion": 1, "code": "ABCD-EFGH-JKLM-NPQR", "label": label])
        for _ in 0..<5 { #expect(try Self.post(h.baseURL.appendingPathComponent("v1/enroll"), body) >= 400) }
        // An authenticated admin body over the cap.
        let big = try JSONSerialization.data(withJSONObject: ["id": "regio", "name": String(repeating: "x", count: 10_000)])
        _ = try Self.post(h.baseURL.appendingPathComponent("v1/admin/regions"), big, token: h.adminToken)
        let device = try h.enroll("store-a", name: "till-1")
        _ = try device.recordSignal(note: "klein")
        try device.sync()
        let path = h.server.recorder!.path
        h.stop()
        let grown = try Self.size(logs)
        #expect(grown < 200_000, "the recording grew by \(grown) bytes")
        let log = try SessionLogReader.read(path: path)
        let enrolls = log.exchanges.filter { $0.path == "/v1/enroll" && $0.status >= 400 }
        #expect(enrolls.count == 5)
        for e in enrolls {
            #expect(e.requestCapped, "an unauthenticated body is never recorded in full")
            #expect(e.bytesIn > 7_000_000, "the size as received is kept")
            let marker = try #require(try JSONSerialization.jsonObject(with: Data(e.request!)) as? [String: [String: Any]])
            #expect(marker[SessionLog.cappedMarker]?["bytes"] as? Int == e.bytesIn)
            #expect((marker[SessionLog.cappedMarker]?["sha256"] as? String)?.count == 64)
        }
        #expect(log.exchanges.contains { $0.path == "/v1/admin/regions" && $0.requestCapped })
        // Replay skips the refused capped steps and stops with a note at the accepted one;
        // inspect lists them.
        let result = try SessionReplay.run(log.exchanges)
        #expect(result.difference == nil, "\(result.difference?.description ?? "")")
        #expect(result.skipped == 5 + (log.exchanges.first { $0.path == "/v1/admin/regions" && $0.requestCapped }!.status >= 400 ? 1 : 0))
        let inspect = try CLITests.run(["inspect", path])
        #expect(inspect.status == 0, "\(inspect.err)")
        #expect(inspect.out.components(separatedBy: "not recorded (capped)").count - 1 >= 5, "\(inspect.out)")
        let replay = try CLITests.run(["replay", path])
        #expect(replay.status == 0 && (replay.err.contains("capped") || replay.out.contains("capped")), "\(replay.out)\(replay.err)")
    }

    @Test func logsRotateBySizeAndKeepTheNewest() throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-rotate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logs) }
        var options = SessionRecorder.Options()
        options.maxFileBytes = 2000
        options.keepFiles = 3
        let h = try SyncHarness(recordTo: logs.path, recordOptions: options)
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-1")
        for i in 0..<12 {
            _ = try device.recordSignal(note: "signaal \(i) " + UUID().uuidString)
            try device.sync()
        }
        let written = h.server.recorder!.paths
        h.stop()
        let files = try FileManager.default.contentsOfDirectory(atPath: logs.path).sorted()
        #expect(files.count == 3, "\(files)")
        #expect(Set(written.map { ($0 as NSString).lastPathComponent }) == Set(files))
        for f in files {
            let log = try SessionLogReader.read(path: logs.appendingPathComponent(f).path)
            #expect(log.complete, "\(f) is closed when rotated")
            #expect(log.exchanges.first?.step == 1)
            #expect(try CLITests.run(["inspect", logs.appendingPathComponent(f).path]).status == 0)
        }
    }

    @Test func ageRotationStartsANewFile() throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-age-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logs) }
        var options = SessionRecorder.Options()
        options.maxAgeSeconds = 0.2
        let h = try SyncHarness(recordTo: logs.path, recordOptions: options)
        try h.setUpStores([("store-a", "noord")])
        Thread.sleep(forTimeInterval: 0.3)
        try h.setUpStores([("store-b", "noord2")])
        h.stop()
        // At least one rotation (a loaded machine may take longer than 0.2 s within a step too).
        #expect(try FileManager.default.contentsOfDirectory(atPath: logs.path).count >= 2)
    }
}
