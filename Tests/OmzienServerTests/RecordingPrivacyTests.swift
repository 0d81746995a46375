import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import Testing

/// Issue 11 leak 3 (Protocol/PRIVACY.md R-PRIV-3): a server recording holds no personal text
/// in the clear unless asked for with a flag that warns, and recordings expire.
struct RecordingPrivacyTests {
    static let canary = "CANARY-rec-7f3a"

    /// A day of traffic with the canary in a note, a contact, a case note, a decline reason
    /// and an author, through `omzien serve` with `extra` arguments; the recording's files
    /// inflated, and the server's stderr.
    static func recordedDay(_ dir: URL, extra: [String]) throws -> (logs: [String], text: String, stderr: String, stdout: String) {
        let db = dir.appendingPathComponent("server.sqlite").path, logs = dir.appendingPathComponent("sessions").path
        let server = try ServeProcess(["--db", db, "--port", "0", "--quiet", "--record", logs] + extra)
        let admin = SyncClient(baseURL: server.url, token: try String(contentsOfFile: db + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), retry: .none)
        _ = try admin.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: "noord", name: "Noord"), as: RegionInfo.self)
        _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: "store-a", region: "noord", name: "Winkel A"), as: StoreInfo.self)
        let partner = try admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: server.url, token: partner.token, retry: .none)
        let code = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let till = try DeviceSync.enroll(server: server.url, code: code.code, label: "till", path: dir.appendingPathComponent("till.sqlite").path, retry: .none)
        let signals = try (0..<2).map { i -> RecordRef in
            let ref = RecordRef(kind: .signal, id: RecordID.random())
            let draft = SignalDraft(store: "store-a", observedAt: Int64(HybridClock.physicalNowMillis()), reporter: "kassa-1", indicators: ["withdrawn"],
                                    note: "\(canary) note \(i)", consent: "given", contact: "06-\(canary)")
            try till.store.appendLocal(record: ref, author: AuthorID(trusted: "kassa-1"), body: .changes(try draft.changes()))
            return ref
        }
        try till.sync()
        _ = try wz.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        _ = try wz.call("POST", "v1/partner/referrals/\(signals[0].id)/status",
                        body: ReferralUpdateRequest(state: "accepted", caseNote: "case \(canary)", author: "eline-\(canary.lowercased())"), as: ReferralView.self)
        _ = try wz.call("POST", "v1/partner/referrals/\(signals[1].id)/status", body: ReferralUpdateRequest(state: "declined", declineReason: "reason \(canary)"), as: ReferralView.self)
        _ = try wz.call("GET", "v1/partner/referrals/\(signals[0].id)", as: ReferralView.self)
        try till.sync()
        #expect(server.terminate() == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: logs).filter { $0.hasSuffix(".jsonl.gz") }.map { logs + "/" + $0 }
        var text = ""
        for f in files { text += try gunzip(f) }
        return (files, text, server.stderr, server.stdout)
    }

    static func gunzip(_ path: String) throws -> String {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", path]
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aRecordingIsPseudonymisedByDefault() throws {
        let dir = try ServeLifecycleTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let day = try Self.recordedDay(dir, extra: [])
        #expect(!day.logs.isEmpty && day.text.contains("/v1/partner/referrals"), "the day was recorded")
        #expect(!day.text.contains(Self.canary) && !day.text.lowercased().contains(Self.canary.lowercased()),
                "a personal text is in the recording in the clear")
        #expect(day.text.contains("redacted-"), "texts are recorded as their pseudonyms")
        #expect(day.stdout.contains("pseudonymised"), "serve says how it records: \(day.stdout)")
        // The key is a file beside the database, never inside it, readable by the owner only.
        let keyPath = dir.appendingPathComponent("server.sqlite.server-key").path
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0, "the server secret is readable by others: \(String(mode, radix: 8))")
        let secret = try String(contentsOfFile: keyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let database = try Data(contentsOf: dir.appendingPathComponent("server.sqlite"))
        #expect(database.range(of: Data(secret.utf8)) == nil)
        // The engineer's tools still read it.
        for log in day.logs {
            let inspect = try CLITests.run(["inspect", log, "--json"])
            #expect(inspect.status == 0, "\(inspect.err)")
            let replay = try CLITests.run(["replay", log])
            #expect(replay.status == 0, "a pseudonymised recording replays to the same structure: \(replay.out) \(replay.err)")
        }
    }

    @Test func plainRecordingNeedsAFlagThatWarns() throws {
        let dir = try ServeLifecycleTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let day = try Self.recordedDay(dir, extra: ["--record-plain"])
        #expect(day.text.contains(Self.canary), "--record-plain records the texts")
        #expect(day.stderr.contains("warning: --record-plain"), "the flag warns: \(day.stderr)")
    }

    @Test func recordingsOlderThanTheRetentionAreDeletedAtStart() throws {
        let dir = try ServeLifecycleTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let logs = dir.appendingPathComponent("sessions")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let old = logs.appendingPathComponent("server-1.jsonl.gz").path, recent = logs.appendingPathComponent("server-2.jsonl.gz").path
        let other = logs.appendingPathComponent("notes.txt").path
        for path in [old, recent, other] { FileManager.default.createFile(atPath: path, contents: Data("x".utf8)) }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-8 * 86_400)], ofItemAtPath: old)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-6 * 86_400)], ofItemAtPath: recent)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-30 * 86_400)], ofItemAtPath: other)
        let server = try ServeProcess(["--db", dir.appendingPathComponent("s.sqlite").path, "--port", "0", "--quiet", "--record", logs.path, "--record-keep-days", "7"])
        #expect(server.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: old), "a recording past the retention stays")
        #expect(FileManager.default.fileExists(atPath: recent), "a recording within the retention was deleted")
        #expect(FileManager.default.fileExists(atPath: other), "a file that is not a recording was deleted")
    }
}
