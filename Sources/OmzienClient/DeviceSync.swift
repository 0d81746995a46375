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
public final class DeviceSync {
    public let store: ReplicaStore
    public let client: SyncClient

    /// What one `sync()` did.
    public struct Report: Sendable, Equatable {
        public var pushed = 0
        public var acknowledged: UInt64 = 0
        public var pulled = 0
        public var applied = 0
        public var quarantined: [QuarantineNotice] = []
        public var pushRequests = 0
        public var pullRequests = 0
    }

    public init(store: ReplicaStore, transport: any HTTPTransport = URLSessionTransport(), retry: SyncClient.RetryPolicy = .init()) throws {
        guard let server = try store.setting("server"), let url = URL(string: server), let token = try store.setting("token") else {
            throw ClientError.notEnrolled
        }
        self.store = store
        client = SyncClient(baseURL: url, token: token, transport: transport, retry: retry)
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

    public var storeID: String { (try? store.setting("store")) ?? nil ?? "" }

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
        try store.atomically {
            try store.importSnapshot(records, expectedDigest: digest)
            try store.setSetting("cursor", snapshot.cursor)
        }
    }

    /// Pushes every unsent operation, then pulls until up to date.
    @discardableResult
    public func sync(batchSize: Int = 500, progress: ((String) -> Void)? = nil) throws -> Report {
        var report = Report()
        try push(batchSize: batchSize, report: &report, progress: progress)
        try pull(report: &report, progress: progress)
        if report.pushRequests == 0, store.acknowledged > 0 {
            // Nothing was unsent as far as we know. A server restored from an older backup
            // holds less than it acknowledged (R-OPS-3): ask once, and resend from its mark.
            let held = try client.call("GET", "v1/sync/status", as: StatusResponse.self).held
            if held < store.acknowledged {
                progress?("the server holds \(held) of our operations but had acknowledged \(store.acknowledged); sending them again")
                try store.resetAcknowledged(to: held)
                try push(batchSize: batchSize, report: &report, progress: progress)
                try pull(report: &report, progress: progress)
            }
        }
        try dropDelivered(progress: progress)  // R-PRIV-31, DeviceSync+DropBox.swift
        return report
    }

    func push(batchSize: Int, report: inout Report, progress: ((String) -> Void)?) throws {
        while true {
            let batch = try store.unsentOperations(limit: batchSize)
            guard !batch.isEmpty else { return }
            let answer: PushResponse
            do {
                answer = try client.call("POST", "v1/sync/push", body: PushRequest(replica: store.replica.rawValue, operations: batch), as: PushResponse.self)
            } catch let ClientError.problem(p) where p.code == "sequence-gap" || p.code == "broken-chain" {
                // The server holds less than we thought (e.g. restored from a backup): resend from its mark.
                guard let held = p.held, held < store.acknowledged || held < batch[0].id.sequence - 1 else { throw ClientError.problem(p) }
                try store.resetAcknowledged(to: held)
                report.pushRequests += 1
                continue
            }
            report.pushRequests += 1
            report.pushed += answer.applied
            report.quarantined = answer.quarantined
            let before = store.acknowledged
            try store.acknowledge(upTo: min(answer.held, batch.last!.id.sequence))
            report.acknowledged = store.acknowledged
            progress?("pushed \(answer.applied) operations; the server holds \(answer.held)")
            // Stop when nothing moves (the rest is quarantined): it goes again next sync.
            if store.acknowledged == before || !answer.quarantined.isEmpty { return }
        }
    }

    func pull(report: inout Report, progress: ((String) -> Void)?) throws {
        while true {
            let cursor = try store.setting("cursor") ?? ""
            let page = try client.call("GET", "v1/sync/pull", query: ["cursor": cursor, "limit": "\(Limits.defaultPullPage)"], as: PullResponse.self)
            report.pullRequests += 1
            let applied = try store.atomically { () -> ReplicaStore.ApplyReport in
                let r = try store.apply(page.operations, mode: .scopedFeed)
                try store.setSetting("cursor", page.cursor)
                return r
            }
            report.pulled += page.operations.count
            report.applied += applied.applied
            if !page.operations.isEmpty { progress?("pulled \(page.operations.count) operations") }
            if !page.more { return }
        }
    }
}
