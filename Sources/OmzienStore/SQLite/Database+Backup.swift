import CSQLite
import Foundation

/// Online backup and restore through the one connection (see `Database`: a second
/// connection to a WAL file is what the 3.40 WAL-reset bug needs, so a backup never opens
/// the live file again; it asks the connection that owns it).
extension Database {
    /// Writes a consistent copy of the database, as of one read transaction, to a new file
    /// at `path` (`VACUUM INTO`: compact, free pages dropped, so erased bytes do not travel
    /// into backups). The file is created 0600 first; an existing non-empty file is refused.
    /// Runs on the caller's thread, which must be the connection's owner; writers wait for it
    /// (it is a read, not a lock on the file: another process is never involved).
    /// - Returns: the size of the backup in bytes.
    @discardableResult
    public func backup(to path: String) throws -> Int64 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw DatabaseError(code: SQLITE_CANTOPEN, message: "cannot create the backup file: \(reason)", path: path)
        }
        fchmod(fd, 0o600)
        _ = Glibc.close(fd)
        do {
            try execute("VACUUM INTO ?", [.text(path)])
        } catch {
            unlink(path)
            throw error
        }
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// Replaces every page of this database with the pages of `source` (SQLite's online
    /// backup API, destination = this connection), in one step: readers of this connection
    /// see the old or the new contents, never a mix. Both are this process's only connections
    /// to their files. The caller reloads whatever it cached of the old contents.
    public func replaceContents(with source: Database) throws {
        guard let destination = connection.pointer else { throw connection.closedError() }
        guard let from = source.connection.pointer else { throw source.connection.closedError() }
        guard let backup = sqlite3_backup_init(destination, "main", from, "main") else {
            throw error(sqlite3_errcode(destination), sql: "sqlite3_backup_init")
        }
        let step = sqlite3_backup_step(backup, -1)
        let finish = sqlite3_backup_finish(backup)
        guard step == SQLITE_DONE else { throw error(step, sql: "sqlite3_backup_step") }
        guard finish == SQLITE_OK else { throw error(finish, sql: "sqlite3_backup_finish") }
    }
}
