import Foundation
import OmzienClient
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import Synchronization
import Testing

/// Issue 10: what an attacker or a careless operator does to the server. Each test names the
/// defect it reproduces; all of them failed (or crashed the process) before the fix.
@Suite struct ServerHardeningTests {
    static let author = AuthorID(trusted: "kassa-1")
    static let now = HybridClock.physicalNowMillis()

    /// An operation of `device`'s replica with whatever numbers a hostile device chooses,
    /// its hashes valid.
    static func forged(_ device: DeviceSync, seq: UInt64, hlc: UInt64, record: RecordRef? = nil, body: OperationBody? = nil,
                       prev: SHA256Digest = .zero) throws -> LogOperation {
        let ref = record ?? RecordRef(kind: .signal, id: RecordID.random())
        let b = try body ?? .changes(SignalDraft(store: device.storeID, observedAt: Int64(now), reporter: "kassa-1", indicators: ["withdrawn"], note: "canary").changes())
        return LogOperation(id: OperationID(replica: device.store.replica, sequence: seq), timestamp: HLCTimestamp(packed: hlc),
                            author: author, record: ref, body: b, previousHash: prev)
    }

    static func hlc(_ wallMillis: UInt64) -> UInt64 { HLCTimestamp(wallMillis: wallMillis, counter: 0).packed }

    /// A push as raw bytes; the status and the decoded body.
    static func post(_ h: SyncHarness, _ path: String, token: String?, _ body: Data) throws -> (status: Int, json: [String: Any]) {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let (status, data) = try URLSessionTransport().send(method: "POST", url: h.baseURL.appendingPathComponent(path), headers: headers, body: body)
        return (status, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    static func push(_ h: SyncHarness, _ device: DeviceSync, _ ops: [LogOperation]) throws -> (status: Int, json: [String: Any]) {
        try post(h, "v1/sync/push", token: device.client.token, try JSONEncoder().encode(PushRequest(replica: device.store.replica.rawValue, operations: ops)))
    }

    static func code(_ json: [String: Any]) -> String { String((json["type"] as? String ?? "").split(separator: "/").last ?? "") }

    // MARK: Defect 1: untrusted integers

    /// R-MODEL-13: sequences and timestamps above 2^63 - 1 are refused.
    @Test func aHugeSequenceWithAFutureClockIsRefusedAndTheServerLives() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-1")
        for (seq, ahead) in [(UInt64(1) << 63, UInt64(3_600_000)), (UInt64(1) << 63, 0), (UInt64.max, 3_600_000)] {
            let r = try Self.push(h, device, [try Self.forged(device, seq: seq, hlc: Self.hlc(Self.now + ahead))])
            #expect(r.status == 400, "sequence \(seq): \(r)")
            #expect((r.json["detail"] as? String ?? "").contains("2^63"), "\(r.json)")
        }
        // An HLC beyond 2^63 - 1 is refused the same way.
        let r = try Self.push(h, device, [try Self.forged(device, seq: 1, hlc: UInt64.max - 3)])
        #expect(r.status == 400, "\(r)")
        #expect(try device.client.call("GET", "v1/sync/status", as: StatusResponse.self).held == 0, "the server is alive")
    }

    @Test func aRemoteTimestampAtTheEndOfTimeDoesNotStopLocalWrites() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-hlc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("till.sqlite").path
        var other = OperationFactory(replica: ReplicaID(trusted: "store-a-d9"))
        let ref = RecordRef(kind: .feedback, id: RecordID.random())
        let feedback = try FeedbackDraft(store: "store-a", givenAt: Int64(Self.now), category: "other", nps: 7).changes()
        let late = try other.make(record: ref, author: Self.author, body: .changes(feedback), physicalMillis: HLCTimestamp.maxWallMillis)
        #expect(late.timestamp.packed == HLCTimestamp(wallMillis: HLCTimestamp.maxWallMillis, counter: 0).packed)
        do {
            let store = try ReplicaStore(path: path, replica: ReplicaID(trusted: "store-a-d1"))
            try store.apply([late], mode: .scopedFeed)
            for _ in 0..<3 {
                let op = try store.appendLocal(record: ref, author: Self.author, body: .changes([.set(field: "nps", value: .int(8), supersedes: [])]))
                #expect(op.timestamp.wallMillis <= HybridClock.physicalNowMillis() + HybridClock.defaultMaxAheadMillis, "R-MODEL-14: the clock is not dragged")
            }
            store.close()
        }
        let reopened = try ReplicaStore(path: path)
        let op = try reopened.appendLocal(record: ref, author: Self.author, body: .changes([.set(field: "nps", value: .int(9), supersedes: [])]))
        #expect(op.timestamp.wallMillis <= HybridClock.physicalNowMillis() + HybridClock.defaultMaxAheadMillis)
        // An operation beyond the largest timestamp is refused, not stored.
        let beyond = LogOperation(id: OperationID(replica: ReplicaID(trusted: "store-a-d9"), sequence: 2), timestamp: HLCTimestamp(packed: UInt64.max),
                                  author: Self.author, record: ref, body: .changes([.set(field: "nps", value: .int(1), supersedes: [])]), previousHash: late.hash)
        #expect(throws: ModelError.self) { try reopened.apply([beyond], mode: .scopedFeed) }
        reopened.close()
    }

