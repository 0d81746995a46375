import Testing
import CSQLite
@testable import OmzienStore

@Suite struct DatabaseErrorTests {
    @Test func notADatabaseReadsAsASentenceWithAdvice() {
        let error = DatabaseError(code: SQLITE_NOTADB, message: "file is not a database", path: "/x/y.sqlite")
        #expect(error.description == "'/x/y.sqlite' is not an Omzien database (SQLite says: file is not a database). "
                + "Check the path, or move the file away to start fresh.")
    }

    @Test func argumentsAreKeptButNeverPrinted() {
        let error = DatabaseError(code: SQLITE_CONSTRAINT, message: "UNIQUE constraint failed: t.x",
                                  sql: "INSERT INTO t VALUES (?)", arguments: ["Jan Jansen"], path: "/db.sqlite")
        #expect(error.arguments == ["Jan Jansen"])
        #expect(!error.description.contains("Jan Jansen"))
        #expect(error.description.contains("INSERT INTO t VALUES (?)"))
        #expect(error.isConstraintViolation)
    }

    @Test func everyPrimaryCodeGetsADescriptionNamingTheFile() {
        for code in Int32(1)...Int32(28) {
            let error = DatabaseError(code: code, message: "m", path: "/p.sqlite")
            #expect(error.description.contains("'/p.sqlite'"), "code \(code): \(error)")
            #expect(error.description.hasSuffix(".") , "code \(code): \(error)")
        }
    }

    @Test func inMemoryDatabaseIsNamedAsSuch() {
        let error = DatabaseError(code: SQLITE_CORRUPT, message: "malformed", path: ":memory:")
        #expect(error.description.hasPrefix("the in-memory database is damaged"))
    }

    @Test func longSQLIsShortenedInTheDescription() {
        let sql = "SELECT " + String(repeating: "x, ", count: 500) + "1"
        let error = DatabaseError(code: SQLITE_ERROR, message: "boom", sql: sql, path: "/p")
        #expect(error.description.count < 800)
        #expect(error.sql == sql)
    }
}
