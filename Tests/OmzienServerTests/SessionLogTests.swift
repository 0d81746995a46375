import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import Testing

/// Recorded sessions (Protocol/SESSION-LOG.md): recording, reading, replaying, fixtures.
/// `OMZIEN_WRITE_FIXTURES=1` re-records `Fixtures/*.jsonl.gz` (Tools/make-fixtures.sh).
@Suite(.serialized)
struct SessionLogTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures").standardizedFileURL
    let author = AuthorID(trusted: "kassa-1")

    /// Runs a scenario on a recording server and returns the log's path (in the harness dir,
    /// or copied to Fixtures/ when re-recording).
    func record(_ name: String, _ scenario: (SyncHarness) throws -> Void) throws -> (URL, SyncHarness) {
        let logDir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-log-\(UUID().uuidString)")
        let h = try SyncHarness(maxDriftMillis: 60_000, recordTo: logDir.path)
        try scenario(h)
        let path = URL(fileURLWithPath: h.server.recorder!.path)
        h.stop()
        if ProcessInfo.processInfo.environment["OMZIEN_WRITE_FIXTURES"] == "1" {
            try FileManager.default.createDirectory(at: Self.fixtures, withIntermediateDirectories: true)
            let target = Self.fixtures.appendingPathComponent("\(name).jsonl.gz")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: path, to: target)
        }
        return (path, h)
    }

    static var scenarios: [(String, (SyncHarness) throws -> Void)] { [
        ("conflicting-offline-edits", { h in
            try h.setUpStores([("store-a", "noord")])
            let devices = try (1...3).map { try h.enroll("store-a", name: "till-\($0)") }
            let signal = try devices[0].recordSignal(note: "Komt elke dag")
            for d in devices { try d.sync() }
            for (i, d) in devices.enumerated() {
                let seen = try d.store.loadRecord(signal)!
                try d.store.appendLocal(record: signal, author: AuthorID(trusted: "kassa-\(i + 1)"), body: .changes([.set(field: "note", value: .string("versie \(i)"), supersedes: seen.heads("note"))]))
            }
            for _ in 0..<2 { for d in devices { try d.sync() } }
        }),
        ("lost-answer-retry", { h in
            try h.setUpStores([("store-a", "noord")])
            let flaky = FlakyTransport()
            let d = try h.enroll("store-a", name: "till-1", transport: flaky)
            for i in 0..<3 { _ = try d.recordSignal(note: "signaal \(i)") }
            flaky.dropNextAnswers(1)
            try d.sync()
        }),
        ("clock-drift-quarantine", { h in
            try h.setUpStores([("store-a", "noord")])
            let d = try h.enroll("store-a", name: "till-1")
            let now = HybridClock.physicalNowMillis()
            _ = try d.recordSignal(note: "op tijd", at: now)
            _ = try d.recordSignal(note: "een dag vooruit", at: now + 86_400_000)
            try d.sync()
            h.clock.offset.withLock { $0 = 86_400_000 }
            try d.sync()
        }),
        ("erase", { h in
            try h.setUpStores([("store-a", "noord")])
            let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-a", name: "till-b")
            let signal = try a.recordSignal(note: "wordt gewist")
            try a.sync(); try b.sync()
            try a.store.appendLocal(record: signal, author: AuthorID(trusted: "kassa-1"), body: .erase)
            try a.sync(); try b.sync()
        }),
        ("partner-follow-up", { h in
            try h.setUpStores([("store-a", "noord")])
            let p = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "W"), as: PartnerCreated.self)
            let wz = SyncClient(baseURL: h.baseURL, token: p.token, retry: .none)
            let a = try h.enroll("store-a", name: "till-a")
            let signal = try a.recordSignal(note: "graag bellen")
            try a.sync()
            _ = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
            _ = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "in-contact"), as: ReferralView.self)
            try a.sync()
        }),
        // Issue 12 item 9: admin, partner and enrollment steps replay too (a store moved to
        // another region, a referral closed and reopened there, a device revoked and refused).
        ("store-move-reopen-revoke", { h in
            try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
            let pn = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Noord"), as: PartnerCreated.self)
            let pz = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-zuid", region: "zuid", name: "Zuid"), as: PartnerCreated.self)
            let noord = SyncClient(baseURL: h.baseURL, token: pn.token, retry: .none), zuid = SyncClient(baseURL: h.baseURL, token: pz.token, retry: .none)
            let a = try h.enroll("store-a", name: "till-a"), spare = try h.enroll("store-a", name: "till-spare")
            let signal = try a.recordSignal(note: "graag bellen"), finished = try a.recordSignal(note: "al geholpen")
            try a.sync(); try spare.sync()
            _ = try noord.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "accepted", caseNote: "belt morgen", author: "eline-wz"), as: ReferralView.self)
            _ = try noord.call("POST", "v1/partner/referrals/\(finished.id)/status", body: ReferralUpdateRequest(state: "closed", outcome: "linked-to-activity"), as: ReferralView.self)
            try a.sync()
            _ = try h.admin.call("POST", "v1/admin/stores/store-a/move", body: MoveStoreRequest(region: "zuid"), as: MoveStoreResponse.self)
            // The open case went to zuid; noord keeps the one it closed, read-only (R-PART-14).
            #expect(throws: (any Error).self) { _ = try noord.call("GET", "v1/partner/referrals/\(signal.id)", as: ReferralView.self) }
            _ = try noord.call("GET", "v1/partner/referrals/\(finished.id)", as: ReferralView.self)
            #expect(throws: (any Error).self) { _ = try zuid.call("GET", "v1/partner/referrals/\(finished.id)", as: ReferralView.self) }
            _ = try zuid.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "closed", outcome: "linked-to-activity"), as: ReferralView.self)
            _ = try zuid.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "reopened"), as: ReferralView.self)
            _ = try zuid.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
            try a.sync()
            _ = try h.admin.call("POST", "v1/admin/devices/\(spare.store.replica.rawValue)/revoke", as: DeviceInfo.self)
            _ = try spare.recordSignal(note: "na intrekken")
            #expect(throws: (any Error).self) { try spare.sync() }
            let b = try h.enroll("store-b", name: "till-b")
            _ = try b.recordSignal(note: "in zuid")
            try b.sync(); try a.sync()
        }),
    ] }

    /// R-LOG-1, R-LOG-2, R-LOG-3: recorded logs (gzip JSON lines, header, exchanges) read back and replay.
    @Test func recordedScenariosReplayToTheSameAnswersAndDigests() throws {
        for (name, scenario) in Self.scenarios {
            let (path, _) = try record(name, scenario)
            let log = try SessionLogReader.read(path: path.path)
            #expect(log.complete, "\(name)")
            #expect(log.exchanges.contains { $0.path == "/v1/sync/push" }, "\(name)")
            let text = String(decoding: try Data(contentsOf: path), as: UTF8.self)
            #expect(!text.contains("omz_"), "\(name): a token was recorded")
            let result = try SessionReplay.run(log.exchanges)
            #expect(result.difference == nil, "\(name): \(result.difference?.description ?? "")")
            #expect(result.replayed > 0 && result.checks > result.replayed, "\(name)")
        }
    }

    @Test func everyFixtureReplaysIdenticallyTwice() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.fixtures, includingPropertiesForKeys: nil).filter { $0.path.hasSuffix(".jsonl.gz") }
        #expect(files.count >= 5, "fixtures missing in \(Self.fixtures.path); run Tools/make-fixtures.sh")
        for file in files.sorted(by: { $0.path < $1.path }) {
            let log = try SessionLogReader.read(path: file.path)
            let first = try SessionReplay.run(log.exchanges), second = try SessionReplay.run(log.exchanges)
            #expect(first.difference == nil, "\(file.lastPathComponent): \(first.difference?.description ?? "")")
            #expect(first == second, "\(file.lastPathComponent): two replays differ")
            // Replaying while reading (omzien replay's way) gives the same result.
            let streamed = try SessionReplay.run(log: try SessionLogStream(path: file.path))
            #expect(streamed == first, "\(file.lastPathComponent): the streamed replay differs")
            let lastStep = try #require(log.exchanges.last?.step)
            let partial = try SessionReplay.run(log: try SessionLogStream(path: file.path), until: lastStep / 2)
            #expect(partial == (try SessionReplay.run(log.exchanges, until: lastStep / 2)), "\(file.lastPathComponent): --until differs")
        }
    }

    /// R-LOG-7: replay checks every step and names the step and field that differ.
    @Test func anAlteredFixtureIsCaughtWithTheStepAndField() throws {
        let file = Self.fixtures.appendingPathComponent("conflicting-offline-edits.jsonl.gz")
        var log = try SessionLogReader.read(path: file.path)
        let index = try #require(log.exchanges.firstIndex { $0.path == "/v1/sync/push" && $0.status == 200 })
        log.exchanges[index].digestAfter = String(repeating: "0", count: 64)
        let result = try SessionReplay.run(log.exchanges)
        #expect(result.difference?.step == log.exchanges[index].step)
        #expect(result.difference?.field == "digest after")
    }

    /// R-LOG-4: truncated, damaged and non-log input give clear errors.
    @Test func badLogsGiveClearErrors() throws {
        let file = Self.fixtures.appendingPathComponent("erase.jsonl.gz")
        let bytes = Array(try Data(contentsOf: file))
        let dir0 = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-logbad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir0, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir0) }
        let notALogFile = dir0.appendingPathComponent("not-a-log.jsonl.gz")
        let cutFile = dir0.appendingPathComponent("cut.jsonl.gz"), corruptFile = dir0.appendingPathComponent("corrupt.jsonl.gz")
        var corrupt = bytes
        corrupt[bytes.count / 2] ^= 0xFF
        try Data("not a log".utf8).write(to: notALogFile)
        try Data(bytes.prefix(bytes.count * 2 / 3)).write(to: cutFile)
        try Data(corrupt).write(to: corruptFile)
        #expect(throws: SessionLogError.self) { try SessionLogReader.read(path: notALogFile.path) }
        // Cut anywhere after the header: the complete lines before the cut still read.
        let cut = try SessionLogReader.read(path: cutFile.path)
        #expect(!cut.complete)
        let whole = try SessionLogReader.read(path: file.path)
        #expect(cut.exchanges.count < whole.exchanges.count)
        #expect(throws: SessionLogError.self) { try SessionLogReader.read(path: corruptFile.path) }
        // Read as a stream step by step: the cut log ends early at the same line, the
        // damaged one throws naming a compressed byte offset near the damage.
        let cutStream = try SessionLogStream(path: cutFile.path)
        var cutSteps = 0
        while try cutStream.next() != nil { cutSteps += 1 }
        #expect(!cutStream.complete && cutSteps == cut.exchanges.count)
        let cutReplay = try SessionReplay.run(log: try SessionLogStream(path: cutFile.path))
        #expect(cutReplay == (try SessionReplay.run(cut.exchanges)))
        do {
            _ = try SessionReplay.run(log: try SessionLogStream(path: corruptFile.path))
            Issue.record("a damaged log replayed without an error")
        } catch let SessionLogError.corrupt(offset, _) {
            #expect(offset > bytes.count / 2 && offset <= bytes.count / 2 + 16_384, "offset \(offset), damage at \(bytes.count / 2)")
        } catch let e as SessionLogError {
            #expect(e.description.contains("line"), "\(e)")  // damage that still inflates shows as a bad line
        }
        // A newer version is refused with the version named.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-lognew-\(UUID().uuidString).jsonl.gz")
        defer { try? FileManager.default.removeItem(at: dir) }
        var header = SessionLog.Header(recorder: "server", replica: "server", startedAt: 1)
        header.version = 99
        let w = try SessionLogWriter(path: dir.path, header: header)
        try w.close()
        #expect(throws: SessionLogError.unsupportedVersion(99)) { try SessionLogReader.read(path: dir.path) }
    }
}

