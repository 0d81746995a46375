import Testing
import CSQLite
import OmzienModel
@testable import OmzienStore

@Suite struct StatementTests {
    static let samples: [SQLValue] = [
        .null,
        .integer(0), .integer(Int64.min), .integer(Int64.max), .integer(-1),
        .real(0.5), .real(-1e300), .real(Double.leastNonzeroMagnitude),
        .text(""), .text("hello"), .text("zorg 🚑 ëïö ∑"), .text("nul\u{0}inside"),
        .blob([]), .blob([0]), .blob([0xff, 0x00, 0x7f]), .blob([UInt8](repeating: 0xab, count: 10_000)),
    ]

    @Test(arguments: Storage.allCases)
    func everyValueRoundTripsWithItsStorageClass(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v ANY) STRICT")
            for (i, value) in Self.samples.enumerated() {
                try db.execute("INSERT INTO t (id, v) VALUES (?, ?)", [.integer(Int64(i)), value])
            }
            let read = try db.rows("SELECT v FROM t ORDER BY id").map { $0[0] }
            #expect(read == Self.samples)
            // Empty text and empty blobs are values, not NULL.
            #expect(try db.rows("SELECT count(*) FROM t WHERE v IS NULL") == [[.integer(1)]])
        }
    }

    @Test(arguments: Storage.allCases)
    func typedBindsAndAccessorsAgreeWithSQLValues(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
            let insert = try db.cachedStatement("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
            try insert.bind(1, Int64(-42))
            try insert.bind(2, 2.25)
            try insert.bind(3, "tekst")
            let raw: [UInt8] = [1, 2, 3, 4]
            try raw.withUnsafeBytes { try insert.bind(4, $0) }
            try insert.bindNull(5)
            #expect(try insert.step() == false)
            insert.reset()

            let select = try db.cachedStatement("SELECT i, r, s, b, n FROM t")
            #expect(try select.step())
            #expect(select.columnCount == 5)
            #expect(select.columnName(2) == "s")
            #expect(select.int64(0) == -42)
            #expect(select.double(1) == 2.25)
            #expect(select.text(2) == "tekst")
            #expect(select.blob(3) == raw)
            #expect(select.withBlob(3) { Array($0) } == raw)
            #expect(select.isNull(4))
            #expect(!select.isNull(0))
            #expect(select.value(4) == .null)
            #expect(select.row() == [.integer(-42), .real(2.25), .text("tekst"), .blob(raw), .null])
            #expect(try select.step() == false)
        }
    }

    @Test(arguments: Storage.allCases)
    func cachedStatementIsPreparedOnceAndReused(storage: Storage) throws {
        try storage.withDatabase { db throws in
            let first = try db.cachedStatement("SELECT ?")
            let second = try db.cachedStatement("SELECT ?")
            #expect(first === second)
            #expect(try db.cachedStatement("SELECT ? ") !== first)
            #expect(try db.makeStatement("SELECT ?") !== first)
        }
    }

    @Test(arguments: Storage.allCases)
    func cachedStatementComesBackResetWithBindingsCleared(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3)")
            let statement = try db.cachedStatement("SELECT x, ? FROM t ORDER BY x")
            try statement.bind(1, "bound")
            #expect(try statement.step())
            #expect(statement.int64(0) == 1)
            #expect(statement.text(1) == "bound")
            // Fetched again mid-iteration: starts from the first row, parameter back to NULL.
            let again = try db.cachedStatement("SELECT x, ? FROM t ORDER BY x")
            #expect(try again.step())
            #expect(again.int64(0) == 1)
            #expect(again.isNull(1))
        }
    }

    @Test(arguments: Storage.allCases)
    func bindRefusesTheWrongNumberOfArguments(storage: Storage) throws {
        try storage.withDatabase { db throws in
            let statement = try db.cachedStatement("SELECT ?, ?")
            let tooFew = try #require(throws: DatabaseError.self) { try statement.bind([1]) }
            #expect(tooFew.code == SQLITE_RANGE)
            #expect(tooFew.message.contains("2 parameter(s) but 1 argument(s)"))
            #expect(throws: DatabaseError.self) { try statement.bind([1, 2, 3]) }
            #expect(throws: DatabaseError.self) { try statement.bind(3, Int64(1)) }
            #expect(try statement.rows([1, 2]) == [[.integer(1), .integer(2)]])
        }
    }

    @Test(arguments: Storage.allCases)
    func runAndRowsCanBeRepeatedOnOneStatement(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x INTEGER)")
            let insert = try db.cachedStatement("INSERT INTO t VALUES (?)")
            for i in 0..<100 { try insert.run([.integer(Int64(i))]) }
            let select = try db.cachedStatement("SELECT x FROM t WHERE x >= ? ORDER BY x")
            #expect(try select.rows([98]) == [[98], [99]])
            #expect(try select.rows([99]) == [[99]])
            #expect(try db.firstRow("SELECT count(*), sum(x) FROM t") == [100, 4950])
            #expect(try db.firstRow("SELECT x FROM t WHERE x < 0") == nil)
        }
    }

    @Test(arguments: Storage.allCases)
    func stepErrorCarriesSQLArgumentsAndConstraintKind(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x INTEGER UNIQUE)")
            try db.execute("INSERT INTO t VALUES (?)", [1])
            let error = try #require(throws: DatabaseError.self) { try db.execute("INSERT INTO t VALUES (?)", [1]) }
            #expect(error.isConstraintViolation)
            #expect(error.extendedCode == SQLITE_CONSTRAINT | (8 << 8))  // SQLITE_CONSTRAINT_UNIQUE
            #expect(error.sql == "INSERT INTO t VALUES (?)")
            #expect(error.arguments == [1])
            #expect(error.description.contains("constraint failed"))
            // The statement is usable again after the failure.
            try db.execute("INSERT INTO t VALUES (?)", [2])
            #expect(try db.rows("SELECT count(*) FROM t") == [[2]])
        }
    }

    @Test func digestValuesRoundTripAsThirtyTwoByteBlobs() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (h BLOB NOT NULL)")
        let digest = SHA256.hash("operation 1")
        try db.execute("INSERT INTO t VALUES (?)", [SQLValue(digest)])
        #expect(try db.firstRow("SELECT h FROM t")?.first?.digest == digest)
        #expect(SQLValue.blob([1, 2]).digest == nil)
        #expect(SQLValue.text("x").digest == nil)
    }

    @Test func sqlValueAccessorsAndDescriptions() {
        #expect(SQLValue.integer(3).int64 == 3)
        #expect(SQLValue.integer(3).double == 3.0)
        #expect(SQLValue.text("a").int64 == nil)
        #expect(SQLValue.null.isNull)
        #expect(SQLValue.text("it's").description == "'it''s'")
        #expect(SQLValue.blob([0x0a, 0xff]).description == "x'0aff'")
        let literal: SQLValue = nil
        #expect(literal == .null)
    }

    @Test func foreignKeysAreEnforced() throws {
        try Storage.disk.withDatabase { db throws in
            try db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent(id))")
            let error = try #require(throws: DatabaseError.self) { try db.execute("INSERT INTO child VALUES (?)", [9]) }
            #expect(error.extendedCode == SQLITE_CONSTRAINT | (3 << 8))  // SQLITE_CONSTRAINT_FOREIGNKEY
        }
    }
}
