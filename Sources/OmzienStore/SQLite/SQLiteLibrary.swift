import CSQLite

/// Facts about the SQLite library this process is linked against, checked when a
/// `Database` opens.
///
/// ## Why Omzien keeps exactly one connection per database file
///
/// SQLite releases from 3.7.0 (the first with WAL) up to 3.51.2 have the *WAL-reset bug*:
/// when two or more connections use the same database file in WAL mode, a race between one
/// connection resetting the write-ahead log and another writing to it can silently corrupt
/// the database. It was fixed upstream in 3.51.3. Debian 12 ships 3.40.1, so every Omzien
/// install we ship to is affected. The bug needs *both* WAL mode *and* a second connection;
/// we want WAL (readers never block the writer, fewer fsyncs), so we give up the second
/// connection instead: `Database` refuses to open a file that this process (registry) or
/// another process (`flock` on `<path>.lock`) already has open, and `DatabaseWorker`
/// shares the single connection of a replica store between threads.
public enum SQLiteLibrary {
    /// The oldest SQLite Omzien accepts: 3.37.0 (STRICT tables, `SQLITE_OPEN_EXRESCODE`).
    public static let minimumVersion = "3.37.0"
    static let minimumVersionNumber: Int32 = 3_037_000

    /// The first release with the WAL-reset fix.
    public static let walResetFixVersionNumber: Int32 = 3_051_003

    /// `sqlite3_libversion()`, e.g. "3.40.1".
    public static var version: String { String(cString: sqlite3_libversion()) }

    /// `sqlite3_libversion_number()`, e.g. 3040001.
    public static var versionNumber: Int32 { sqlite3_libversion_number() }

    /// Whether the linked SQLite has the WAL-reset corruption bug (see the type's doc comment).
    /// Informational: the one-connection rule is enforced whatever the version.
    public static var hasWALResetBug: Bool {
        versionNumber >= 3_007_000 && versionNumber < walResetFixVersionNumber
    }

    /// Throws `DatabaseError` (`.unsupportedSQLiteVersion`) when the library is too old.
    static func checkVersion() throws {
        guard versionNumber >= minimumVersionNumber else {
            throw DatabaseError(reason: .unsupportedSQLiteVersion(version), code: SQLITE_ERROR,
                                message: "SQLite \(version) is older than \(minimumVersion)")
        }
    }
}