/// The same session recorded on the server and on the device replays to the same digests.
struct DeviceRecordingTests {
    @Test func serverAndDeviceLogsOfOneSessionReplayToTheSameDigests() throws {
        let serverLogs = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-slog-\(UUID().uuidString)")
        let deviceLogs = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-dlog-\(UUID().uuidString)")
        defer { for d in [serverLogs, deviceLogs] { try? FileManager.default.removeItem(at: d) } }
        let h = try SyncHarness(recordTo: serverLogs.path)
        try h.setUpStores([("store-a", "noord")])
        let enrolled = try h.enroll("store-a", name: "till-1")
        let store = enrolled.store
        let recorder = try RecordingTransport(inner: URLSessionTransport(), directory: deviceLogs.path, store: store, plain: true)  // digests compared
        let device = try DeviceSync(store: store, transport: recorder, retry: .none)
        for i in 0..<4 { _ = try device.recordSignal(note: "signaal \(i)") }
        try device.sync()
        let lane = try ChatMomentKey(store: "store-a", lane: 1, day: "2026-11-22")
        try store.appendLocal(record: lane.ref, author: AuthorID(trusted: "kassa-1"), body: .changes(lane.increment(by: 3)))
        try device.sync()
        recorder.finish(store: store)
        let serverPath = h.server.recorder!.path
        h.stop()
        let serverLog = try SessionLogReader.read(path: serverPath)
        let deviceFile = try #require(try FileManager.default.contentsOfDirectory(atPath: deviceLogs.path).first)
        let deviceLog = try SessionLogReader.read(path: deviceLogs.appendingPathComponent(deviceFile).path)
        #expect(deviceLog.header.recorder == "device")
        #expect(deviceLog.exchanges.count >= 4)
        #expect(deviceLog.exchanges.last?.replicaDigest == (try store.stateDigest().hex))
        #expect(deviceLog.exchanges.first?.path == DeviceLogState.startPath, "a device log starts with the device's state (R-LOG-8)")
        let fromServer = try SessionReplay.run(serverLog.exchanges), fromDevice = try SessionReplay.run(deviceLog.exchanges)
        #expect(fromServer.difference == nil, "\(fromServer.difference?.description ?? "")")
        #expect(fromDevice.difference == nil, "\(fromDevice.difference?.description ?? "")")
        #expect(fromServer.digests == fromDevice.digests)
        #expect(fromServer.digests["store-a"] == (try store.stateDigest().hex))
    }
}

