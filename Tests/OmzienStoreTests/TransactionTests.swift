import Testing
import CSQLite
@testable import OmzienStore

@Suite struct TransactionTests {
    struct Boom: Error {}

    @Test(arguments: Storage.allCases)
    func transactionCommitsAndReturnsTheBodyResult(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x)")
            let result = try db.transaction { () throws -> Int in
                #expect(db.isInTransaction)
                try db.execute("INSERT INTO t VALUES (1), (2)")
                return db.changes
            }
            #expect(result == 2)
            #expect(!db.isInTransaction)
            #expect(try db.rows("SELECT count(*) FROM t") == [[2]])
        }
    }

    @Test(arguments: Storage.allCases)
    func transactionRollsBackWhenTheBodyThrows(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x)")
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            }
            #expect(!db.isInTransaction)
            #expect(try db.rows("SELECT count(*) FROM t") == [[0]])
        }
    }

    @Test(arguments: Storage.allCases)
    func failingStatementRollsTheWholeTransactionBack(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x UNIQUE)")
            let error = try #require(throws: DatabaseError.self) {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES (1)")
                    try db.execute("INSERT INTO t VALUES (1)")
                }
            }
            #expect(error.isConstraintViolation)
            #expect(try db.rows("SELECT count(*) FROM t") == [[0]])
        }
    }

    @Test(arguments: Storage.allCases)
    func nestedTransactionFailureUndoesOnlyTheInnerWork(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x)")
            try db.transaction {
                try db.execute("INSERT INTO t VALUES ('outer')")
                #expect(throws: Boom.self) {
                    try db.transaction {
                        try db.execute("INSERT INTO t VALUES ('inner')")
                        throw Boom()
                    }
                }
                try db.transaction { try db.execute("INSERT INTO t VALUES ('inner ok')") }
                #expect(db.isInTransaction)
            }
            #expect(try db.rows("SELECT x FROM t ORDER BY rowid") == [["outer"], ["inner ok"]])
        }
    }

    @Test(arguments: Storage.allCases)
    func nestedFailureThatEscapesRollsBackEverything(storage: Storage) throws {
        try storage.withDatabase { db throws in
            try db.execute("CREATE TABLE t (x)")
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES (1)")
                    try db.transaction {
                        try db.execute("INSERT INTO t VALUES (2)")
                        throw Boom()
                    }
                }
            }
            #expect(try db.rows("SELECT count(*) FROM t") == [[0]])
        }
    }

    @Test func transactionsAreDurableAcrossReopen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("durable.sqlite")
        do {
            let db = try Database(path: path)
            try db.execute("CREATE TABLE t (x)")
            try db.transaction { try db.execute("INSERT INTO t VALUES (1)") }
            _ = try? db.transaction { try db.execute("INSERT INTO t VALUES (2)"); throw Boom() }
        }
        let db = try Database(path: path)
        #expect(try db.rows("SELECT x FROM t") == [[1]])
    }
}
