import Foundation
import Testing
import CSQLite
@testable import OmzienStore

/// Files that are not, or no longer, sound SQLite databases must make `Database` throw a
/// `DatabaseError` with a sentence a person can act on, never crash the process.
@Suite struct BadDatabaseFileTests {
    /// Opens `bytes` as a database file and reads everything in it; returns the first error.
    func openAndReadEverything(_ bytes: [UInt8], options: Database.Options = .init()) throws -> DatabaseError? {
        let directory = try TemporaryDirectory()
        let path = directory.path("bad.sqlite")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            let db = try Database(path: path, options: options)
            defer { db.close() }
            for table in try db.rows("SELECT name FROM sqlite_schema WHERE type = 'table'") {
                _ = try db.rows("SELECT * FROM \"\(table[0].text!)\"")
            }
            let problems = try db.integrityCheck()
            if problems != ["ok"] {
                Issue.record("integrity_check found problems but no query threw: \(problems)")
            }
            return nil
        } catch let error as DatabaseError {
            #expect(error.path == path)
            #expect(error.description.contains(path), "the description names the file: \(error)")
            #expect(!DatabaseFileClaim.isClaimed(path), "a failed open releases the file")
            return error
        }
    }

    @Test func randomBytesAreNotADatabase() throws {
        var rng = SystemRandomNumberGenerator()
        var bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[0] = 0x00  // never "SQLite format 3" by chance
        let error = try #require(try openAndReadEverything(bytes))
        #expect(error.isNotADatabase)
        #expect(error.description.contains("is not an Omzien database"))
        #expect(error.description.contains("move the file away to start fresh"))
    }

    @Test(arguments: ["hello world\n", String(repeating: "a plain text file, not a database\n", count: 200), "x", "SQLite format"])
    func textFileIsNotADatabase(text: String) throws {
        let error = try #require(try openAndReadEverything(Array(text.utf8)))
        #expect(error.isNotADatabase)
        #expect(error.code == SQLITE_NOTADB)
    }

    @Test func emptyFileIsAFreshDatabase() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("empty.sqlite")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
        #expect(try db.rows("SELECT x FROM t") == [[1]])
    }

    @Test func directoryIsNotADatabaseFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("a-directory")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let error = try #require(throws: DatabaseError.self) { try Database(path: path) }
        #expect(error.code == SQLITE_CANTOPEN)
        #expect(error.message.contains("directory"))
        #expect(error.description.contains(path))
        #expect(!FileManager.default.fileExists(atPath: path + ".lock"), "no lock file next to a directory")
    }

    @Test func missingDirectoryGivesAClearCannotOpen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("no/such/dir/x.sqlite")
        let error = try #require(throws: DatabaseError.self) { try Database(path: path) }
        #expect(error.code == SQLITE_CANTOPEN)
        #expect(error.description.contains("Check that the directory exists"))
    }

    @Test func truncatedDatabaseThrowsAtOpenOrFirstRead() throws {
        let real = try makeRealDatabaseBytes()
        #expect(try openAndReadEverything(real) == nil, "the untruncated file is sound")
        let page = 4096
        for length in [1, 10, 16, 50, 99, 100, 101, 512, page, page + 100, 2 * page, real.count / 2, real.count - page] {
            let error = try #require(try openAndReadEverything(Array(real.prefix(length))), "truncated to \(length) bytes")
            #expect(error.isCorrupt || error.isNotADatabase, "truncated to \(length): \(error)")
            #expect(error.description.contains("Restore it from a backup") || error.description.contains("not an Omzien database"))
        }
    }

    @Test func overwrittenTableRootPageThrowsCorruptOnFirstRead() throws {
        var bytes = try makeRealDatabaseBytes()
        let rootPage = try rootPageOfTableT(bytes)
        let page = 4096
        let start = (rootPage - 1) * page
        for i in start..<(start + page) { bytes[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 17) }

        let directory = try TemporaryDirectory()
        let path = directory.path("corrupt.sqlite")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let db = try Database(path: path)  // header and schema are intact
        let error = try #require(throws: DatabaseError.self) { try db.rows("SELECT * FROM t") }
        #expect(error.isCorrupt)
        #expect(error.description.hasPrefix("'\(path)' is damaged"))
        #expect(error.description.contains("Restore it from a backup"))
        #expect(error.sql == "SELECT * FROM t")
    }

    @Test func overwrittenPagesInTheMiddleAreFoundByTheIntegrityCheck() throws {
        var bytes = try makeRealDatabaseBytes()
        let page = 4096
        let pages = bytes.count / page
        var rng = SystemRandomNumberGenerator()
        for i in ((pages / 2) * page)..<((pages / 2 + 3) * page) { bytes[i] = UInt8.random(in: 0...255, using: &rng) }

        // Found by the check at open when asked for.
        let atOpen = try #require(try openAndReadEverything(bytes, options: .init(checkOnOpen: .quick)))
        #expect(atOpen.isCorrupt)
        #expect(atOpen.description.contains("is damaged"))

        // Found by integrityCheck() (which reports rows or throws SQLITE_CORRUPT) otherwise.
        let directory = try TemporaryDirectory()
        let path = directory.path("middle.sqlite")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let db = try Database(path: path)
        do {
            let problems = try db.integrityCheck()
            #expect(problems != ["ok"])
        } catch let error as DatabaseError {
            #expect(error.isCorrupt)
        }
    }

    @Test func fullIntegrityCheckAtOpenAcceptsASoundFile() throws {
        #expect(try openAndReadEverything(try makeRealDatabaseBytes(rows: 100), options: .init(checkOnOpen: .full)) == nil)
    }

    /// The root page number of table `t`, read with a scratch in-memory copy of the schema.
    private func rootPageOfTableT(_ bytes: [UInt8]) throws -> Int {
        let directory = try TemporaryDirectory()
        let path = directory.path("probe.sqlite")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let db = try Database(path: path, options: .init(readOnly: true))
        return Int(try #require(try db.firstRow("SELECT rootpage FROM sqlite_schema WHERE name = 't'")?.first?.int64))
    }
}