/// `omzien diff` between two replicas.
struct DiffTests {
    @Test func diffNamesDifferingFieldsAndMissingOperations() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-a", name: "till-b")
        let signal = try a.recordSignal(note: "eerste")
        try a.sync(); try b.sync()
        let seen = try #require(try b.store.loadRecord(signal))
        try b.store.appendLocal(record: signal, author: AuthorID(trusted: "kassa-2"), body: .changes([.set(field: "urgency", value: .string("urgent"), supersedes: seen.heads("urgency"))]))
        let pathA = h.dir.appendingPathComponent("till-a.sqlite").path, pathB = h.dir.appendingPathComponent("till-b.sqlite").path
        a.store.close(); b.store.close()
        let differ = try CLITests.run(["diff", pathA, pathB, "--json"])
        #expect(differ.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(differ.out.utf8)) as? [String: Any])
        let records = try #require(json["records"] as? [[String: String]])
        #expect(records.contains { $0["field"] == "urgency" && $0["A"] == "'routine'" && $0["B"] == "'urgent'" }, "\(records)")
        let ops = try #require(json["operations"] as? [[String: String]])
        #expect(ops.contains { $0["side"] == "only in B" && $0["operations"] == "#1" })
        let copy = h.dir.appendingPathComponent("till-a-copy.sqlite").path
        try FileManager.default.copyItem(atPath: pathA, toPath: copy)
        let same = try CLITests.run(["diff", pathA, copy])
        #expect(same.status == 0, "\(same.out)\(same.err)")
        #expect(same.out.contains("the same records"))
        // A session log against a replica: the log is replayed first.
        let logCopy = h.dir.appendingPathComponent("erase-copy.jsonl.gz").path
        try FileManager.default.copyItem(atPath: SessionLogTests.fixtures.appendingPathComponent("erase.jsonl.gz").path, toPath: logCopy)
        let logVsLog = try CLITests.run(["diff", SessionLogTests.fixtures.appendingPathComponent("erase.jsonl.gz").path, logCopy, "--store", "store-a"])
        #expect(logVsLog.out.contains("the same records"), "both logs were replayed and compared: \(logVsLog.out)")
        #expect(logVsLog.status == 0, "\(logVsLog.out)\(logVsLog.err)")
        let logVsDevice = try CLITests.run(["diff", SessionLogTests.fixtures.appendingPathComponent("erase.jsonl.gz").path, pathA, "--store", "store-a", "--json"])
        #expect(logVsDevice.status == 1, "a different session differs from this device")
    }
}

