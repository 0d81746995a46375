#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite

/// One SQLite connection to one database file (or to a private in-memory database).
///
/// **Not `Sendable`:** a `Database` has exactly one owner, and only that owner uses it (and
/// its statements). To share a replica store's connection between threads, give the store to
/// a `DatabaseWorker`, whose one thread runs every access as a job.
///
/// **Exactly one connection per file.** SQLite 3.40.1, the version Debian 12 ships, has the
/// WAL-reset corruption bug (fixed upstream in 3.51.3): with WAL mode and two or more
/// connections to the same file, a race while the log is reset can corrupt the database. We
/// keep WAL and never open a second connection: `init` refuses a file that is already open
/// in this process (a registry of canonical paths) or in another one (an exclusive `flock`
/// on `<path>.lock`). Both are released by `close()` or `deinit`. See `SQLiteLibrary`.
///
/// At open, for an on-disk file: `journal_mode=WAL` (verified), `synchronous=FULL` (or
/// NORMAL, see `Durability`), `secure_delete=ON` (erased data must not linger in free pages),
/// `foreign_keys=ON`, and a busy timeout. `":memory:"` gives a private in-memory database
/// (journal mode MEMORY, no file, no lock). Files that are not SQLite databases, or are
/// damaged, make `init` (or the first query that reads the damage) throw a `DatabaseError`
/// whose description says what to do; they never crash the process.
///
/// Statements from `cachedStatement(_:)` are prepared once per connection and reused; all
/// statements are finalized when the connection closes, after which using one throws
/// `DatabaseError` with reason `.closed`.
public final class Database {
    /// The path as given to `init` (":memory:" for an in-memory database).
    public let path: String
    public let options: Options
    /// Whether this is a private in-memory database.
    public let isInMemory: Bool

    let connection: ConnectionHandle
    private var statementCache: [String: Statement] = [:]
    private var claim: DatabaseFileClaim?
    private var savepointDepth = 0

