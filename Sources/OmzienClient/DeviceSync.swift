import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore

/// A store device's sync: enrollment, push of unsent operations, pull of the store's
/// changes. Recording never waits for it: changes go to the local replica first
/// (`ReplicaStore.appendLocal`), and `sync()` ships them whenever there is a network.
///
/// The device's identity (server URL, token, store) and its pull cursor live in the replica
/// database's settings, so a device survives restarts and resumes after any failure: a push
/// whose answer was lost is re-sent and answered as duplicates; a pull page applied before a
/// crash is applied again as a no-op (R-SYNC-12).
///
/// Two ways to reach the replica (`Access`): a store held open by the caller (tests, the
/// simulation, the demo: one process, one connection), or a database file opened for each
/// step and closed before every network wait (`init(path:)`, what the CLI uses: SYNC.md
/// R-DEV-20), so a cashier's command in another process is never refused while the till
/// waits for a slow server. Each step is one transaction; nothing is held between them.
///
/// The shape of one sync, with the points where other concerns hook in:
/// 1. push: read a batch (step) → send it (network) → acknowledge it (step), and
///    `afterPushAcknowledged` in that same step; repeat while the server takes more.
/// 2. pull: read the cursor (step) → fetch a page (network) → apply it and move the cursor
///    (step), and `afterPullApplied` in that same step; repeat while there are more pages.
/// 3. if nothing was pushed: ask whether the server still holds what it acknowledged.
public final class DeviceSync {
    /// How the replica is reached (see the type's comment).
    public enum Access {
        case held(ReplicaStore)
        case file(String)
    }

    public let access: Access
    public let client: SyncClient
    public let replica: ReplicaID
    /// How long a step waits for the file when a command in another process holds it.
    public var fileWait: TimeInterval = 30
    /// Entered around every step on the database (file access), so that a caller can stop the
    /// sync between steps and never inside one (`device sync --watch` on SIGTERM).
    public var stepGate: StepGate?

    /// The store, when it is held (`Access.held`). A sync on a file has no store between
    /// steps: use `withStore`.
    public var store: ReplicaStore {
        guard case let .held(store) = access else { preconditionFailure("a DeviceSync on a file opens its store per step; use withStore") }
        return store
    }

    /// What one `sync()` did.
    public struct Report: Sendable, Equatable {
        public var pushed = 0
        public var acknowledged: UInt64 = 0
        /// Operations that were unsent when the sync began (0: there was nothing to push).
        public var pending = 0
        public var pulled = 0
        public var applied = 0
        public var quarantined: [QuarantineNotice] = []
        public var pushRequests = 0
        public var pullRequests = 0
    }

    public init(store: ReplicaStore, transport: any HTTPTransport = URLSessionTransport(), retry: SyncClient.RetryPolicy = .init()) throws {
        access = .held(store)
        (client, replica) = try Self.identity(store, transport: transport, retry: retry)
    }

    /// A sync on the database file at `path`, opened only for each step (R-DEV-20).
    public init(path: String, transport: any HTTPTransport = URLSessionTransport(), retry: SyncClient.RetryPolicy = .init(),
                wait: TimeInterval = DeviceDatabase.defaultWait) throws {
        access = .file(path)
        (client, replica) = try DeviceDatabase.with(path, wait: wait) { try Self.identity($0, transport: transport, retry: retry) }
    }

    private static func identity(_ store: ReplicaStore, transport: any HTTPTransport, retry: SyncClient.RetryPolicy) throws -> (SyncClient, ReplicaID) {
        guard let server = try store.setting("server"), let url = URL(string: server), let token = try store.setting("token") else {
            throw ClientError.notEnrolled
        }
        return (SyncClient(baseURL: url, token: token, transport: transport, retry: retry), store.replica)
    }

    /// Runs `body` as one step on the replica: the held store, or the file opened for it and
    /// closed afterwards.
    public func withStore<T>(_ body: (ReplicaStore) throws -> T) throws -> T {
        stepGate?.enter()
        defer { stepGate?.leave() }
        switch access {
        case let .held(store):
            return try body(store)
        case let .file(path):
            return try DeviceDatabase.with(path, wait: fileWait, body)
        }
    }