/// `omzien inspect` and `omzien replay` on the fixtures, as people and programs use them.
struct SessionCLITests {
    @Test func inspectSummarizesAndDrawsAndReplayAgrees() throws {
        let fixture = SessionLogTests.fixtures.appendingPathComponent("clock-drift-quarantine.jsonl.gz").path
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-\(UUID().uuidString).svg").path
        defer { try? FileManager.default.removeItem(atPath: svg) }
        let inspect = try CLITests.run(["inspect", fixture, "--json", "--timeline", svg])
        #expect(inspect.status == 0, "\(inspect.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspect.out.utf8)) as? [String: Any])
        let principals = try #require(json["principals"] as? [[String: Any]])
        let device = try #require(principals.first { ($0["principal"] as? String)?.hasPrefix("device:") == true })
        #expect((device["quarantined"] as? [String])?.count == 1, "the clock-ahead operation is listed with its reason")
        let picture = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(picture.hasPrefix("<svg"))
        #expect(picture.components(separatedBy: "<title>step ").count - 1 >= json["requests"] as? Int ?? 0, "a mark per request (TimelineTests checks the picture)")
        let conflicts = try CLITests.run(["inspect", SessionLogTests.fixtures.appendingPathComponent("conflicting-offline-edits.jsonl.gz").path, "--json"])
        let cj = try #require(try JSONSerialization.jsonObject(with: Data(conflicts.out.utf8)) as? [String: Any])
        let merged = try #require(cj["concurrentWrites"] as? [String])
        #expect(merged.count == 1 && merged[0].contains(".note: 3 concurrent writes"), "\(merged)")
        let replay = try CLITests.run(["replay", fixture, "--json"])
        #expect(replay.status == 0)
        #expect(replay.out.contains("\"identical\" : true"))
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-\(UUID().uuidString).jsonl.gz").path
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture))
        try bytes.prefix(20).write(to: URL(fileURLWithPath: broken))
        let bad = try CLITests.run(["replay", broken])
        #expect(bad.status == 65, "a damaged log is bad data: \(bad.err)")
        // Cut off after two thirds: the steps before the cut replay, and a warning says so.
        try bytes.prefix(bytes.count * 2 / 3).write(to: URL(fileURLWithPath: broken))
        let cut = try CLITests.run(["replay", broken])
        #expect(cut.status == 0, "\(cut.err)")
        #expect(cut.err.contains("is cut off after step"), "\(cut.err)")
        #expect(cut.out.contains("every answer and digest is the same"), "\(cut.out)")
        let cutInspect = try CLITests.run(["inspect", broken])
        #expect(cutInspect.status == 0 && cutInspect.out.contains("the log ends early"), "\(cutInspect.out)\(cutInspect.err)")
    }
}