    /// Opens (creating if needed, unless read-only) the database at `path`.
    ///
    /// Throws `DatabaseError`: `.alreadyOpenInThisProcess` / `.alreadyOpenInAnotherProcess`
    /// (one connection per file), `SQLITE_NOTADB` / `SQLITE_CORRUPT` for bad files,
    /// `SQLITE_CANTOPEN` for a missing directory or permissions, `.walUnavailable`.
    public init(path: String, options: Options = .init()) throws {
        try SQLiteLibrary.checkVersion()
        let inMemory = path == ":memory:" || path.isEmpty
        if !inMemory, let problem = Self.fileProblem(atPath: path) {
            throw DatabaseError(code: problem.code, message: problem.message, path: path)
        }
        let claim = inMemory ? nil : try DatabaseFileClaim(path: path, readOnly: options.readOnly)
        if !inMemory && !options.readOnly { Self.restrictMode(ofDatabaseAt: path) }

        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(inMemory ? ":memory:" : path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let error = DatabaseError.sqlite(rc, connection: handle, path: path)
            sqlite3_close(handle)
            claim?.release()
            throw error
        }

        self.path = inMemory ? ":memory:" : path
        self.options = options
        self.isInMemory = inMemory
        self.connection = ConnectionHandle(pointer: handle, path: self.path)
        self.claim = claim
        do {
            try configure()
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Every file of a database is readable by its owner only (0600, whatever the umask): a
    /// device's file holds its bearer token and its store's notes. SQLite gives `-wal`,
    /// `-shm` and journals the mode of the main file, so creating the main file 0600 first
    /// covers them; an existing file (and its `-wal`/`-shm`) that is group- or
    /// world-accessible is narrowed to 0600 when opened for writing.
    static func restrictMode(ofDatabaseAt path: String) {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            fchmod(fd, 0o600)  // the umask cannot widen it, but may narrow it; keep it exact
            closeFileDescriptor(fd)
            return
        }
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
            var info = stat()
            if stat(file, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o077 != 0 { chmod(file, 0o600) }
        }
    }

    /// Checks made before any lock file is created or SQLite is involved:
    /// - a directory is refused (`SQLITE_CANTOPEN`), so no `<dir>.lock` is created next to it;
    /// - SQLite 3.40 treats some very short files (e.g. one byte left of a truncated database)
    ///   as empty databases and would silently start afresh in them. Only a missing or 0-byte
    ///   file is a fresh database; anything else must start with the 16-byte header string
    ///   "SQLite format 3\0" (file format §1.3: offset 0, size 16), else `SQLITE_NOTADB`.
    private static func fileProblem(atPath path: String) -> (code: Int32, message: String)? {
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            return (SQLITE_CANTOPEN, "unable to open database file: it is a directory")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }  // missing: SQLite creates it (or reports CANTOPEN)
        defer { closeFileDescriptor(fd) }
        var header = [UInt8](repeating: 0, count: 16)
        var count = 0
        while count < header.count {
            let n = header.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }  // unreadable: let SQLite report it
            if n == 0 { break }
            count += n
        }
        if count == 0 { return nil }
        let magic = Array("SQLite format 3\0".utf8)
        guard count == magic.count, header == magic else {
            return (SQLITE_NOTADB, "file is not a database (it does not start with the SQLite header)")
        }
        return nil
    }

    private func configure() throws {
        guard let handle = connection.pointer else { throw connection.closedError() }
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(clamping: options.busyTimeoutMillis))

        // The first statement reads the header: SQLITE_NOTADB for non-databases surfaces here.
        if !isInMemory {
            if options.readOnly {
                _ = try firstRow("PRAGMA journal_mode")
            } else {
                let mode = try firstRow("PRAGMA journal_mode=WAL")?.first?.text?.lowercased() ?? ""
                guard mode == "wal" else {
                    throw DatabaseError(reason: .walUnavailable(journalMode: mode), code: SQLITE_ERROR,
                                        message: "journal_mode is \(mode)", path: path)
                }
            }
        }
        let synchronous = options.durability == .full ? "FULL" : "NORMAL"
        try execute("PRAGMA synchronous=\(synchronous); PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON; PRAGMA cache_size=-\(max(options.cacheKiB, 64))")

        switch options.checkOnOpen {
        case .schema:
            _ = try firstRow("SELECT count(*) FROM sqlite_schema")
        case .quick, .full:
            let problems = try integrityCheck(quick: options.checkOnOpen == .quick)
            guard problems == ["ok"] else {
                throw DatabaseError(reason: .integrityCheckFailed(problems), code: SQLITE_CORRUPT,
                                    message: problems.first ?? "integrity check returned nothing", path: path)
            }
        }
    }

    /// Whether the connection is open.
    public var isOpen: Bool { connection.pointer != nil }

    /// Closes the connection: finalizes every statement, closes SQLite (which checkpoints
    /// and removes the WAL when it can), and releases the one-connection claim on the file.
    /// Idempotent; also called by `deinit`.
    public func close() {
        if let handle = connection.pointer {
            for statement in statementCache.values { statement.finalize() }
            statementCache.removeAll()
            // Statements made with `makeStatement` that their owners still hold.
            while let statement = sqlite3_next_stmt(handle, nil) { sqlite3_finalize(statement) }
            connection.pointer = nil
            if sqlite3_close(handle) != SQLITE_OK {
                // Unreachable with statements finalized (we use no blob handles or backups);
                // close lazily rather than leak.
                assertionFailure("sqlite3_close failed: \(String(cString: sqlite3_errmsg(handle)))")
                sqlite3_close_v2(handle)
            }
        }
        claim?.release()
        claim = nil
    }

    func openHandle(sql: String? = nil) throws -> OpaquePointer {
        guard let handle = connection.pointer else { throw connection.closedError(sql: sql) }
        return handle
    }

    func error(_ resultCode: Int32, sql: String?, arguments: [SQLValue]? = nil) -> DatabaseError {
        DatabaseError.sqlite(resultCode, connection: connection.pointer, sql: sql, arguments: arguments, path: path)
    }

    // MARK: - Statements

    /// Runs `sql`, which may hold several statements separated by semicolons. Rows that
    /// statements return are discarded. Stops at (and throws for) the first failing statement;
    /// the ones before it stay applied unless a transaction is rolled back.
    public func execute(_ sql: String) throws {
        let handle = try openHandle(sql: sql)
        try sql.withCString { start in
            var next: UnsafePointer<CChar>? = start
            while let current = next, current.pointee != 0 {
                var prepared: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(handle, current, -1, &prepared, &tail)
                guard rc == SQLITE_OK else {
                    throw error(rc, sql: Self.failedStatementText(from: current, tail: tail))
                }
                next = tail
                guard let prepared else { continue }  // only whitespace or a comment
                defer { sqlite3_finalize(prepared) }
                var stepResult: Int32
                repeat { stepResult = sqlite3_step(prepared) } while stepResult == SQLITE_ROW
                guard stepResult == SQLITE_DONE else {
                    throw error(stepResult, sql: Self.text(from: current, to: tail))
                }
            }
        }
    }

    private static func text(from start: UnsafePointer<CChar>, to end: UnsafePointer<CChar>?) -> String {
        guard let end, end > start else { return String(cString: start) }
        let bytes = UnsafeRawBufferPointer(start: start, count: end - start)
        return String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
    }

    /// The text of the statement that failed to prepare: after an error SQLite's tail may stop
    /// mid-statement, so extend it to the first `;` that completes a statement (or the end).
    private static func failedStatementText(from start: UnsafePointer<CChar>, tail: UnsafePointer<CChar>?) -> String {
        let rest = Array(String(cString: start).utf8)
        let from = max(0, (tail.map { $0 - start } ?? 0) - 1)
        for index in rest.indices where index >= from && rest[index] == UInt8(ascii: ";") {
            let candidate = String(decoding: rest[...index], as: UTF8.self)
            if sqlite3_complete(candidate) != 0 { return candidate.trimmingWhitespace() }
        }
        return String(decoding: rest, as: UTF8.self).trimmingWhitespace()
    }

    /// Runs one statement with `arguments` bound to its `?` parameters (through the cache).
    public func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        try cachedStatement(sql).run(arguments)
    }

    /// The prepared statement for `sql`, prepared on first use and kept for the life of the
    /// connection; every call returns the same object, reset and with its bindings cleared.
    /// `sql` must hold exactly one statement.
    ///
    /// Do not ask for the same SQL again while still stepping through its rows: the second
    /// call resets the statement the first caller is iterating.
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] {
            try statement.resetAndClearBindings()
            return statement
        }
        let statement = try makeStatement(sql)
        statementCache[sql] = statement
        return statement
    }

    /// A new prepared statement for `sql` (exactly one statement), not cached.
    public func makeStatement(_ sql: String) throws -> Statement {
        let handle = try openHandle(sql: sql)
        var prepared: OpaquePointer?
        let rc: Int32 = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, &tail)
            guard rc == SQLITE_OK else { return rc }
            return Self.checkSingleStatement(tail, handle: handle)
        }
        guard rc == SQLITE_OK else {
            sqlite3_finalize(prepared)
            if rc == SQLITE_MISUSE {
                throw DatabaseError(code: SQLITE_MISUSE, message: "expected exactly one SQL statement, found more",
                                    sql: sql, path: path)
            }
            throw error(rc, sql: sql)
        }
        guard let prepared else {
            throw DatabaseError(code: SQLITE_MISUSE, message: "expected one SQL statement, found none", sql: sql, path: path)
        }
        return Statement(handle: prepared, connection: connection, sql: sql)
    }

    /// SQLITE_OK when `tail` holds only whitespace and comments, SQLITE_MISUSE otherwise.
    private static func checkSingleStatement(_ tail: UnsafePointer<CChar>?, handle: OpaquePointer) -> Int32 {
        guard let tail, tail.pointee != 0 else { return SQLITE_OK }
        var extra: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, tail, -1, &extra, nil)
        defer { sqlite3_finalize(extra) }
        if rc != SQLITE_OK { return rc }
        return extra == nil ? SQLITE_OK : SQLITE_MISUSE
    }

    // MARK: - Fetching

    /// All rows `sql` returns with `arguments` bound (through the statement cache).
    public func rows(_ sql: String, _ arguments: [SQLValue] = []) throws -> [[SQLValue]] {
        try cachedStatement(sql).rows(arguments)
    }

    /// The first row `sql` returns, or nil when there is none.
    public func firstRow(_ sql: String, _ arguments: [SQLValue] = []) throws -> [SQLValue]? {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        return try statement.step() ? statement.row() : nil
    }

    // MARK: - Transactions

    /// Whether a transaction is open (`sqlite3_get_autocommit` is false).
    public var isInTransaction: Bool {
        guard let handle = connection.pointer else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    /// Runs `body` in a transaction: `BEGIN IMMEDIATE` (takes the write lock up front, so a
    /// transaction never fails half-way for lack of it), then `COMMIT`; `ROLLBACK` if `body`
    /// or the commit throws, and the error is rethrown. Nested calls use a savepoint, so an
    /// inner failure undoes only the inner work (if the caller catches it).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint(body)
        }
        try cachedStatement("BEGIN IMMEDIATE").run([])
        let result: T
        do {
            result = try body()
            try cachedStatement("COMMIT").run([])
        } catch {
            rollbackIfNeeded()
            throw error
        }
        return result
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "omzien_savepoint_\(savepointDepth)"
        try cachedStatement("SAVEPOINT \(name)").run([])
        let result: T
        do {
            result = try body()
            try cachedStatement("RELEASE \(name)").run([])
        } catch {
            if isInTransaction {
                try? cachedStatement("ROLLBACK TO \(name)").run([])
                try? cachedStatement("RELEASE \(name)").run([])
            }
            throw error
        }
        return result
    }

    private func rollbackIfNeeded() {
        // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
        guard isInTransaction else { return }
        try? cachedStatement("ROLLBACK").run([])
    }

    // MARK: - Connection facts

    /// Rows changed by the most recent INSERT, UPDATE or DELETE (`sqlite3_changes64`).
    public var changes: Int {
        guard let handle = connection.pointer else { return 0 }
        return Int(sqlite3_changes64(handle))
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 {
        guard let handle = connection.pointer else { return 0 }
        return sqlite3_last_insert_rowid(handle)
    }

    /// The rows of `PRAGMA integrity_check` (or `quick_check`): `["ok"]` when the file is sound.
    /// A badly damaged file may make the check itself throw `SQLITE_CORRUPT`.
    public func integrityCheck(quick: Bool = false) throws -> [String] {
        try rows(quick ? "PRAGMA quick_check" : "PRAGMA integrity_check").map { $0.first?.text ?? "" }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

/// Not `Sendable`, out loud (as GRDB's `Database`): one owner per connection.
@available(*, unavailable)
extension Database: Sendable {}

/// `close(2)`; a free function because inside `Database` the name `close` is the method.
private func closeFileDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