    /// Enrolls a new device: exchanges the code for an identity, creates the replica database
    /// at `path` under the assigned replica id, and bootstraps it from the store's snapshot.
    ///
    /// Retry-safe (R-SYNC-2a): before it asks, the device writes its intent (server, code and
    /// a random nonce) to `path.enrolling` (mode 0600); a lost answer is retried with the same
    /// nonce and gets the same replica. An enrollment stopped half-way (no answer, the file
    /// without its identity, or no snapshot yet) finishes when it is run again with the same
    /// code: nothing is left that can neither sync nor enroll.
    public static func enroll(server: URL, code: String, label: String?, path: String,
                              transport: any HTTPTransport = URLSessionTransport(), retry: SyncClient.RetryPolicy = .init()) throws -> DeviceSync {
        let intentPath = path + ".enrolling"
        var existing: ReplicaStore?
        if FileManager.default.fileExists(atPath: path) {
            let store = try ReplicaStore(path: path)
            if try store.setting("token") != nil {
                let device = try DeviceSync(store: store, transport: transport, retry: retry)
                guard try store.setting("cursor") == nil else {
                    throw ClientError.enrollment("'\(path)' is enrolled already (as \(store.replica)); a device enrolls once: use another --db for another device")
                }
                try device.bootstrap()  // enrolled, but stopped before its snapshot
                return device
            }
            existing = store
        }
        let intent = try EnrollmentIntent.load(intentPath).flatMap { $0.code == code && $0.server == server.absoluteString ? $0 : nil }
            ?? EnrollmentIntent(server: server.absoluteString, code: code, nonce: EnrollmentIntent.randomNonce())
        try intent.save(intentPath)
        let anonymous = SyncClient(baseURL: server, token: nil, transport: transport, retry: retry)
        let identity = try anonymous.call("POST", "v1/enroll", body: EnrollRequest(code: code, label: label, nonce: intent.nonce), as: EnrollResponse.self)
        let replica = try ReplicaID(identity.replica)
        if let existing, existing.replica != replica {
            throw ClientError.enrollment("'\(path)' was begun for replica \(existing.replica), but the server enrolled \(replica); remove the file and enroll again")
        }
        let store = try existing ?? ReplicaStore(path: path, replica: replica)
        try store.atomically {
            try store.setSetting("server", server.absoluteString)
            try store.setSetting("token", identity.token)
            try store.setSetting("store", identity.store)
        }
        try? FileManager.default.removeItem(atPath: intentPath)
        let device = try DeviceSync(store: store, transport: transport, retry: retry)
        try device.bootstrap()
        return device
    }

    public var storeID: String { (try? withStore { try $0.setting("store") }) ?? nil ?? "" }

    /// Imports the store's snapshot and remembers its cursor (R-SYNC-9).
    public func bootstrap() throws {
        let snapshot = try client.call("GET", "v1/sync/snapshot", as: SnapshotResponse.self)
        var records: [(ref: RecordRef, state: [UInt8])] = []
        records.reserveCapacity(snapshot.records.count)
        for r in snapshot.records {
            guard let kind = RecordKind(rawValue: r.kind), let id = try? RecordID(r.id), let bytes = Data(base64Encoded: r.state) else {
                throw ClientError.badResponse("snapshot record \(r.kind)/\(r.id) is malformed")
            }
            records.append((RecordRef(kind: kind, id: id), Array(bytes)))
        }
        guard let digest = SHA256Digest(hex: snapshot.digest) else { throw ClientError.badResponse("snapshot digest is not hex") }
        try withStore { store in
            try store.atomically {
                try store.importSnapshot(records, expectedDigest: digest)
                try store.setSetting("cursor", snapshot.cursor)
            }
        }
    }

    /// Pushes every unsent operation, then pulls until up to date.
    @discardableResult
    public func sync(batchSize: Int = 500, progress: ((String) -> Void)? = nil) throws -> Report {
        var report = Report()
        report.pending = try withStore { try $0.unsentOperations(limit: 1_000_000).count }
        try push(batchSize: batchSize, report: &report, progress: progress)
        try pull(report: &report, progress: progress)
        let acknowledged = try withStore { $0.acknowledged }
        if report.pushRequests == 0, acknowledged > 0 {
            // Nothing was unsent as far as we know. A server restored from an older backup
            // holds less than it acknowledged (R-OPS-3): ask once, and resend from its mark.
            let held = try client.call("GET", "v1/sync/status", as: StatusResponse.self).held
            if held < acknowledged {
                progress?("the server holds \(held) of our operations but had acknowledged \(acknowledged); sending them again")
                try withStore { try $0.resetAcknowledged(to: held) }
                try push(batchSize: batchSize, report: &report, progress: progress)
                try pull(report: &report, progress: progress)
            }
        }
        report.acknowledged = try withStore { $0.acknowledged }
        try withStore { try dropDelivered($0, progress: progress) }  // R-PRIV-31, DeviceSync+DropBox.swift
        learnRetention()  // R-PRIV-22, DeviceSync+Retention.swift
        return report
    }