    /// R-MODEL-13: a restored clock beyond the largest timestamp is brought back.
    @Test func aRestoredClockBeyondTheLargestTimestampIsBroughtBack() {
        var clock = HybridClock(restoring: UInt64.max)
        let t = clock.tick(physicalMillis: Self.now)
        #expect(t.packed <= HLCTimestamp.maxPacked)
    }

    // MARK: Defect 2: quarantine checks everything but the clock, and is bounded

    /// R-SYNC-7, R-SYNC-13: every push check of R-SYNC-7 (hashes, schema, gap, fork, chain, scope) runs before an operation is parked.
    @Test func quarantineChecksEverythingButTheClock() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let device = try h.enroll("store-a", name: "till-1")
        let ahead = Self.hlc(Self.now + 86_400_000)
        let longNote = try OperationBody.changes([.set(field: "note", value: .string(String(repeating: "x", count: 3000)), supersedes: [])])
        let newSignal = { (note: String) in
            try OperationBody.changes(SignalDraft(store: "store-a", observedAt: Int64(Self.now), reporter: "kassa-1", indicators: ["withdrawn"], note: note).changes())
        }
        let cases: [(String, [LogOperation], Int, String)] = [
            ("gap", [try Self.forged(device, seq: 2, hlc: ahead)], 409, "sequence-gap"),
            ("broken chain", [try Self.forged(device, seq: 1, hlc: ahead, prev: SHA256.hash(Array("x".utf8)))], 409, "broken-chain"),
            ("another store", [try Self.forged(device, seq: 1, hlc: ahead, body: .changes(SignalDraft(store: "store-b", observedAt: Int64(Self.now), reporter: "kassa-1", indicators: ["withdrawn"]).changes()))], 403, "forbidden"),
            ("unknown field", [try Self.forged(device, seq: 1, hlc: ahead, body: .changes([.set(field: "bogus", value: .int(1), supersedes: [])]))], 422, "invalid-operation"),
            ("note too long", [try Self.forged(device, seq: 1, hlc: ahead, body: longNote)], 422, "invalid-operation"),
            ("fork of a parked operation", [], 409, "forked-operation"),
        ]
        for (name, ops, status, code) in cases where !ops.isEmpty {
            let r = try Self.push(h, device, ops)
            #expect(r.status == status && Self.code(r.json) == code, "\(name): \(r)")
            if code == "invalid-operation" { #expect(r.json["operation"] as? String == ops[0].id.description, "\(name) names the operation: \(r.json)") }
        }
        #expect(try h.admin.call("GET", "v1/admin/quarantine", as: [QuarantineEntry].self).isEmpty, "nothing invalid was parked")
        // A valid future operation is parked; another operation with the same id is a fork.
        let parked = try Self.forged(device, seq: 1, hlc: ahead, body: try newSignal("eerste"))
        #expect(try Self.push(h, device, [parked]).status == 200)
        let fork = try Self.forged(device, seq: 1, hlc: ahead, body: try newSignal("tweede"))
        let r = try Self.push(h, device, [fork])
        #expect(r.status == 409 && Self.code(r.json) == "forked-operation", "\(r)")
        // The chain of what follows a parked operation is checked against it.
        let r2 = try Self.push(h, device, [try Self.forged(device, seq: 2, hlc: Self.hlc(Self.now), prev: SHA256.hash(Array("y".utf8)))])
        #expect(r2.status == 409 && Self.code(r2.json) == "broken-chain", "\(r2)")
        #expect(try h.admin.call("GET", "v1/admin/quarantine", as: [QuarantineEntry].self).map(\.operation) == [parked.id.description])
    }

