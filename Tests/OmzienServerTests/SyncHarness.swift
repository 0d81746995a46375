import Foundation
import OmzienTestSupport
import OmzienClient
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import Synchronization

/// A sync server on 127.0.0.1 (free port, temporary database) with regions, stores and
/// enrolled devices; stops and cleans up when released.
final class SyncHarness {
    let dir: URL
    let server: SyncServer
    let port: Int
    let adminToken: String
    let admin: SyncClient
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    /// The server's clock offset in ms, movable by tests (quarantine).
    let clock = TestClock()

    /// `authFailureBurst`: failed authentications per address before 429 (high by default:
    /// most tests send bad tokens on purpose; AuthRateLimitTests sets the real one).
    init(maxDriftMillis: UInt64 = Limits.defaultMaxDriftMillis, recordTo: String? = nil, recordOptions: SessionRecorder.Options = .init(),
         authFailureBurst: Int = 1_000_000, passwordIterations: Int = 1_000, retention: RetentionPolicy? = .defaults) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var http = HTTPServer.Configuration.testing()
        http.requestLog = nil
        var sync = SyncService.Configuration()
        sync.maxDriftMillis = maxDriftMillis
        sync.retention = retention
        // Person accounts (WebAccountTests): a low PBKDF2 count keeps a debug-build login fast;
        // the product's default is PBKDF2.defaultIterations.
        sync.passwordIterations = passwordIterations
        let clock = self.clock
        sync.now = { UInt64(Int64(HybridClock.physicalNowMillis()) + clock.offset.withLock { $0 }) }
        server = try SyncServer(databasePath: dir.appendingPathComponent("server.sqlite").path, http: http, service: sync, recordTo: recordTo,
                                recordOptions: recordOptions, authFailureBurst: authFailureBurst)
        port = try server.start()
        adminToken = try server.service.bootstrapAdminToken()!
        admin = SyncClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, token: adminToken, retry: .none)
    }

    private var stopped = false

    /// Stops the server (and closes its database) before the harness goes away.
    func stop() {
        guard !stopped else { return }
        stopped = true
        server.stop(deadline: .seconds(2))
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: dir)
    }

    func setUpStores(_ stores: [(store: String, region: String)]) throws {
        for region in Set(stores.map(\.region)).sorted() {
            _ = try admin.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: region, name: "Regio \(region)"), as: RegionInfo.self)
        }
        for s in stores {
            _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: s.store, region: s.region, name: "Winkel \(s.store)"), as: StoreInfo.self)
        }
    }

    func enroll(_ store: String, name: String, transport: any HTTPTransport = URLSessionTransport(timeout: 10),
                retry: SyncClient.RetryPolicy = .fast) throws -> DeviceSync {
        let code = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: store), as: EnrollmentCodeResponse.self)
        return try DeviceSync.enroll(server: baseURL, code: code.code, label: name, path: dir.appendingPathComponent("\(name).sqlite").path,
                                     transport: transport, retry: retry)
    }
}

final class TestClock: Sendable {
    let offset = Mutex<Int64>(0)
}

extension SyncClient.RetryPolicy {
    /// Retries without real waiting (tests).
    static var fast: SyncClient.RetryPolicy {
        var p = SyncClient.RetryPolicy()
        p.baseDelay = 0.001
        p.maxDelay = 0.01
        return p
    }
}

/// Forwards to URLSession but can drop the answer of chosen requests after the server
/// handled them (a lost response), or fail before sending (no network).
final class FlakyTransport: HTTPTransport, @unchecked Sendable {
    let inner = URLSessionTransport(timeout: 10)
    private let lock = NSLock()
    private var _dropAnswers = 0
    private var _failBeforeSending = 0
    private(set) var sent = 0

    func dropNextAnswers(_ n: Int) { lock.lock(); _dropAnswers = n; lock.unlock() }
    func failNextRequests(_ n: Int) { lock.lock(); _failBeforeSending = n; lock.unlock() }

    func send(method: String, url: URL, headers: [String: String], body: Data?) throws -> (status: Int, body: Data) {
        lock.lock()
        if _failBeforeSending > 0 { _failBeforeSending -= 1; lock.unlock(); throw ClientError.offline("simulated: no network") }
        lock.unlock()
        let answer = try inner.send(method: method, url: url, headers: headers, body: body)
        lock.lock()
        defer { lock.unlock() }
        sent += 1
        if _dropAnswers > 0 {
            _dropAnswers -= 1
            throw ClientError.offline("simulated: the answer was lost")
        }
        return answer
    }
}

extension DeviceSync {
    func recordSignal(note: String, urgency: String = "routine", at millis: UInt64 = HybridClock.physicalNowMillis()) throws -> RecordRef {
        let ref = RecordRef(kind: .signal, id: RecordID.random())
        let draft = SignalDraft(store: storeID, observedAt: Int64(millis), reporter: "kassa-1", indicators: ["withdrawn"], urgency: urgency, note: note)
        try store.appendLocal(record: ref, author: AuthorID(trusted: "kassa-1"), body: .changes(try draft.changes()), physicalMillis: millis)
        return ref
    }
}
