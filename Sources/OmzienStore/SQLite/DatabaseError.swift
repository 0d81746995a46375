import CSQLite

/// An error from the SQLite layer: what SQLite reported (result code, extended code, message)
/// plus where it happened (database path, SQL), modelled on GRDB's `DatabaseError`.
///
/// `description` is a sentence for a person: what went wrong, with which file, and what to
/// do about it. Statement arguments are kept in `arguments` for debugging but are never
/// printed, because they can hold personal data.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// Why the operation failed, for callers that need to react (not just report).
    public enum Reason: Sendable, Hashable {
        /// SQLite returned an error result; see `code`, `extendedCode` and `message`.
        case sqlite
        /// This process already has a connection to the file (one connection per file).
        case alreadyOpenInThisProcess
        /// Another process holds the file's `.lock` side file (one connection per file).
        case alreadyOpenInAnotherProcess
        /// The migrations table names a migration this build does not know.
        case newerSchema(unknownMigration: String)
        /// `PRAGMA journal_mode=WAL` did not take (the file system may not support it).
        case walUnavailable(journalMode: String)
        /// The SQLite library is older than the oldest version Omzien supports.
        case unsupportedSQLiteVersion(String)
        /// The integrity check run at open time reported problems.
        case integrityCheckFailed([String])
        /// The connection was closed before this call.
        case closed
    }

    public let reason: Reason
    /// The primary SQLite result code (`SQLITE_CORRUPT`, ...). For reasons other than
    /// `.sqlite` it is the closest SQLite code (e.g. `SQLITE_BUSY` for "already open").
    public let code: Int32
    /// The extended result code (`SQLITE_IOERR_SHORT_READ`, ...), or `code` when there is none.
    public let extendedCode: Int32
    /// SQLite's own message (`sqlite3_errmsg`), or ours for the non-SQLite reasons.
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?
    /// The arguments bound with `bind(_: [SQLValue])`, when known. Not part of `description`.
    public let arguments: [SQLValue]?
    /// The database path (":memory:" for in-memory databases), when known.
    public let path: String?

    /// Whether the storage itself failed (disk full, I/O error, read-only file system, the
    /// file gone): not the statement's fault, and worth retrying once an operator has acted.
    public var isStorageFailure: Bool {
        guard reason == .sqlite else { return false }
        return [SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_NOLFS, SQLITE_PROTOCOL].contains(code & 0xFF)
    }

    public init(reason: Reason = .sqlite, code: Int32, extendedCode: Int32? = nil, message: String,
                sql: String? = nil, arguments: [SQLValue]? = nil, path: String? = nil) {
        self.reason = reason
        self.code = code
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
        self.arguments = arguments
        self.path = path
    }

    /// An error for a result code returned by SQLite on `connection` (may be nil when opening failed).
    static func sqlite(_ resultCode: Int32, connection: OpaquePointer?, sql: String? = nil,
                       arguments: [SQLValue]? = nil, path: String?) -> DatabaseError {
        // sqlite3_errmsg describes the most recent failing call on the connection; trust it
        // only when its code agrees with the code we are reporting.
        let connectionCode = connection.map { sqlite3_extended_errcode($0) }
        let agrees = connectionCode.map { $0 & 0xff == resultCode & 0xff } ?? false
        let message: String
        if agrees, let connection, let text = sqlite3_errmsg(connection) {
            message = String(cString: text)
        } else {
            message = String(cString: sqlite3_errstr(resultCode))
        }
        return DatabaseError(code: resultCode & 0xff, extendedCode: agrees ? connectionCode! : resultCode,
                             message: message, sql: sql, arguments: arguments, path: path)
    }

    // MARK: - Classification

    /// The file is not an SQLite database (`SQLITE_NOTADB`).
    public var isNotADatabase: Bool { reason == .sqlite && code == SQLITE_NOTADB }
    /// The file is damaged (`SQLITE_CORRUPT`, or problems found by the integrity check at open).
    public var isCorrupt: Bool {
        if case .integrityCheckFailed = reason { return true }
        return reason == .sqlite && code == SQLITE_CORRUPT
    }
    /// A `UNIQUE`, `NOT NULL`, `CHECK` or foreign-key constraint failed (`SQLITE_CONSTRAINT`).
    public var isConstraintViolation: Bool { reason == .sqlite && code == SQLITE_CONSTRAINT }
    /// Another connection held a lock longer than the busy timeout, or the file is already open.
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    // MARK: - Description

    public var description: String {
        let file = path.map { $0 == ":memory:" ? "the in-memory database" : "'\($0)'" } ?? "the database"
        let says = "(SQLite says: \(message))"
        var sentence: String
        switch reason {
        case .alreadyOpenInThisProcess:
            sentence = "database \(file) is already open in this process; Omzien keeps exactly one connection per file "
                + "(SQLite \(SQLiteLibrary.version) can corrupt a WAL database used through two connections). "
                + "Use the existing connection, or close it first."
        case .alreadyOpenInAnotherProcess:
            sentence = "database \(file) is already open in another process; stop it first. "
                + "(Omzien keeps exactly one connection per file; \(message).)"
        case .newerSchema(let name):
            sentence = "database \(file) was written by a newer version of Omzien (unknown migration \(name)). "
                + "Upgrade Omzien, or restore a backup made by this version."
        case .walUnavailable(let mode):
            sentence = "could not switch \(file) to WAL mode (journal mode stayed '\(mode)'). "
                + "Put the database on a local file system that supports shared memory."
        case .unsupportedSQLiteVersion(let version):
            sentence = "the system SQLite is version \(version), older than \(SQLiteLibrary.minimumVersion) which Omzien needs. "
                + "Install a newer libsqlite3."
        case .integrityCheckFailed(let problems):
            let shown = problems.prefix(3).joined(separator: "; ")
            sentence = "\(file) is damaged: the integrity check found \(problems.count) problem(s) (\(shown)). "
                + "Restore it from a backup, or move the file away to start fresh."
        case .closed:
            sentence = "\(file) was used after it was closed. Open it again."
        case .sqlite:
            sentence = Self.sentence(code: code, file: file, says: says, message: message)
        }
        if let sql {
            let trimmed = sql.count > 300 ? String(sql.prefix(300)) + "…" : sql
            sentence += " While running: \(trimmed)"
        }
        return sentence
    }

    private static func sentence(code: Int32, file: String, says: String, message: String) -> String {
        switch code {
        case SQLITE_NOTADB:
            return "\(file) is not an Omzien database \(says). Check the path, or move the file away to start fresh."
        case SQLITE_CORRUPT:
            return "\(file) is damaged \(says). Restore it from a backup, or move the file away to start fresh; "
                + "PRAGMA integrity_check shows what is affected."
        case SQLITE_CANTOPEN:
            return "could not open \(file) \(says). Check that the directory exists and that this user may read and write it."
        case SQLITE_READONLY:
            return "could not write to \(file) \(says). Check the file's permissions, or open it read-only on purpose."
        case SQLITE_FULL:
            return "the disk holding \(file) is full \(says). Free some space; nothing was written by the failed statement."
        case SQLITE_IOERR:
            return "the operating system reported an I/O error for \(file) \(says). Check the disk and the file system."
        case SQLITE_BUSY, SQLITE_LOCKED:
            return "\(file) stayed locked longer than the busy timeout \(says). Something else is holding it; retry later."
        case SQLITE_CONSTRAINT:
            return "a constraint failed in \(file) \(says)."
        case SQLITE_PERM, SQLITE_AUTH:
            return "access to \(file) was denied \(says)."
        case SQLITE_NOMEM:
            return "SQLite ran out of memory working on \(file) \(says)."
        case SQLITE_RANGE, SQLITE_MISUSE:
            return "the program used \(file) incorrectly \(says). This is a bug in Omzien; please report it."
        case SQLITE_TOOBIG:
            return "a value is too large for \(file) \(says)."
        default:
            return "SQLite error \(code) on \(file) \(says)."
        }
    }
}
