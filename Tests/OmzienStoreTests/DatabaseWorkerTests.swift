import Foundation
import Testing
import CSQLite
import Synchronization
@testable import OmzienStore

/// The one thread that owns a replica store's connection (`DatabaseWorker`): serialized
/// jobs, group commit with a savepoint per write, answers after COMMIT, refusal after stop.
@Suite struct DatabaseWorkerTests {
    struct Boom: Error {}

    static let counter = Migration(name: "counter", sql: "CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0)")

    func makeWorker(_ storage: Storage, directory: TemporaryDirectory) throws -> DatabaseWorker {
        let path = storage == .memory ? ":memory:" : directory.path("worker.sqlite")
        return DatabaseWorker(store: try ReplicaStore(path: path, extraMigrations: [Self.counter]))
    }

    static func count(_ worker: DatabaseWorker) throws -> Int64? {
        try worker.read { try $0.database.firstRow("SELECT n FROM counter")?.first?.int64 }
    }

    @Test(arguments: Storage.allCases)
    func concurrentWritesFromManyThreadsAreSerialized(storage: Storage) throws {
        let directory = try TemporaryDirectory()
        let worker = try makeWorker(storage, directory: directory)
        defer { worker.stop() }
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 {
                do {
                    // Read-modify-write in Swift: lost updates would show if access were not serialized.
                    try worker.write { store in
                        let n = try store.database.firstRow("SELECT n FROM counter")![0].int64!
                        try store.database.execute("UPDATE counter SET n = ?", [.integer(n + 1)])
                    }
                } catch {
                    Issue.record("write failed: \(error)")
                }
            }
        }
        #expect(try Self.count(worker) == 400)
        let stats = worker.commitStats.withLock { $0 }
        #expect(stats.writes == 400 && stats.commits <= 400)
    }

    @Test(arguments: Storage.allCases)
    func writeRollsBackWhenTheBodyThrows(storage: Storage) throws {
        let directory = try TemporaryDirectory()
        let worker = try makeWorker(storage, directory: directory)
        defer { worker.stop() }
        #expect(throws: Boom.self) {
            try worker.write { store in
                try store.database.execute("UPDATE counter SET n = 99")
                throw Boom()
            }
        }
        #expect(try Self.count(worker) == 0)
        #expect(try worker.read { $0.database.isInTransaction } == false, "a write answers after its COMMIT")
    }

    /// Writes queued while the thread is busy share one transaction; the one that throws is
    /// undone alone (its savepoint), the others commit together.
    @Test(arguments: Storage.allCases)
    func writesQueuedTogetherShareOneCommitAndAFailingOneIsUndoneAlone(storage: Storage) throws {
        let directory = try TemporaryDirectory()
        let worker = try makeWorker(storage, directory: directory)
        defer { worker.stop() }
        let before = worker.commitStats.withLock { $0 }
        let busy = DispatchGroup()
        busy.enter()
        Thread.detachNewThread {
            _ = try? worker.read { _ in Thread.sleep(forTimeInterval: 0.5) }
            busy.leave()
        }
        Thread.sleep(forTimeInterval: 0.1)
        let outcomes = Mutex<[Int: Bool]>([:])
        let writers = DispatchGroup()
        for i in 0..<4 {
            writers.enter()
            Thread.detachNewThread {  // one thread each: all four wait for the busy worker at once
                let ok = (try? worker.write { (store: ReplicaStore) -> Void in
                    try store.database.execute("UPDATE counter SET n = n + ?", [.integer(Int64(1 << i))])
                    if i == 2 { throw Boom() }
                }) != nil
                outcomes.withLock { $0[i] = ok }
                writers.leave()
            }
        }
        writers.wait()
        busy.wait()
        #expect(outcomes.withLock { $0 } == [0: true, 1: true, 2: false, 3: true])
        #expect(try Self.count(worker) == 1 + 2 + 8)
        let after = worker.commitStats.withLock { $0 }
        #expect(after.writes - before.writes == 4)
        #expect(after.commits - before.commits == 1, "the four queued writes shared one COMMIT")
    }

    @Test func aStoppedWorkerRefusesJobsAndReleasesTheFile() throws {
        let directory = try TemporaryDirectory()
        let worker = try makeWorker(.disk, directory: directory)
        try worker.write { store in try store.database.execute("UPDATE counter SET n = 5") }
        worker.stop()
        worker.stop()
        #expect(throws: DatabaseWorkerError.stopped) { try worker.read { _ in 1 } }
        #expect(throws: DatabaseWorkerError.stopped) { try worker.write { _ in 1 } }
        // The thread closed the store on its way out: the file opens again, with the write.
        let reopened = try makeWorker(.disk, directory: directory)
        defer { reopened.stop() }
        #expect(try Self.count(reopened) == 5)
    }

    @Test func usableFromConcurrentTasks() async throws {
        let directory = try TemporaryDirectory()
        let worker = try makeWorker(.disk, directory: directory)
        defer { worker.stop() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try worker.write { store in try store.database.execute("UPDATE counter SET n = n + ?", [.integer(Int64(i))]) }
                }
            }
            try await group.waitForAll()
        }
        #expect(try Self.count(worker) == 190)
    }

    /// A job that submits to its own worker would wait for itself forever: it traps instead.
    @Test func aJobThatCallsItsOwnWorkerAgainTraps() async {
        await #expect(processExitsWith: .failure) {
            let worker = DatabaseWorker(store: try ReplicaStore(path: ":memory:"))
            _ = try worker.read { _ in try worker.read { _ in 1 } }
        }
    }
}
