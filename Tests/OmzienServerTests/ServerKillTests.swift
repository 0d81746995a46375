import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import Testing

/// The server runs as its own process (`omzien serve`) and is killed with SIGKILL while a
/// device pushes: nothing the server acknowledged may be lost (R-SYNC-8).
/// `OMZIEN_SERVER_KILLS` sets the number of kills (CI: 3).
struct ServerKillTests {
    /// `@unchecked Sendable`: the killer thread only sends a signal to the process.
    final class ServerProcess: @unchecked Sendable {
        let process = Process()
        let port: Int

        init(db: String, arguments: [String] = []) throws {
            process.executableURL = CLITests.binary
            process.arguments = ["serve", "--db", db, "--port", "0", "--quiet"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var text = ""
            var found: Int?
            let handle = out.fileHandleForReading
            let deadline = Date().addingTimeInterval(20)
            while found == nil, Date() < deadline {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
                if let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    found = Int(text[range].split(separator: ":").last!)
                }
            }
            guard let found else { process.terminate(); throw ClientError.offline("the server did not start: \(text)") }
            port = found
        }

        var url: URL { URL(string: "http://127.0.0.1:\(port)")! }
        func kill() { Foundation.kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    @Test func killingTheServerLosesNothingItAcknowledged() throws {
        let kills = Int(ProcessInfo.processInfo.environment["OMZIEN_SERVER_KILLS"] ?? "") ?? 3
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("server.sqlite").path
        var server = try ServerProcess(db: db)
        let token = try String(contentsOfFile: db + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var admin = SyncClient(baseURL: server.url, token: token, retry: .none)
        _ = try admin.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: "noord", name: "Noord"), as: RegionInfo.self)
        _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: "store-a", region: "noord", name: "A"), as: StoreInfo.self)
        let code = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        var device = try DeviceSync.enroll(server: server.url, code: code.code, label: "till", path: dir.appendingPathComponent("till.sqlite").path, retry: .none)
        var acknowledgedBeforeKills: [UInt64] = []
        for round in 0..<kills {
            let victim = server
            let delay = Double.random(in: 0.05...0.3)
            let killer = Thread { Thread.sleep(forTimeInterval: delay); victim.kill() }
            killer.start()
            // Record and push one operation at a time until the server is gone.
            var pushes = 0
            while pushes < 100_000 {
                _ = try device.recordSignal(note: "ronde \(round) nummer \(pushes)")
                do { try device.sync(batchSize: 1) } catch { break }
                pushes += 1
            }
            while !killer.isFinished { usleep(1000) }
            acknowledgedBeforeKills.append(device.store.acknowledged)
            // Restart on the same database; the device follows the new port.
            server = try ServerProcess(db: db)
            admin = SyncClient(baseURL: server.url, token: token, retry: .none)
            try device.store.setSetting("server", server.url.absoluteString)
            let store = device.store
            device = try DeviceSync(store: store, retry: .none)
            let held = try device.client.call("GET", "v1/sync/status", as: StatusResponse.self).held
            #expect(held >= device.store.acknowledged, "round \(round): the server holds \(held) but had acknowledged \(device.store.acknowledged)")
        }
        try device.sync()
        let held = try device.client.call("GET", "v1/sync/status", as: StatusResponse.self).held
        #expect(held == device.store.held(from: device.store.replica), "after resuming, everything recorded is on the server")
        #expect(try device.store.unsentOperations().isEmpty)
        #expect(acknowledgedBeforeKills.last ?? 0 > 0, "the device pushed something before the kills")
        server.kill()
    }
}
