import Foundation
import OmzienStore
import Testing

/// Issue 11 leak 4 (Protocol/PRIVACY.md R-PRIV-10, R-PRIV-11, R-PRIV-12): a revoked tablet
/// keeps nothing. Played the way an operator and a store do it, with the built binary: a
/// note and a contact with a canary, synced; one more signal recorded offline (unsent); the
/// operator revokes the device; the device's next sync is told to erase its data, erases its
/// database file, WAL and SHM, and says how many unsent operations were dropped.
struct WipeTests {
    /// A server with region noord, store-a and one enrolled device in its own directory.
    /// Shared with ErasureLedgerTests and RetentionTests (the same walk through the CLI).
    struct Setup {
        let dir: URL, db: String, deviceDir: URL, deviceDB: String, replica: String, serveArgs: [String]
        var server: ServeProcess, common: [String]

        init(serveArgs: [String] = [], environment: [String: String] = [:]) throws {
            dir = try ServeLifecycleTests.scratch()
            db = dir.appendingPathComponent("server.sqlite").path
            self.serveArgs = serveArgs
            server = try ServeProcess(["--db", db, "--port", "0", "--quiet"] + serveArgs)
            common = ["--server", server.url.absoluteString, "--token-file", db + ".admin-token"]
            deviceDir = dir.appendingPathComponent("tablet")
            try FileManager.default.createDirectory(at: deviceDir, withIntermediateDirectories: true)
            deviceDB = deviceDir.appendingPathComponent("device.sqlite").path
            #expect(try CLITests.run(["admin", "region", "add", "noord", "--name", "Noord"] + common).status == 0)
            #expect(try CLITests.run(["admin", "store", "add", "store-a", "--region", "noord", "--name", "Winkel A"] + common).status == 0)
            let code = try CLITests.run(["admin", "enroll", "--store", "store-a", "--json"] + common)
            let codeText = try #require((try JSONSerialization.jsonObject(with: Data(code.out.utf8)) as? [String: Any])?["code"] as? String)
            let enrolled = try CLITests.run(["device", "enroll", "--server", server.url.absoluteString, "--code", codeText, "--db", deviceDB, "--json"])
            #expect(enrolled.status == 0, "\(enrolled.err)")
            replica = try #require((try JSONSerialization.jsonObject(with: Data(enrolled.out.utf8)) as? [String: Any])?["replica"] as? String)
        }

        func device(_ args: [String], db: String? = nil) throws -> (status: Int32, out: String, err: String) { try CLITests.run(["device"] + args + ["--db", db ?? deviceDB]) }

        /// Stops the server (SIGTERM, exit 0 expected).
        func stop() { #expect(server.terminate() == 0) }

        /// Starts the server again on the same database (a new port).
        mutating func start(prefix: [String] = []) throws {
            server = try ServeProcess(["--db", db, "--port", "0", "--quiet"] + serveArgs, prefix: prefix)
            common = ["--server", server.url.absoluteString, "--token-file", db + ".admin-token"]
        }

        /// Devices keep the URL they enrolled with; after a restart on a new port, point the
        /// device database at `path` to it (the device is not running: its file is free).
        func pointDevice(_ path: String) throws {
            let store = try ReplicaStore(path: path)
            defer { store.close() }
            try store.setSetting("server", server.url.absoluteString)
        }

        /// Enrolls one more device of store-a at `path`; its replica id.
        func enrollAnother(at path: String) throws -> String {
            let code = try admin(["enroll", "--store", "store-a", "--json"])
            let codeText = try #require((try JSONSerialization.jsonObject(with: Data(code.out.utf8)) as? [String: Any])?["code"] as? String)
            let enrolled = try CLITests.run(["device", "enroll", "--server", server.url.absoluteString, "--code", codeText, "--db", path, "--json"])
            #expect(enrolled.status == 0, "\(enrolled.err)")
            return (try JSONSerialization.jsonObject(with: Data(enrolled.out.utf8)) as? [String: Any])?["replica"] as? String ?? ""
        }

        /// `device ... --json` parsed.
        func deviceJSON(_ args: [String], db: String? = nil) throws -> [String: Any] {
            let r = try device(args + ["--json"], db: db)
            #expect(r.status == 0, "device \(args): \(r.err)")
            return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "\(r.out)")
        }