/// Redacted logs leave no personal text and replay to the same structure (R-LOG-5).
struct RedactionTests {
    @Test func redactedFixturesReplayToTheSameStructureWithoutTheTexts() throws {
        let texts = ["versie 0", "versie 1", "versie 2", "Komt elke dag", "graag bellen", "wordt gewist", "signaal 0", "op tijd", "een dag vooruit",
                     "belt morgen", "na intrekken", "in zuid", "eline-wz", "\"author\":\"kassa-1\""]
        let key = Array(repeating: UInt8(7), count: 32)
        let names = try FileManager.default.contentsOfDirectory(atPath: SessionLogTests.fixtures.path).filter { $0.hasSuffix(".jsonl.gz") }.map { String($0.dropLast(".jsonl.gz".count)) }
        #expect(names.contains("store-move-reopen-revoke"))
        for name in names.sorted() {
            let input = SessionLogTests.fixtures.appendingPathComponent("\(name).jsonl.gz").path
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-redacted-\(UUID().uuidString).jsonl.gz").path
            let again = out + ".again.jsonl.gz"
            defer { for p in [out, again] { try? FileManager.default.removeItem(atPath: p) } }
            _ = try SessionRedactor.redact(input: input, output: out, key: key)
            _ = try SessionRedactor.redact(input: input, output: again, key: key)
            let original = try SessionLogReader.read(path: input), redacted = try SessionLogReader.read(path: out)
            #expect(redacted.header.redacted)
            let plain = redacted.exchanges.flatMap { ($0.request ?? []) + ($0.response ?? []) }
            for text in texts {
                #expect(!plain.containsSubsequence(Array(text.utf8)), "\(name): '\(text)' survived redaction")
            }
            #expect(redacted.exchanges.map { $0.request } == (try SessionLogReader.read(path: again)).exchanges.map { $0.request }, "\(name): the same key gives the same pseudonyms")
            let a = try SessionReplay.run(original.exchanges), b = try SessionReplay.run(redacted.exchanges)
            #expect(b.difference == nil, "\(name): \(b.difference?.description ?? "")")
            #expect(a.replayed == b.replayed, "\(name): the same steps replay")
        }
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
