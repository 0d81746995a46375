import Foundation
import OmzienClient
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienTestSupport
import Synchronization
import Testing

/// Online backup and restore (R-OPS-2, R-OPS-3): a backup taken while devices push is a
/// consistent copy; restored, it gives the same digests; devices whose acknowledged
/// operations it lacks send them again, and every replica converges.
struct BackupRestoreTests {
    static func restore(_ backup: String, into db: String) throws -> (status: Int32, out: String, err: String) {
        try CLITests.run(["admin", "restore", backup, "--db", db])
    }

    @Test func aBackupUnderLoadRestoresAndDevicesResendWhatItLacks() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let devices = [try h.enroll("store-a", name: "a1"), try h.enroll("store-a", name: "a2"), try h.enroll("store-b", name: "b1")]
        let stop = Atomic(false)
        let group = DispatchGroup()
        let failures = Mutex<[String]>([])
        for d in devices {
            let device = Unshared(d)
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var n = 0
                while !stop.load(ordering: .relaxed) {
                    do {
                        _ = try device.value.recordSignal(note: "belasting \(n)")
                        try device.value.sync(batchSize: 3)
                    } catch { failures.withLock { $0.append("\(error)") } ; return }
                    n += 1
                }
            }
        }
        usleep(300_000)
        let underLoad = try h.admin.call("POST", "v1/admin/backups", as: BackupResponse.self)
        usleep(300_000)
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        for d in devices { try d.sync() }
        for d in devices { try d.sync() }
        let stores = ["store-a", "store-b"]
        let live = try stores.map { try h.server.service.digest(store: $0) }
        let acknowledged = devices.map { $0.store.acknowledged }
        let quiet = try h.admin.call("POST", "v1/admin/backups", as: BackupResponse.self)
        #expect(FileModeTests.mode(quiet.path) == 0o600)
        h.stop()

        // A quiet backup restores to exactly the same digests.
        let quietDB = h.dir.appendingPathComponent("restored-quiet.sqlite").path
        let r1 = try Self.restore(quiet.path, into: quietDB)
        #expect(r1.status == 0, "\(r1.err)")
        do {
            let s = try SyncServer(databasePath: quietDB, http: .testing())
            #expect(try stores.map { try s.service.digest(store: $0) } == live)
            s.service.stop()
        }

        // The backup taken under load lacks the operations acknowledged after it.
        let loadDB = h.dir.appendingPathComponent("restored-load.sqlite").path
        let old = h.dir.appendingPathComponent("server.sqlite").path
        try FileManager.default.copyItem(atPath: old, toPath: loadDB)  // restore over a database, as on the host
        let r2 = try Self.restore(underLoad.path, into: loadDB)
        #expect(r2.status == 0, "\(r2.err)")
        #expect(r2.out.contains("before-restore"), "keeps the replaced database: \(r2.out)")
        var http = HTTPServer.Configuration.testing()
        http.requestLog = nil
        let server = try SyncServer(databasePath: loadDB, http: http)
        let port = try server.start()
        defer { server.stop(deadline: .seconds(2)) }
        var lacking = 0
        for (i, d) in devices.enumerated() {
            try d.store.setSetting("server", "http://127.0.0.1:\(port)")
            let moved = try DeviceSync(store: d.store, retry: .none)
            let held = try moved.client.call("GET", "v1/sync/status", as: StatusResponse.self).held
            if held < acknowledged[i] { lacking += 1 }
        }
        #expect(lacking > 0, "the backup under load was taken before some acknowledgements")
        var resumed: [DeviceSync] = []
        for d in devices { resumed.append(try DeviceSync(store: d.store, retry: .none)) }
        // b1 resends first; then a1 resends and records new work, which must reach a2: a2's
        // pull cursor (from before the restore) must not skip positions the restored feed
        // hands out again.
        try resumed[2].sync()
        let newRef = try resumed[0].recordSignal(note: "na het terugzetten")
        try resumed[0].sync()
        try resumed[1].sync()
        for (i, d) in resumed.enumerated() {
            let held = try d.client.call("GET", "v1/sync/status", as: StatusResponse.self).held
            #expect(held == acknowledged[i] + (i == 0 ? 1 : 0), "device \(i): the server holds \(held) again of \(acknowledged[i])")
        }
        #expect(try server.service.digest(store: "store-b") == live[1], "the restored server converges to the digests before the restore")
        #expect(try resumed[1].store.loadRecord(newRef) != nil, "a2 got a1's new signal")
        let after = try server.service.digest(store: "store-a")
        #expect(after != live[0])
        #expect(try resumed[0].store.stateDigest() == after)
        #expect(try resumed[1].store.stateDigest() == after, "a2 gets a1's operation recorded after the restore")
        #expect(try resumed[2].store.stateDigest() == live[1])
    }

    @Test func restoreRefusesWhileTheServerRunsAndRefusesANonServerFile() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till")
        let b = try h.admin.call("POST", "v1/admin/backups", as: BackupResponse.self)
        device.store.close()
        let busy = try Self.restore(b.path, into: h.dir.appendingPathComponent("server.sqlite").path)
        // The harness's server runs in this process; another process is refused by the lock.
        #expect(busy.status == 69, "\(busy.err)")
        #expect(busy.err.contains("stop the server"), "\(busy.err)")
        let notServer = try Self.restore(h.dir.appendingPathComponent("till.sqlite").path, into: h.dir.appendingPathComponent("x.sqlite").path)
        #expect(notServer.status == 65, "\(notServer.err)")
        h.stop()
    }
}
