import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import OmzienTestSupport
import Testing

/// End-to-end: the real server on loopback, real devices with their own SQLite replicas
/// (Protocol/SYNC.md).
@Suite(.serialized)
struct EndToEndSyncTests {
    let author = AuthorID(trusted: "kassa-1")

    /// R-SYNC-11: pulls deliver the other replicas' logs and every replica converges.
    @Test func threeDevicesWithInterleavedOfflineEditsConvergeToOneDigest() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let devices = try (1...3).map { try h.enroll("store-a", name: "till-\($0)") }
        let signal = try devices[0].recordSignal(note: "Komt elke dag")
        for d in devices { try d.sync() }
        // Offline: all three edit the same signal and count chat moments.
        let lane = try ChatMomentKey(store: "store-a", lane: 2, day: "2026-11-22")
        for (i, d) in devices.enumerated() {
            let seen = try #require(try d.store.loadRecord(signal))
            try d.store.appendLocal(record: signal, author: author, body: .changes([
                .set(field: "note", value: .string("versie \(i)"), supersedes: seen.heads("note")),
                .add(field: "indicators", element: Vocabulary.indicators[i]),
            ]))
            for _ in 0...i { try d.store.appendLocal(record: lane.ref, author: author, body: .changes(lane.increment())) }
        }
        for d in devices { try d.sync() }
        for d in devices { try d.sync() }  // the second round brings everyone the others' edits
        let digests = Set(try devices.map { try $0.store.stateDigest() })
        #expect(digests.count == 1)
        #expect(digests.first == (try h.server.service.digest(store: "store-a")))
        let merged = try #require(try devices[1].store.loadRecord(signal))
        #expect(merged.conflicts("note").count == 2, "the two losing notes stay visible")
        #expect(merged.elements("indicators").count == 3)
        #expect(try devices[2].store.loadRecord(lane.ref)?.count("count") == 1 + 2 + 3)
    }

    @Test func aPushWhoseAnswerIsLostAndRetriedAppliesOnce() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let flaky = FlakyTransport()
        let device = try h.enroll("store-a", name: "till-1", transport: flaky)
        for i in 0..<5 { _ = try device.recordSignal(note: "signaal \(i)") }
        flaky.dropNextAnswers(1)  // the push is applied on the server, its answer is lost
        let report = try device.sync()
        #expect(report.acknowledged == 5)
        let status = try SyncClient(baseURL: h.baseURL, token: try device.store.setting("token")).call("GET", "v1/sync/status", as: StatusResponse.self)
        #expect(status.held == 5, "five operations, each held once")
        let devices = try h.admin.call("GET", "v1/admin/devices", as: [DeviceInfo].self)
        #expect(devices.first?.held == 5)
        #expect(try device.store.stateDigest() == (try h.server.service.digest(store: "store-a")))
        // Sending the same batch again by hand: all duplicates, nothing applied.
        let again = try device.client.call("POST", "v1/sync/push",
                                           body: PushRequest(replica: device.store.replica.rawValue, operations: try device.store.operations(from: device.store.replica, after: 0, limit: 10)),
                                           as: PushResponse.self)
        #expect(again.applied == 0 && again.duplicates == 5 && again.held == 5)
    }

    @Test func aDeviceOfflineForAWhileResumesWithoutLoss() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let flaky = FlakyTransport()
        let device = try h.enroll("store-a", name: "till-1", transport: flaky, retry: .none)
        _ = try device.recordSignal(note: "een")
        flaky.failNextRequests(1)
        #expect(throws: ClientError.self) { try device.sync() }
        #expect(try device.store.unsentOperations().count == 1, "still recorded, still unsent")
        _ = try device.recordSignal(note: "twee")
        let report = try device.sync()
        #expect(report.acknowledged == 2)
        #expect(try device.store.unsentOperations().isEmpty)
    }

    @Test func aRevokedTokenGets401() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-1")
        try device.sync()
        _ = try h.admin.call("POST", "v1/admin/devices/\(device.store.replica)/revoke", as: DeviceInfo.self)
        _ = try device.recordSignal(note: "na intrekking")
        #expect {
            try device.sync()
        } throws: { error in
            if case let ClientError.problem(p) = error { return p.status == 401 }
            return false
        }
        let bad = SyncClient(baseURL: h.baseURL, token: "omz_d_not-a-real-token", retry: .none)
        #expect(throws: ClientError.self) { _ = try bad.call("GET", "v1/sync/pull", as: PullResponse.self) }
    }

    /// R-SYNC-11: a pull delivers only what falls in the caller's scope.
    @Test func aDeviceOfStoreACannotReadOrWriteStoreB() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let a = try h.enroll("store-a", name: "till-a")
        let b = try h.enroll("store-b", name: "till-b")
        let secret = "Geheim van winkel B \(UUID().uuidString)"
        let bSignal = try b.recordSignal(note: secret)
        try b.sync()
        try a.sync()
        #expect(try a.store.loadRecord(bSignal) == nil, "a pull of store A brings nothing of store B")
        let snapshot = try a.client.call("GET", "v1/sync/snapshot", as: SnapshotResponse.self)
        #expect(!snapshot.records.contains { $0.id == bSignal.id.rawValue })
        // Writing B's record from A: the first operation A makes on it is refused.
        try a.store.appendLocal(record: bSignal, author: author, body: .changes([.set(field: "urgency", value: .string("urgent"), supersedes: [])]))
        #expect {
            try a.sync()
        } throws: { error in
            if case let ClientError.problem(p) = error { return p.status == 403 }
            return false
        }
        // Pretending to be B's replica is refused too.
        let forged = try b.store.operations(from: b.store.replica, after: 0, limit: 10)
        #expect {
            _ = try a.client.call("POST", "v1/sync/push", body: PushRequest(replica: b.store.replica.rawValue, operations: forged), as: PushResponse.self)
        } throws: { error in
            if case let ClientError.problem(p) = error { return p.status == 403 }
            return false
        }
        let raw = try a.client.call("GET", "v1/sync/pull", query: ["cursor": ""], as: PullResponse.self)
        #expect(!raw.operations.contains { $0.record == bSignal })
        let bStatus = try b.client.call("GET", "v1/sync/status", as: StatusResponse.self)
        #expect(bStatus.held == 1, "store B's log is untouched by A's attempts")
    }

    /// R-SYNC-5: a push refused part-way leaves no claim behind: a record its first (valid)
    /// operation created is not kept for store A, so store B may still create one with that id.
    @Test func aRefusedPushClaimsNoRecords() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let a = try h.enroll("store-a", name: "till-a")
        let b = try h.enroll("store-b", name: "till-b")
        let y = RecordRef(kind: .feedback, id: RecordID.random()), x = RecordRef(kind: .feedback, id: RecordID.random())
        try b.store.appendLocal(record: y, author: author, body: .changes(try FeedbackDraft(store: "store-b", givenAt: 1_763_800_000_000, category: "other", nps: 7).changes()))
        try b.sync()
        var factory = OperationFactory(replica: a.store.replica)
        let createX = try factory.make(record: x, author: author, body: .changes(try FeedbackDraft(store: "store-a", givenAt: 1_763_800_000_000, category: "other", nps: 8).changes()), physicalMillis: 1_763_800_000_000)
        let touchY = try factory.make(record: y, author: author, body: .changes([.set(field: "nps", value: .int(1), supersedes: [])]), physicalMillis: 1_763_800_000_001)
        #expect {
            _ = try a.client.call("POST", "v1/sync/push", body: PushRequest(replica: a.store.replica.rawValue, operations: [createX, touchY]), as: PushResponse.self)
        } throws: { error in
            if case let ClientError.problem(p) = error { return p.status == 403 && (p.detail ?? "").contains("another store") }
            return false
        }
        try b.store.appendLocal(record: x, author: author, body: .changes(try FeedbackDraft(store: "store-b", givenAt: 1_763_800_000_000, category: "other", nps: 9).changes()))
        try b.sync()
        #expect(try b.client.call("GET", "v1/sync/status", as: StatusResponse.self).held == 2, "store B created the record A's refused push had tried to")
        #expect(try a.client.call("GET", "v1/sync/status", as: StatusResponse.self).held == 0)
    }

    /// R-MODEL-6, R-SYNC-13: operations too far ahead are quarantined, not applied and not dropped.
    @Test func operationsFromAClockTooFarAheadAreQuarantinedNotLost() throws {
        let h = try SyncHarness(maxDriftMillis: 60_000)
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-1")
        let now = HybridClock.physicalNowMillis()
        _ = try device.recordSignal(note: "op tijd", at: now)
        _ = try device.recordSignal(note: "een dag vooruit", at: now + 86_400_000)
        _ = try device.recordSignal(note: "daarna", at: now + 86_400_000 + 1)
        let report = try device.sync()
        #expect(report.acknowledged == 1)
        #expect(report.quarantined.map(\.id.sequence) == [2, 3])
        #expect(try device.store.unsentOperations().count == 2, "quarantined operations stay unsent on the device")
        // A day later (the server's clock catches up), they go through.
        h.clock.offset.withLock { $0 = 86_400_000 }
        let later = try device.sync()
        #expect(later.acknowledged == 3)
        #expect(later.quarantined.isEmpty)
        #expect(try device.store.stateDigest() == (try h.server.service.digest(store: "store-a")))
    }

    @Test func concurrentPushesShareCommits() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let devices = try (0..<8).map { try h.enroll("store-a", name: "till-\($0)") }
        for d in devices { for i in 0..<20 { _ = try d.recordSignal(note: "n\(i)") } }
        let before = h.server.service.commitStats
        let shared = devices.map(Unshared.init)
        let service = h.server.service
        // While the database thread is busy, the first pushes of all devices queue up: they
        // must then go out in one shared commit.
        let hold = Thread { try? service._occupyDatabaseThread(seconds: 0.5) }
        hold.start()
        usleep(50_000)
        DispatchQueue.concurrentPerform(iterations: shared.count) { i in
            _ = try? shared[i].value.sync(batchSize: 2)
        }
        let after = h.server.service.commitStats
        let commits = after.commits - before.commits, writes = after.writes - before.writes
        #expect(writes >= 80, "8 devices × 10 pushes")
        #expect(commits < writes, "group commit: \(commits) commits for \(writes) writes")
        for d in devices { #expect(d.store.acknowledged == 20) }
    }

    /// R-SYNC-9: a snapshot is the merged state of the scope with a cursor to pull from.
    @Test func aFreshDeviceStartsFromASnapshot() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let first = try h.enroll("store-a", name: "till-1")
        for i in 0..<30 { _ = try first.recordSignal(note: "signaal \(i)") }
        try first.sync()
        let second = try h.enroll("store-a", name: "till-2")
        #expect(try second.store.records(kind: .signal).count == 30, "the snapshot brought every record")
        #expect(try second.store.operations(afterPosition: 0, limit: 10).isEmpty, "and none of the history")
        #expect(try second.store.stateDigest() == (try first.store.stateDigest()))
        let report = try second.sync()
        #expect(report.pulled == 0, "the cursor starts after the snapshot")
    }

    @Test func anErasedSignalDisappearsFromEveryReplicaAndFromTheFiles() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-a", name: "till-b")
        let secret = "Mevrouw-\(UUID().uuidString)"
        let signal = try a.recordSignal(note: secret)
        try a.sync(); try b.sync()
        #expect(try b.store.loadRecord(signal)?.value("note") == .withheld, "a submitted note never reaches another till (PRIVACY.md R-PRIV-32)")
        try a.store.appendLocal(record: signal, author: author, body: .erase)
        try a.sync(); try b.sync()
        for d in [a, b] { #expect(try d.store.loadRecord(signal)?.erased == true) }
        let files = try FileManager.default.contentsOfDirectory(at: h.dir, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.contains(".sqlite") && !$0.lastPathComponent.hasSuffix(".lock") }
        #expect(files.count >= 3)
        for file in files {
            let bytes = try Data(contentsOf: file)
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "the erased note is still in \(file.lastPathComponent)")
        }
    }
}
