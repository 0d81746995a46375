import Foundation
import Testing
import CSQLite
@testable import OmzienStore

@Suite struct DatabaseTests {
    @Test(arguments: Storage.allCases)
    func executeRunsSeveralStatementsInOrder(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("""
                CREATE TABLE t (x INTEGER);
                -- a comment between statements
                INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);
                UPDATE t SET x = x * 10;
                """)
            #expect(try db.rows("SELECT x FROM t ORDER BY x") == [[.integer(10)], [.integer(20)]])
        }
    }

    @Test(arguments: Storage.allCases)
    func executeStopsAtTheFailingStatementAndNamesIt(storage: Storage) throws {
        try storage.withDatabase { db throws in
            let error = try #require(throws: DatabaseError.self) {
                try db.execute("CREATE TABLE t (x); INSERT INTO nowhere VALUES (1); CREATE TABLE u (y)")
            }
            #expect(error.code == SQLITE_ERROR)
            #expect(error.message.contains("no such table: nowhere"))
            #expect(error.sql == "INSERT INTO nowhere VALUES (1);")
            #expect(error.description.contains("INSERT INTO nowhere"))
            // The statement before ran; the one after did not.
            #expect(try db.rows("SELECT name FROM sqlite_schema ORDER BY name") == [[.text("t")]])
        }
    }

    @Test(arguments: Storage.allCases)
    func syntaxErrorThrowsWithTheSQL(storage: Storage) throws {
        try storage.withDatabase { db throws in
            let error = try #require(throws: DatabaseError.self) { try db.execute("SELEKT 1") }
            #expect(error.code == SQLITE_ERROR)
            #expect(error.sql == "SELEKT 1")
            #expect(error.message.contains("syntax error"))
        }
    }

    @Test(arguments: Storage.allCases)
    func changesAndLastInsertRowIDReportTheLastStatement(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
            try db.execute("INSERT INTO t (x) VALUES (?)", [7])
            #expect(db.lastInsertRowID == 1)
            try db.execute("INSERT INTO t (id, x) VALUES (?, ?)", [41, 8])
            #expect(db.lastInsertRowID == 41)
            #expect(db.changes == 1)
            try db.execute("UPDATE t SET x = x + 1")
            #expect(db.changes == 2)
            try db.execute("DELETE FROM t WHERE x > ?", [100])
            #expect(db.changes == 0)
        }
    }

    @Test(arguments: Storage.allCases)
    func executeWithArgumentsRefusesSeveralStatements(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x)")
            let error = try #require(throws: DatabaseError.self) {
                try db.execute("INSERT INTO t VALUES (?); INSERT INTO t VALUES (?)", [1])
            }
            #expect(error.code == SQLITE_MISUSE)
            #expect(try db.rows("SELECT count(*) FROM t") == [[.integer(0)]])
            // A trailing comment is not a second statement.
            try db.execute("INSERT INTO t VALUES (?); -- done", [1])
            #expect(try db.rows("SELECT count(*) FROM t") == [[.integer(1)]])
        }
    }

    @Test(arguments: Storage.allCases)
    func integrityCheckOfASoundDatabaseIsOK(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x UNIQUE); INSERT INTO t VALUES (1), (2)")
            #expect(try db.integrityCheck() == ["ok"])
            #expect(try db.integrityCheck(quick: true) == ["ok"])
        }
    }

    @Test(arguments: Storage.allCases)
    func closeIsIdempotentAndLaterUseThrowsClosed(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x)")
            let cached = try db.cachedStatement("SELECT x FROM t")
            let uncached = try db.makeStatement("INSERT INTO t VALUES (1)")
            db.close()
            db.close()
            #expect(!db.isOpen)
            let error = try #require(throws: DatabaseError.self) { try db.execute("SELECT 1") }
            #expect(error.reason == .closed)
            #expect(throws: DatabaseError.self) { try cached.step() }
            #expect(throws: DatabaseError.self) { try uncached.run() }
            #expect(throws: DatabaseError.self) { try db.cachedStatement("SELECT 1") }
            #expect(db.changes == 0)
        }
    }

    @Test func closeCheckpointsAndRemovesTheWALFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("wal.sqlite")
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        db.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        let reopened = try Database(path: path)
        #expect(try reopened.rows("SELECT x FROM t") == [[.integer(1)]])
    }

    @Test func dataSurvivesReopeningTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("persist.sqlite")
        do {
            let db = try Database(path: path)
            try db.execute("CREATE TABLE t (x TEXT)")
            try db.execute("INSERT INTO t VALUES (?)", ["kept"])
        }  // deinit closes
        let db = try Database(path: path)
        #expect(try db.rows("SELECT x FROM t") == [[.text("kept")]])
    }

    @Test func readOnlyConnectionReadsButRefusesWrites() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("ro.sqlite")
        do {
            let db = try Database(path: path)
            try db.execute("CREATE TABLE t (x); INSERT INTO t VALUES (5)")
        }
        let db = try Database(path: path, options: .init(readOnly: true))
        #expect(try db.rows("SELECT x FROM t") == [[.integer(5)]])
        let error = try #require(throws: DatabaseError.self) { try db.execute("INSERT INTO t VALUES (6)") }
        #expect(error.code == SQLITE_READONLY)
        #expect(error.description.contains("could not write"))
    }

    @Test func readOnlyOpenOfAMissingFileFailsWithoutCreatingIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("missing.sqlite")
        let error = try #require(throws: DatabaseError.self) { try Database(path: path, options: .init(readOnly: true)) }
        #expect(error.code == SQLITE_CANTOPEN)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
