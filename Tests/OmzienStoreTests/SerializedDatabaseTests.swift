import Foundation
import Testing
import CSQLite
@testable import OmzienStore

@Suite struct SerializedDatabaseTests {
    struct Boom: Error {}

    func makeStore(_ storage: Storage, directory: TemporaryDirectory) throws -> SerializedDatabase {
        let path = storage == .memory ? ":memory:" : directory.path("serialized.sqlite")
        return try SerializedDatabase(path: path, migrator: Migrator([
            Migration(name: "counter", sql: "CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0)"),
        ]))
    }

    @Test(arguments: Storage.allCases)
    func concurrentWritesFromManyThreadsAreSerialized(storage: Storage) throws {
        let directory = try TemporaryDirectory()
        let store = try makeStore(storage, directory: directory)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 {
                do {
                    // Read-modify-write in Swift: lost updates would show if access were not serialized.
                    try store.write { db in
                        let n = try db.firstRow("SELECT n FROM counter")![0].int64!
                        try db.execute("UPDATE counter SET n = ?", [.integer(n + 1)])
                    }
                } catch {
                    Issue.record("write failed: \(error)")
                }
            }
        }
        #expect(try store.read { try $0.firstRow("SELECT n FROM counter") } == [400])
    }

    @Test(arguments: Storage.allCases)
    func writeRollsBackWhenTheBodyThrows(storage: Storage) throws {
        let directory = try TemporaryDirectory()
        let store = try makeStore(storage, directory: directory)
        #expect(throws: Boom.self) {
            try store.write { db in
                try db.execute("UPDATE counter SET n = 99")
                throw Boom()
            }
        }
        #expect(try store.read { try $0.firstRow("SELECT n FROM counter") } == [0])
    }

    @Test(arguments: Storage.allCases)
    func readCannotWrite(storage: Storage) throws {
        let directory = try TemporaryDirectory()
        let store = try makeStore(storage, directory: directory)
        let error = try #require(throws: DatabaseError.self) {
            try store.read { db in try db.execute("UPDATE counter SET n = 5") }
        }
        #expect(error.code == SQLITE_READONLY)
        // And the connection is writable again afterwards.
        try store.write { db in try db.execute("UPDATE counter SET n = 6") }
        #expect(try store.read { try $0.firstRow("SELECT n FROM counter") } == [6])
    }

    @Test(arguments: Storage.allCases)
    func writeWithoutTransactionCanRunVacuum(storage: Storage) throws {
        let directory = try TemporaryDirectory()
        let store = try makeStore(storage, directory: directory)
        #expect(throws: DatabaseError.self) { try store.write { try $0.execute("VACUUM") } }
        try store.writeWithoutTransaction { try $0.execute("VACUUM") }
    }

    @Test func secondSerializedDatabaseForTheSameFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        let store = try makeStore(.disk, directory: directory)
        let error = try #require(throws: DatabaseError.self) { try makeStore(.disk, directory: directory) }
        #expect(error.reason == .alreadyOpenInThisProcess)
        store.close()
        store.close()
        #expect(throws: DatabaseError.self) { try store.read { try $0.rows("SELECT 1") } }
        _ = try makeStore(.disk, directory: directory)
    }

    @Test func usableFromConcurrentTasks() async throws {
        let directory = try TemporaryDirectory()
        let store = try makeStore(.disk, directory: directory)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try store.write { db in try db.execute("UPDATE counter SET n = n + ?", [.integer(Int64(i))]) }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.read { try $0.firstRow("SELECT n FROM counter") } == [190])
    }
}
