import Foundation
import OmzienModel
import OmzienStore
import Testing

/// A child process appends operations and reports each commit; it is killed with SIGKILL at
/// random moments. After each kill the store opens, `PRAGMA integrity_check` is ok, every
/// reported commit is there, and no operation is half-applied (the materialized state equals
/// a fold of the log). `OMZIEN_CRASH_KILLS` sets the number of kills (CI: 4;
/// `Tools/crash-test.sh`: 200).
struct CrashTests {
    static var childURL: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("omzien-crash-child")
    }

    @Test func killedWritersLoseNoCommitAndLeaveNoHalfAppliedOperation() throws {
        let kills = Int(ProcessInfo.processInfo.environment["OMZIEN_CRASH_KILLS"] ?? "") ?? 4
        let child = Self.childURL
        try #require(FileManager.default.isExecutableFile(atPath: child.path), "build the omzien-crash-child product first (\(child.path))")
        let dir = try TempDir()
        let path = dir.path("crash.sqlite")
        var lastReported: UInt64 = 0
        var rng = SystemRandomNumberGenerator()
        for round in 0..<kills {
            let process = Process()
            process.executableURL = child
            process.arguments = [path, "dev-crash"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            // Let it write for a random while, then kill it mid-write. Its reports wait in
            // the pipe (64 KiB holds thousands of lines; a full pipe only pauses the child).
            usleep(UInt32.random(in: 50_000...400_000, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the child exited by itself: \(text.suffix(300))")
            for line in text.split(separator: "\n") where line.hasPrefix("committed ") {
                lastReported = max(lastReported, UInt64(line.dropFirst("committed ".count)) ?? 0)
            }
            let store = try ReplicaStore(path: path)
            #expect(try store.integrityCheck() == ["ok"], "round \(round)")
            #expect(store.held(from: store.replica) >= lastReported, "round \(round): a reported commit is missing")
            #expect(try store.verifyMaterializedState().isEmpty, "round \(round): the materialized state does not match the log")
            store.close()
        }
        #expect(lastReported > 0, "the child never committed anything")
    }
}