        /// Server files (database, WAL, SHM, ledger, key and head files; not backups) holding `canary`.
        func serverFilesHolding(_ canary: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
                .filter { $0.lastPathComponent.hasPrefix("server.sqlite") && !$0.hasDirectoryPath && !$0.lastPathComponent.contains(".before-restore-") }
                .filter { (try? Data(contentsOf: $0))?.range(of: Data(canary.utf8)) != nil }.map(\.lastPathComponent)
        }
        func admin(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try CLITests.run(["admin"] + args + common) }

        /// Files of the device directory in which `canary` occurs in the raw bytes.
        func deviceFilesHolding(_ canary: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(at: deviceDir, includingPropertiesForKeys: nil)
                .filter { try Data(contentsOf: $0).range(of: Data(canary.utf8)) != nil }.map(\.lastPathComponent)
        }
    }

    @Test func aRevokedDeviceErasesItsDataAtItsNextContact() throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let note = "Wiskanarie-\(UUID().uuidString)", contact = "06-\(Int.random(in: 10_000_000...99_999_999))"
        let offline = "Onverzonden-\(UUID().uuidString)"
        #expect(try s.device(["signal", "--indicators", "withdrawn", "--note", note, "--consent", "given", "--contact", contact]).status == 0)
        #expect(try s.device(["sync"]).status == 0)
        #expect(try s.device(["signal", "--indicators", "mentions-alone", "--note", offline]).status == 0)
        #expect(try s.device(["feedback", "--category", "queue-at-till", "--nps", "7"]).status == 0)
        #expect(try s.deviceFilesHolding(offline).isEmpty == false, "the tablet holds its unsent note before the revoke (the test can see it; a sent one is dropped, PRIVACY.md R-PRIV-31)")

        // R-PRIV-11: the operator is warned that what the device has not sent is lost.
        let revoked = try s.admin(["revoke", s.replica])
        #expect(revoked.status == 0, "\(revoked.err)")
        #expect(revoked.err.contains("warning") && revoked.err.contains("not sent"), "the revoke warns about unsent work: \(revoked.err)")
        #expect(revoked.out.contains("erase"), "the revoke says the device will erase its data: \(revoked.out)")

        // R-PRIV-10/12: the device's next contact erases it, and it says what was lost.
        let wiped = try s.device(["sync"])
        #expect(wiped.status == 0, "\(wiped.out) \(wiped.err)")
        #expect(wiped.out.contains("2 unsent operations"), "the device says how much unsent work was dropped: \(wiped.out)")
        for name in ["device.sqlite", "device.sqlite-wal", "device.sqlite-shm"] {
            #expect(!FileManager.default.fileExists(atPath: s.deviceDir.appendingPathComponent(name).path), "\(name) is gone")
        }
        for canary in [note, contact, offline] {
            let holding = try s.deviceFilesHolding(canary)
            #expect(holding.isEmpty, "'\(canary.prefix(12))…' is still in \(holding)")
        }
        // A command afterwards says there is no database (enroll again), and --json says so too.
        let after = try s.device(["list"])
        #expect(after.status == 64 && after.err.contains("enroll"), "\(after.err)")
        #expect(s.server.terminate() == 0)
    }

    /// R-PRIV-11: `--keep-data` revokes without a wipe: the device gets the plain 401 and keeps
    /// its file (for an operator who must first recover what it has not sent).
    @Test func revokeWithKeepDataLeavesTheDeviceFileAlone() throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let note = "Bewaard-\(UUID().uuidString)"
        #expect(try s.device(["signal", "--indicators", "withdrawn", "--note", note]).status == 0)
        let revoked = try s.admin(["revoke", s.replica, "--keep-data", "--json"])
        #expect(revoked.status == 0, "\(revoked.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(revoked.out.utf8)) as? [String: Any])
        #expect(json["wipe"] as? Bool == false && json["revoked"] as? Bool == true, "\(revoked.out)")
        let refused = try s.device(["sync", "--no-retry"])
        #expect(refused.status != 0 && refused.err.contains("enroll"), "\(refused.err)")
        #expect(FileManager.default.fileExists(atPath: s.deviceDB))
        #expect(try s.deviceFilesHolding(note).isEmpty == false)
        #expect(s.server.terminate() == 0)
    }
}