    /// R-SYNC-13: the quarantine is bounded (quarantine-full).
    @Test func quarantineIsBoundedAndNotReadOnEveryPush() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-1")
        let future = Self.now + 86_400_000
        for i in 0..<Limits.maxQuarantinedOperations {
            _ = try device.recordSignal(note: String(repeating: "n", count: 1900) + "\(i)", at: future + UInt64(i))
        }
        let ops = try device.store.unsentOperations(limit: Limits.maxQuarantinedOperations)
        let dbPath = h.dir.appendingPathComponent("server.sqlite").path
        for _ in 0..<20 {
            let r = try Self.push(h, device, ops)
            #expect(r.status == 200, "\(r.status)")
        }
        #expect((try h.admin.call("GET", "v1/admin/quarantine", as: [QuarantineEntry].self)).count == Limits.maxQuarantinedOperations)
        #expect(h.server.service._quarantineLoads == 0, "parked operations that are not due are not decoded")
        // One more is refused with a clear problem, and nothing grows.
        _ = try device.recordSignal(note: "een te veel", at: future + 5000)
        let extra = try device.store.unsentOperations(limit: 2000).last!
        let r = try Self.push(h, device, [extra])
        #expect(r.status == 409 && Self.code(r.json) == "quarantine-full", "\(r)")
        #expect((r.json["detail"] as? String ?? "").contains("release"))
        let size = ((try? FileManager.default.attributesOfItem(atPath: dbPath)[.size] as? Int) ?? 0)
            + ((try? FileManager.default.attributesOfItem(atPath: dbPath + "-wal")[.size] as? Int) ?? 0)
        #expect(size < 16 << 20, "the database stays small: \(size) bytes")
    }

    /// R-SYNC-14: the admin lists and releases parked operations without payloads.
    @Test func adminListsAndReleasesQuarantineWithoutSeeingPayloads() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-1")
        _ = try device.recordSignal(note: "geheime-notitie", at: Self.now + 86_400_000)
        let report = try device.sync()
        #expect(report.quarantined.count == 1)
        let (status, body) = try URLSessionTransport().send(method: "GET", url: h.baseURL.appendingPathComponent("v1/admin/quarantine"),
                                                             headers: ["Authorization": "Bearer \(h.adminToken)"], body: nil)
        #expect(status == 200)
        #expect(!String(decoding: body, as: UTF8.self).contains("geheime-notitie"), "no payload in the listing")
        let list = try JSONDecoder().decode([QuarantineEntry].self, from: body)
        #expect(list.count == 1 && list[0].store == "store-a" && list[0].aheadMillis > 23 * 3_600_000, "\(list)")
        #expect(throws: ClientError.self) { _ = try device.client.call("GET", "v1/admin/quarantine", as: [QuarantineEntry].self) }
        let released = try h.admin.call("POST", "v1/admin/quarantine/\(device.store.replica)/release", as: QuarantineReleaseResponse.self)
        #expect(released.released == 1 && released.held == 1)
        #expect(try h.admin.call("GET", "v1/admin/quarantine", as: [QuarantineEntry].self).isEmpty)
        let after = try device.sync()
        #expect(after.acknowledged == 1 && device.store.acknowledged == 1)
        #expect(try device.store.stateDigest() == (try h.server.service.digest(store: "store-a")))
    }

    // MARK: Defect 3: clock contamination

    @Test func releasedFutureOperationsDoNotDragOtherDevicesIntoQuarantine() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let ahead = try h.enroll("store-a", name: "till-ahead")
        let honest = try h.enroll("store-a", name: "till-honest")
        _ = try ahead.recordSignal(note: "een dag vooruit", at: Self.now + 86_400_000)
        _ = try ahead.sync()
        _ = try h.admin.call("POST", "v1/admin/quarantine/\(ahead.store.replica)/release", as: QuarantineReleaseResponse.self)
        let pulled = try honest.sync()
        #expect(pulled.applied == 1)
        _ = try honest.recordSignal(note: "nu", at: HybridClock.physicalNowMillis())
        let pushed = try honest.sync()
        #expect(pushed.quarantined.isEmpty, "the honest device's own operation is not quarantined: \(pushed.quarantined)")
        #expect(honest.store.acknowledged == 1)
    }

    // MARK: Defect 4: enrollment is retry-safe

    /// R-SYNC-2a, R-SYNC-6: a retried enrollment with its nonce is the same device; a used or unknown code is 401 invalid-code.
    @Test func anEnrollmentWhoseAnswerIsLostIsRetriedAsTheSameDevice() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let code = try h.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let flaky = FlakyTransport()
        flaky.dropNextAnswers(1)
        let path = h.dir.appendingPathComponent("till.sqlite").path
        let device = try DeviceSync.enroll(server: h.baseURL, code: code.code, label: "till", path: path, transport: flaky, retry: .fast)
        let devices = try h.admin.call("GET", "v1/admin/devices", as: [DeviceInfo].self)
        #expect(devices.map(\.replica) == [device.store.replica.rawValue], "no orphan device: \(devices)")
        _ = try device.recordSignal(note: "na inschrijving")
        #expect(try device.sync().acknowledged == 1)
        #expect(!FileManager.default.fileExists(atPath: path + ".enrolling"))
        // The same code without the device's nonce is spent.
        let r = try Self.post(h, "v1/enroll", token: nil, try JSONEncoder().encode(EnrollRequest(code: code.code)))
        #expect(r.status == 401 && Self.code(r.json) == "invalid-code")
        let other = try Self.post(h, "v1/enroll", token: nil, try JSONEncoder().encode(EnrollRequest(code: code.code, nonce: "another-device-nonce-1234")))
        #expect(other.status == 401)
    }

    /// R-SYNC-2a, found by the simulation (seed 44): a late copy of an enrollment request
    /// (same code, same nonce) that arrives after the device got its answer and used its
    /// token must not replace that token; before the first use it still may (a lost answer).
    @Test func aLateCopyOfAnEnrollmentCannotLockTheDeviceOut() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let code = try h.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let request = try JSONEncoder().encode(EnrollRequest(code: code.code, nonce: "late-copy-nonce-0123456789"))
        let first = try Self.post(h, "v1/enroll", token: nil, request)
        let lost = try Self.post(h, "v1/enroll", token: nil, request)
        #expect((200...201).contains(first.status) && (200...201).contains(lost.status), "before its first use the token may still be replaced (the answer was lost)")
        let token = try #require(lost.json["token"] as? String)
        let client = SyncClient(baseURL: h.baseURL, token: token, retry: .none)
        _ = try client.call("GET", "v1/sync/status", as: StatusResponse.self)
        let late = try Self.post(h, "v1/enroll", token: nil, request)
        #expect(late.status == 401 && Self.code(late.json) == "invalid-code", "a used token was replaced by a late copy: \(late)")
        _ = try client.call("GET", "v1/sync/status", as: StatusResponse.self)
    }

    /// R-SYNC-2a, the window the fix above leaves: a late copy of the enroll request that
    /// arrives after the device has its answer but before it used the token. With a random
    /// token per answer the copy replaced the device's token and the device got 401 from then
    /// on; the token of a retry is derived from the code and the nonce under a server key, so
    /// every copy of the same enrollment gets the same token.
    @Test func aLateCopyBeforeTheFirstUseGetsTheSameToken() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let code = try h.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let request = try JSONEncoder().encode(EnrollRequest(code: code.code, nonce: "early-copy-nonce-0123456789"))
        let answer = try Self.post(h, "v1/enroll", token: nil, request)
        let token = try #require(answer.json["token"] as? String)
        let copy = try Self.post(h, "v1/enroll", token: nil, request)
        #expect((200...201).contains(copy.status) && copy.json["token"] as? String == token, "a copy of the same enrollment gets the same token")
        let client = SyncClient(baseURL: h.baseURL, token: token, retry: .none)
        #expect(throws: Never.self, "the device's token still works after a late copy") { _ = try client.call("GET", "v1/sync/status", as: StatusResponse.self) }
        let other = try Self.post(h, "v1/enroll", token: nil, try JSONEncoder().encode(EnrollRequest(code: code.code, nonce: "another-nonce-0123456789")))
        #expect(other.status == 401, "another nonce is another device: refused")
    }

    /// Fails chosen requests before sending them (the network went away at that point).
    final class FailingTransport: HTTPTransport, @unchecked Sendable {
        let inner = URLSessionTransport(timeout: 10)
        let fails: Mutex<[String: Int]>
        init(_ fails: [String: Int]) { self.fails = Mutex(fails) }
        func send(method: String, url: URL, headers: [String: String], body: Data?) throws -> (status: Int, body: Data) {
            let fail = fails.withLock { f -> Bool in
                guard let key = f.keys.first(where: { url.path.hasSuffix($0) }), f[key]! > 0 else { return false }
                f[key]! -= 1
                return true
            }
            if fail { throw ClientError.offline("simulated: no network for \(url.path)") }
            let answer = try inner.send(method: method, url: url, headers: headers, body: body)
            if url.path.hasSuffix("enroll"), fails.withLock({ $0["enroll-answer"] ?? 0 }) > 0 {
                fails.withLock { $0["enroll-answer"]! -= 1 }
                throw ClientError.offline("simulated: the answer was lost")
            }
            return answer
        }
    }

    /// R-SYNC-2a: enrollment is retry-safe.
    @Test func anEnrollmentStoppedHalfWayFinishesWhenRunAgain() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let code = try h.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let path = h.dir.appendingPathComponent("till.sqlite").path
        // 1. The answer is lost and the program gives up (no retries left).
        #expect(throws: ClientError.self) {
            _ = try DeviceSync.enroll(server: h.baseURL, code: code.code, label: "till", path: path, transport: FailingTransport(["enroll-answer": 1]), retry: .none)
        }
        #expect(FileManager.default.fileExists(atPath: path + ".enrolling"), "the intent is kept")
        // 2. Run again: the answer arrives, but the snapshot does not.
        #expect(throws: ClientError.self) {
            _ = try DeviceSync.enroll(server: h.baseURL, code: code.code, label: "till", path: path, transport: FailingTransport(["snapshot": 1]), retry: .none)
        }
        // 3. Run again: it finishes, as the same device.
        let device = try DeviceSync.enroll(server: h.baseURL, code: code.code, label: "till", path: path, transport: URLSessionTransport(), retry: .none)
        let devices = try h.admin.call("GET", "v1/admin/devices", as: [DeviceInfo].self)
        #expect(devices.map(\.replica) == [device.store.replica.rawValue], "\(devices)")
        _ = try device.recordSignal(note: "eindelijk")
        #expect(try device.sync().acknowledged == 1)
        // 4. And once more: it is enrolled, and says so.
        device.store.close()
        #expect {
            _ = try DeviceSync.enroll(server: h.baseURL, code: code.code, label: "till", path: path)
        } throws: { ($0 as? ClientError)?.description.contains("enrolled already") == true }
    }

    // MARK: Defect 6: errors that vanish

    /// A server with a request log the test can read.
    final class LoggedServer {
        let dir: URL
        let server: SyncServer
        let port: Int
        let admin: SyncClient
        let log = LogLines()
        /// The log lines so far, last one last.
        var lines: [RequestLogEntry] { log.entries.withLock { $0 } }
        var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-logged-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var http = HTTPServer.Configuration.testing()
            let log = self.log
            http.requestLog = RequestLogSink { entry in log.entries.withLock { $0.append(entry) } }
            server = try SyncServer(databasePath: dir.appendingPathComponent("server.sqlite").path, http: http)
            port = try server.start()
            admin = SyncClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, token: try server.service.bootstrapAdminToken()!, retry: .none)
        }

        /// A region, a store and one enrolled device of it.
        func enrolledDevice() throws -> DeviceSync {
            _ = try admin.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: "noord", name: "Noord"), as: RegionInfo.self)
            _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: "store-a", region: "noord", name: "A"), as: StoreInfo.self)
            let code = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
            return try DeviceSync.enroll(server: baseURL, code: code.code, label: "till", path: dir.appendingPathComponent("till.sqlite").path, retry: .none)
        }

        deinit {
            server.stop(deadline: .seconds(2))
            try? FileManager.default.removeItem(at: dir)
        }
    }

    final class LogLines: Sendable { let entries = Mutex<[RequestLogEntry]>([]) }

    /// R-SYNC-15: a full disk is 503 service-unavailable with Retry-After.
    @Test func aFullDiskIs503WithRetryAfterAndHealthzSaysSo() throws {
        let s = try LoggedServer()
        let device = try s.enrolledDevice()
        try s.server.service._limitDatabaseToItsCurrentSize()
        for i in 0..<40 { _ = try device.recordSignal(note: String(repeating: "vol", count: 600) + "\(i)") }
        #expect { try device.sync() } throws: { error in
            guard case ClientError.offline = error else { return false }  // "offline, nothing lost"
            return true
        }
        let pushLine = try #require(s.lines.last { $0.route == "/v1/sync/push" })
        #expect(pushLine.status == 503, "\(pushLine.jsonLine)")
        #expect(pushLine.error?.contains("storage") == true, "the cause is logged with the request id \(pushLine.requestID)")
        let (raw, rawBody) = try URLSessionTransport().send(method: "POST", url: s.baseURL.appendingPathComponent("v1/sync/push"),
            headers: ["Authorization": "Bearer \(device.client.token!)", "Content-Type": "application/json"],
            body: try JSONEncoder().encode(PushRequest(replica: device.store.replica.rawValue, operations: try device.store.unsentOperations())))
        #expect(raw == 503, "\(String(decoding: rawBody, as: UTF8.self))")
        let (health, healthBody) = try URLSessionTransport().send(method: "GET", url: s.baseURL.appendingPathComponent("healthz"), headers: [:], body: nil)
        #expect(health == 503, "healthz reports a database that cannot commit: \(String(decoding: healthBody, as: UTF8.self))")
        let unsent = try device.store.unsentOperations(limit: 100).count
        #expect(device.store.acknowledged == 0 && unsent == 40, "nothing lost on the device")
        // Space again: everything goes, and health is back.
        try s.server.service._limitDatabaseToItsCurrentSize(extraPages: 100_000)
        #expect(try device.sync().acknowledged == 40)
        #expect(try URLSessionTransport().send(method: "GET", url: s.baseURL.appendingPathComponent("healthz"), headers: [:], body: nil).status == 200)
    }

    /// R-SYNC-15: an internal error is logged and answered 500 without detail.
    @Test func anInternalErrorDuringAPushIsLoggedAndAnswered500WithoutDetail() throws {
        let s = try LoggedServer()
        let device = try s.enrolledDevice()
        // A damaged row where the push reads (the quarantine of this device).
        try s.server.service._damageQuarantine(of: device.store.replica)
        _ = try device.recordSignal(note: "x")
        let (status, body) = try URLSessionTransport().send(method: "POST", url: s.baseURL.appendingPathComponent("v1/sync/push"),
            headers: ["Authorization": "Bearer \(device.client.token!)", "Content-Type": "application/json"],
            body: try JSONEncoder().encode(PushRequest(replica: device.store.replica.rawValue, operations: try device.store.unsentOperations())))
        #expect(status == 500)
        let problem = try JSONDecoder().decode(Problem.self, from: body)
        #expect(problem.code == "internal" && problem.detail == nil, "no detail leaves the server: \(problem)")
        let line = try #require(s.lines.last { $0.route == "/v1/sync/push" })
        #expect(line.status == 500 && line.error?.contains("quarantine") == true, "logged once, with its cause: \(line.jsonLine)")
    }

    // MARK: Defect 7: lenient bodies

    @Test func everyBodyIsStrictJSON() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let cases: [(String, String, Int, String)] = [
            ("v1/admin/regions", #"{"id":"zuid","name":"Zuid","name":"Noord"}"#, 400, "invalid-json"),
            ("v1/admin/regions", #"{"id":"zuid","name":"Zuid",}"#, 400, "invalid-json"),
            ("v1/admin/enrollments", #"{"store":"store-a","expiresInHours":24.0}"#, 400, "invalid-json"),
            ("v1/admin/stores", #"{"id":"store-b","region":"noord"}"#, 400, "bad-request"),
            ("v1/enroll", #"{"protocolVersion":1,"code":"AAAA","code":"BBBB"}"#, 400, "invalid-json"),
        ]
        for (path, body, status, code) in cases {
            let r = try Self.post(h, path, token: path.hasPrefix("v1/admin") ? h.adminToken : nil, Data(body.utf8))
            #expect(r.status == status && Self.code(r.json) == code, "\(path) \(body): \(r)")
        }
        #expect(try h.admin.call("GET", "v1/admin/regions", as: [RegionInfo].self).map(\.id) == ["noord"], "nothing was created")
    }

    /// R-SYNC-1b: names and labels with control characters are refused.
    @Test func namesWithControlCharactersAreRefused() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        for name in ["Noord\u{1B}[2J", "bel\u{07}", "nul\u{0}", "rtl\u{202E}txt", "c1\u{85}"] {
            let r = try Self.post(h, "v1/admin/regions", token: h.adminToken, try JSONEncoder().encode(CreateRegionRequest(id: "r\(abs(name.hashValue) % 1000)", name: name)))
            #expect(r.status == 400 && (r.json["detail"] as? String ?? "").contains("control character"), "\(name.debugDescription): \(r)")
        }
        let code = try h.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let r = try Self.post(h, "v1/enroll", token: nil, try JSONEncoder().encode(EnrollRequest(code: code.code, label: "till\u{1B}]0;pwned\u{07}")))
        #expect(r.status == 400, "\(r)")
        #expect(try h.admin.call("GET", "v1/admin/regions", as: [RegionInfo].self).map(\.id) == ["noord"])
    }

    /// R-MODEL-15: a chat moment id must match its store, lane and day.
    @Test func aChatMomentIdMustMatchItsFields() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-1")
        let key = try ChatMomentKey(store: "store-a", lane: 1, day: "2026-12-02")
        let forgedID = RecordRef(kind: .chatMoment, id: RecordID(trusted: "store-a/../store-b/1/2026-12-02"))
        let r = try Self.push(h, device, [try Self.forged(device, seq: 1, hlc: Self.hlc(Self.now), record: forgedID, body: .changes(key.increment()))])
        #expect(r.status == 422 && r.json["operation"] as? String == "\(device.store.replica)#1", "\(r)")
        let otherDay = RecordRef(kind: .chatMoment, id: RecordID(trusted: "store-a/1/2026-12-03"))
        let r2 = try Self.push(h, device, [try Self.forged(device, seq: 1, hlc: Self.hlc(Self.now), record: otherDay, body: .changes(key.increment()))])
        #expect(r2.status == 422, "\(r2)")
    }

    // MARK: Defect 8: error bodies follow problem.json

    @Test func problemBodiesNameTheOperationAndCarryOnlySchemaMembers() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-1")
        let allowed: Set<String> = ["type", "title", "status", "detail", "held", "operation"]
        // A hash that does not match: named, with held.
        let op = try Self.forged(device, seq: 1, hlc: Self.hlc(Self.now))
        var text = String(decoding: try JSONEncoder().encode(PushRequest(replica: device.store.replica.rawValue, operations: [op])), as: UTF8.self)
        text = text.replacingOccurrences(of: op.hash.hex, with: String(repeating: "0", count: 64))
        let r = try Self.post(h, "v1/sync/push", token: device.client.token, Data(text.utf8))
        #expect(r.status == 422 && r.json["operation"] as? String == op.id.description && r.json["held"] as? Int == 0, "\(r)")
        // A body over the limit: payload-too-large, as SYNC.md says.
        let big = Data(repeating: 0x20, count: Limits.maxRequestBytes + 1)
        let r2 = try Self.post(h, "v1/sync/push", token: device.client.token, big)
        #expect(r2.status == 413 && Self.code(r2.json) == "payload-too-large", "\(r2)")
        // An unknown path: not-found.
        let (s3, b3) = try URLSessionTransport().send(method: "GET", url: h.baseURL.appendingPathComponent("v1/nothing"), headers: [:], body: nil)
        let r3 = (try? JSONSerialization.jsonObject(with: b3) as? [String: Any]) ?? [:]
        #expect(s3 == 404 && Self.code(r3) == "not-found", "\(r3)")
        for json in [r.json, r2.json, r3] { #expect(Set(json.keys).isSubset(of: allowed), "members beyond problem.json: \(json.keys.sorted())") }
    }

    // MARK: Defect 12: replica name spaces

    /// R-SYNC-2b: device and partner replica ids never collide.
    @Test func aStoreCannotBeNamedLikeAPartnerReplica() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let r = try Self.post(h, "v1/admin/stores", token: h.adminToken, try JSONEncoder().encode(CreateStoreRequest(id: "partner-q", region: "noord", name: "Q")))
        #expect(r.status == 400 && (r.json["detail"] as? String ?? "").contains("partner-"), "\(r)")
    }
}
