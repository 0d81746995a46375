import Foundation
import OmzienClient
import OmzienProtocol
import OmzienStore
import Testing

/// Every file the product creates is readable by its owner only (issue 10, defect 9): the
/// server database with its `-wal`, `-shm` and `.lock`, the admin token, session logs, and a
/// device's database (its bearer token and every note of its store). The processes run with
/// umask 022, the usual default, so a 0644 file would show.
struct FileModeTests {
    static func mode(_ path: String) -> Int? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let m = attributes[.posixPermissions] as? NSNumber else { return nil }
        return m.intValue & 0o777
    }

    static func shell(_ script: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "umask 022; " + script]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test func everyFileTheServerAndADeviceCreateIsOwnerOnly() throws {
        let dir = try ServeLifecycleTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("server.sqlite").path
        let logs = dir.appendingPathComponent("sessions").path
        let server = try ServeProcess(["--db", db, "--port", "0", "--quiet", "--record", logs])
        let token = try String(contentsOfFile: db + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let admin = SyncClient(baseURL: server.url, token: token, retry: .none)
        _ = try admin.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: "noord", name: "Noord"), as: RegionInfo.self)
        _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: "store-a", region: "noord", name: "A"), as: StoreInfo.self)
        let code = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let device = dir.appendingPathComponent("till.sqlite").path
        let bin = CLITests.binary.path
        #expect(try Self.shell("'\(bin)' device enroll --server '\(server.url.absoluteString)' --code \(code.code) --db '\(device)' --author kassa") == 0)
        #expect(try Self.shell("'\(bin)' device signal --db '\(device)' --indicators mentions-alone --urgency soon --note 'Komt elke ochtend'") == 0)

        let log = try #require(try FileManager.default.contentsOfDirectory(atPath: logs).first).description
        var files = [db, db + "-wal", db + "-shm", db + ".lock", db + ".admin-token", logs + "/" + log]
        for f in files { #expect(FileManager.default.fileExists(atPath: f), "\(f) exists while the server runs") }
        files += [device, device + ".lock"]
        for f in files where FileManager.default.fileExists(atPath: f) {
            #expect(Self.mode(f) == 0o600, "\((f as NSString).lastPathComponent) is \(String(Self.mode(f) ?? -1, radix: 8)), not 600")
        }
        #expect(Self.mode(logs).map { $0 & 0o077 } == 0, "the session directory is the owner's only")
        #expect(server.terminate() == 0)
    }

    /// The library, not only the CLI's umask: a store opened in this process (umask 022 here,
    /// unless the runner's is stricter) is 0600 with its WAL and SHM; an existing 0644 file
    /// is narrowed when opened for writing.
    @Test func aDatabaseIsOwnerOnlyWhateverTheUmask() throws {
        let dir = try ServeLifecycleTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("replica.sqlite").path
        do {
            let store = try ReplicaStore(path: path)
            for f in [path, path + "-wal", path + "-shm", path + ".lock"] {
                #expect(Self.mode(f) == 0o600, "\((f as NSString).lastPathComponent): \(String(Self.mode(f) ?? -1, radix: 8))")
            }
            store.close()
        }
        let old = dir.appendingPathComponent("old.sqlite").path
        FileManager.default.createFile(atPath: old, contents: nil, attributes: [.posixPermissions: 0o644])
        let store = try ReplicaStore(path: old)
        #expect(Self.mode(old) == 0o600)
        store.close()
    }
}
