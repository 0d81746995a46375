import Testing
import CSQLite
@testable import OmzienStore

@Suite struct DatabaseConfigurationTests {
    func pragma(_ db: Database, _ name: String) throws -> SQLValue? {
        try db.firstRow("PRAGMA \(name)")?.first
    }

    @Test func linkedSQLiteIsSupportedAndItsWALResetBugIsKnown() {
        #expect(SQLiteLibrary.versionNumber >= 3_037_000)
        #expect(SQLiteLibrary.version.hasPrefix("3."))
        // Debian 12's 3.40.1 predates the 3.51.3 fix; the flag must say so.
        #expect(SQLiteLibrary.hasWALResetBug == (SQLiteLibrary.versionNumber < 3_051_003))
        if SQLiteLibrary.version == "3.40.1" { #expect(SQLiteLibrary.hasWALResetBug) }
    }

    @Test func onDiskDatabaseUsesWALFullSyncSecureDeleteAndForeignKeys() throws {
        try Storage.disk.withDatabase { db throws in
            #expect(try pragma(db, "journal_mode") == "wal")
            #expect(try pragma(db, "synchronous") == 2)  // FULL
            #expect(try pragma(db, "secure_delete") == 1)
            #expect(try pragma(db, "foreign_keys") == 1)
            #expect(try pragma(db, "busy_timeout") == 5000)
        }
    }

    @Test func normalDurabilitySetsSynchronousNormal() throws {
        try Storage.disk.withDatabase(options: .init(durability: .normal, busyTimeoutMillis: 250)) { db throws in
            #expect(try pragma(db, "synchronous") == 1)  // NORMAL
            #expect(try pragma(db, "busy_timeout") == 250)
        }
    }

    @Test func inMemoryDatabaseHasNoWALButTheSameSafetyPragmas() throws {
        try Storage.memory.withDatabase { db throws in
            #expect(db.isInMemory)
            #expect(try pragma(db, "journal_mode") == "memory")
            #expect(try pragma(db, "secure_delete") == 1)
            #expect(try pragma(db, "foreign_keys") == 1)
        }
    }

    @Test func twoInMemoryDatabasesAreIndependent() throws {
        let a = try Database(path: ":memory:")
        let b = try Database(path: ":memory:")
        try a.execute("CREATE TABLE t (x)")
        #expect(try b.rows("SELECT count(*) FROM sqlite_schema") == [[0]])
    }

    /// The control run (secure_delete switched back off) shows the check can fail.
    @Test(arguments: [true, false])
    func secureDeleteOverwritesDeletedContent(secureDelete: Bool) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("erase.sqlite")
        let secret = "PATIENT-NAME-\(String(repeating: "x", count: 40))"
        do {
            let db = try Database(path: path)
            if !secureDelete { try db.execute("PRAGMA secure_delete=OFF") }
            try db.execute("CREATE TABLE t (x TEXT)")
            try db.execute("INSERT INTO t VALUES (?)", [.text(secret)])
            try db.execute("DELETE FROM t")
        }  // close checkpoints the WAL into the main file
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.containsSubsequence(Array(secret.utf8)) == !secureDelete)
    }
}

import Foundation

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if Array(self[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }
}