    func push(batchSize: Int, report: inout Report, progress: ((String) -> Void)?) throws {
        while true {
            let (batch, acknowledged) = try withStore { (try $0.unsentOperations(limit: batchSize), $0.acknowledged) }
            guard !batch.isEmpty else { return }
            let answer: PushResponse
            do {
                answer = try client.call("POST", "v1/sync/push", body: PushRequest(replica: replica.rawValue, operations: batch), as: PushResponse.self)
            } catch let ClientError.problem(p) where p.code == "sequence-gap" || p.code == "broken-chain" {
                // The server holds less than we thought (e.g. restored from a backup): resend from its mark.
                guard let held = p.held, held < acknowledged || held < batch[0].id.sequence - 1 else { throw ClientError.problem(p) }
                try withStore { try $0.resetAcknowledged(to: held) }
                report.pushRequests += 1
                continue
            }
            report.pushRequests += 1
            report.pushed += answer.applied
            report.quarantined = answer.quarantined
            let moved = try withStore { store -> Bool in
                let before = store.acknowledged
                try store.acknowledge(upTo: min(answer.held, batch.last!.id.sequence))
                try afterPushAcknowledged(store, answer: answer)
                return store.acknowledged != before
            }
            progress?("pushed \(answer.applied.counted("operation")); the server holds \(answer.held)")
            // Stop when nothing moves (the rest is quarantined): it goes again next sync.
            if !moved || !answer.quarantined.isEmpty { return }
        }
    }

    func pull(report: inout Report, progress: ((String) -> Void)?) throws {
        while true {
            let cursor = try withStore { try $0.setting("cursor") } ?? ""
            let page = try client.call("GET", "v1/sync/pull", query: ["cursor": cursor, "limit": "\(Limits.defaultPullPage)"], as: PullResponse.self)
            report.pullRequests += 1
            let applied = try withStore { store in
                try store.atomically { () -> ReplicaStore.ApplyReport in
                    let r = try store.apply(page.operations, mode: .scopedFeed)
                    try store.setSetting("cursor", page.cursor)
                    try afterPullApplied(store, page: page, report: r)
                    return r
                }
            }
            report.pulled += page.operations.count
            report.applied += applied.applied
            if !page.operations.isEmpty { progress?("pulled \(page.operations.count.counted("operation"))") }
            if !page.more { return }
        }
    }

    /// Hook: the server acknowledged a push and `store` recorded it (same step, store open).
    /// What else must happen once the server durably holds our operations goes here.
    func afterPushAcknowledged(_ store: ReplicaStore, answer: PushResponse) throws {}

    /// Hook: a pull page was applied and the cursor moved (same transaction, store open).
    func afterPullApplied(_ store: ReplicaStore, page: PullResponse, report: ReplicaStore.ApplyReport) throws {}
}

/// Lets a caller stop a sync between two steps on the database, never inside one (a step is
/// one transaction; the network waits are outside every step). `device sync --watch` stops
/// on SIGTERM this way: at once when no step runs, else right after the running one.
public final class StepGate: @unchecked Sendable {  // all state under `lock`
    private let lock = NSLock()
    private var inStep = 0
    private var stopping = false
    private let stop: @Sendable () -> Never

    /// `stop` ends the process (or thread) once no step runs; it is called with the gate locked.
    public init(stop: @escaping @Sendable () -> Never) { self.stop = stop }

    func enter() {
        lock.lock()
        defer { lock.unlock() }
        if stopping, inStep == 0 { stop() }
        inStep += 1
    }

    func leave() {
        lock.lock()
        defer { lock.unlock() }
        inStep -= 1
        if stopping, inStep == 0 { stop() }
    }

    /// Asks to stop: now if no step runs, else when the running step ends.
    public func requestStop() {
        lock.lock()
        defer { lock.unlock() }
        stopping = true
        if inStep == 0 { stop() }
    }
}
