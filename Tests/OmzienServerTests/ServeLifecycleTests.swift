import Foundation
import OmzienClient
import OmzienProtocol
import OmzienServer
import OmzienStore
import Testing

/// `omzien serve` as an operator and systemd see it (issue 10, defect 5): a signal drains and
/// exits 0, the session log is closed (a complete gzip stream), a port in use is refused.
@Suite(.serialized) struct ServeLifecycleTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func gzipTest(_ path: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-t", path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// R-OPS-1: on SIGTERM or SIGINT serve finishes what is in flight and exits 0.
    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalDrainsExitsZeroAndClosesTheSessionLog(signal: Int32) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("server.sqlite").path
        let logs = dir.appendingPathComponent("sessions").path
        let server = try ServeProcess(["--db", db, "--port", "0", "--quiet", "--record", logs])
        let client = SyncClient(baseURL: server.url, token: nil, retry: .none)
        _ = try client.call("GET", "v1/info", as: InfoResponse.self)
        let status = server.terminate(signal: signal)
        #expect(status == 0, "exit status \(String(describing: status)); stderr: \(server.stderr)")
        #expect(!server.stderr.contains("stopped with status"))
        let files = try FileManager.default.contentsOfDirectory(atPath: logs).filter { $0.hasSuffix(".jsonl.gz") }
        #expect(files.count == 1)
        for f in files {
            #expect(try Self.gzipTest(logs + "/" + f) == 0, "gzip -t accepts the session log of a cleanly stopped server")
        }
    }

    @Test func aSecondServerOnAPortInUseIsRefusedWith69() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try ServeProcess(["--db", dir.appendingPathComponent("a.sqlite").path, "--port", "0", "--quiet", "--threads", "2"])
        let second = try ServeProcess(["--db", dir.appendingPathComponent("b.sqlite").path, "--port", String(first.port), "--quiet", "--threads", "2"],
                                      expectListening: false)
        let status = second.waitForExit()
        #expect(status == 69, "second serve: \(String(describing: status)) \(second.stdout) \(second.stderr)")
        #expect(second.stderr.contains("in use"), "says the port is in use: \(second.stderr)")
        // The first one still answers every request, on all of its event loops.
        for _ in 0..<20 {
            let client = SyncClient(baseURL: first.url, token: nil, retry: .none)
            _ = try client.call("GET", "v1/info", as: InfoResponse.self)
        }
        #expect(first.terminate() == 0)
    }

    /// A submit racing `stop()` either runs or is refused with `DatabaseWorkerError.stopped`;
    /// it never waits forever (the old code checked the flag and queued under two locks).
    @Test func aLateSubmitIsRefusedNeverLeftWaiting() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for round in 0..<200 {
            let store = try ReplicaStore(path: dir.appendingPathComponent("w\(round).sqlite").path)
            let worker = DatabaseWorker(store: store)
            let finished = DispatchGroup()
            let refused = ManagedCount()
            for _ in 0..<4 {
                finished.enter()
                Thread.detachNewThread {
                    defer { finished.leave() }
                    for _ in 0..<50 {
                        do { _ = try worker.read { _ in 1 } } catch DatabaseWorkerError.stopped { refused.add(); return } catch { return }
                    }
                }
            }
            usleep(UInt32.random(in: 0...300))
            worker.stop()
            #expect(finished.wait(timeout: .now() + 5) == .success, "round \(round): a submit racing stop() hung")
            #expect(throws: DatabaseWorkerError.stopped) { try worker.write { _ in 1 } }
        }
    }
}

final class ManagedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
