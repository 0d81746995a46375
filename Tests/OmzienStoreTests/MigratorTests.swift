import Foundation
import Testing
import CSQLite
@testable import OmzienStore

@Suite struct MigratorTests {
    static let v1 = Migration(name: "v1 create notes", sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    static let v2 = Migration(name: "v2 add author", sql: "ALTER TABLE notes ADD COLUMN author TEXT")
    static let v3 = Migration(name: "v3 seed") { db in
        try db.execute("INSERT INTO notes (body, author) VALUES (?, ?)", ["welcome", "omzien"])
    }

    @Test(arguments: Storage.allCases)
    func migrationsApplyInOrderOnceAndAreRecorded(storage: Storage) throws {
        try storage.withDatabase { db throws in
            let migrator = Migrator([Self.v1, Self.v2, Self.v3])
            #expect(try migrator.migrate(db) == ["v1 create notes", "v2 add author", "v3 seed"])
            #expect(try migrator.migrate(db) == [])
            #expect(try db.rows("SELECT body, author FROM notes") == [["welcome", "omzien"]])
            #expect(try migrator.appliedMigrations(db) == ["v1 create notes", "v2 add author", "v3 seed"])
            let stamps = try db.rows("SELECT applied_at FROM omzien_migrations").compactMap { $0[0].text }
            #expect(stamps.count == 3)
            for stamp in stamps {
                #expect(stamp.count == 24 && stamp.hasSuffix("Z") && stamp.contains("T"), "\(stamp)")
            }
        }
    }

    @Test(arguments: Storage.allCases)
    func laterBuildAppliesOnlyTheNewMigrations(storage: Storage) throws {
        try storage.withDatabase { db throws in
            #expect(try Migrator([Self.v1]).migrate(db) == ["v1 create notes"])
            #expect(try Migrator([Self.v1, Self.v2, Self.v3]).migrate(db) == ["v2 add author", "v3 seed"])
        }
    }

    @Test(arguments: Storage.allCases)
    func failingMigrationIsRolledBackAndNotRecorded(storage: Storage) throws {
        try storage.withDatabase { db throws in
            let broken = Migration(name: "v2 broken", sql: "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1)")
            let error = try #require(throws: DatabaseError.self) { try Migrator([Self.v1, broken, Self.v3]).migrate(db) }
            #expect(error.message.contains("no such table: nowhere"))
            #expect(try Migrator([]).appliedMigrations(db) == ["v1 create notes"])
            #expect(try db.firstRow("SELECT 1 FROM sqlite_schema WHERE name = 'half'") == nil, "its first statement was undone")
            #expect(try db.rows("SELECT count(*) FROM notes") == [[0]], "the migration after it did not run")
        }
    }

    @Test(arguments: Storage.allCases)
    func databaseFromANewerVersionIsRefusedUntouched(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try Migrator([Self.v1, Self.v2]).migrate(db)
            let error = try #require(throws: DatabaseError.self) { try Migrator([Self.v1, Self.v3]).migrate(db) }
            #expect(error.reason == .newerSchema(unknownMigration: "v2 add author"))
            #expect(error.description.contains("was written by a newer version of Omzien (unknown migration v2 add author)"))
            #expect(try db.rows("SELECT count(*) FROM notes") == [[0]], "v3 did not run")
        }
    }

    @Test func migratorRunsWhenAReplicaStoreOpens() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("migrated.sqlite")
        do {
            let store = try ReplicaStore(path: path, extraMigrations: [Self.v1])
            store.close()
        }
        let store = try ReplicaStore(path: path, extraMigrations: [Self.v1, Self.v2, Self.v3])
        #expect(try store.database.rows("SELECT author FROM notes") == [["omzien"]])
        store.close()
        let error = try #require(throws: DatabaseError.self) { try ReplicaStore(path: path, extraMigrations: [Self.v1]) }
        #expect(error.reason == .newerSchema(unknownMigration: "v2 add author"))
        // The failed open released the file.
        _ = try ReplicaStore(path: path, extraMigrations: [Self.v1, Self.v2, Self.v3])
    }
}
