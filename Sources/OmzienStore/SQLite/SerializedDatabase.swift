import Synchronization

/// The one owner of a `Database` that may be shared between threads and tasks.
///
/// Every access goes through `write` or `read`, which hold a `Synchronization.Mutex` for the
/// whole call, so the connection is used by one thread at a time, and never by two
/// connections to the same file (see `SQLiteLibrary` for why there is only one).
///
/// The closures are synchronous and block the calling thread while they wait and while
/// SQLite works: call them from dedicated threads (or accept the blocking), not from many
/// concurrent tasks on the cooperative pool. Not reentrant: calling `read` or `write`
/// from inside a `read` or `write` closure of the same instance deadlocks.
// @unchecked Sendable: `database` is not Sendable, but it is touched only inside
// `lock.withLock`, which serializes all access to it; `Database` and `Statement` values
// must not escape the closures (the `Sendable` result constraint keeps them in).
public final class SerializedDatabase: @unchecked Sendable {
    private let lock = Mutex(())
    private let database: Database

    /// The path the database was opened with.
    public let path: String

    /// Opens the database and applies `migrator`'s pending migrations (if any).
    public init(path: String, options: Database.Options = .init(), migrator: Migrator? = nil) throws {
        let database = try Database(path: path, options: options)
        if let migrator {
            try migrator.migrate(database)
        }
        self.database = database
        self.path = database.path
    }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE` … `COMMIT`, rolled back if `body`
    /// throws) with exclusive use of the connection. `db.transaction` inside becomes a savepoint.
    public func write<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        try lock.withLock { _ in
            try database.transaction { try body(database) }
        }
    }

    /// Runs `body` with exclusive use of the connection and no transaction of its own, for
    /// statements that cannot run inside one (`VACUUM`, `PRAGMA journal_mode`, …).
    public func writeWithoutTransaction<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        try lock.withLock { _ in try body(database) }
    }

    /// Runs `body` with exclusive use of the connection, inside a transaction (a consistent
    /// snapshot) with `PRAGMA query_only` on: any attempt to write throws `SQLITE_READONLY`.
    public func read<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        try lock.withLock { _ in
            try database.cachedStatement("PRAGMA query_only=ON").run()
            defer { try? database.cachedStatement("PRAGMA query_only=OFF").run() }
            try database.cachedStatement("BEGIN DEFERRED").run([])
            defer { if database.isInTransaction { try? database.cachedStatement("ROLLBACK").run([]) } }
            return try body(database)
        }
    }

    /// Closes the connection and releases the file; later calls throw (reason `.closed`). Idempotent.
    public func close() {
        lock.withLock { _ in database.close() }
    }
}
