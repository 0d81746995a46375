import CSQLite

/// Applies `Migration`s in order, each at most once, and records them.
///
/// Record: table `omzien_migrations(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`, with
/// `applied_at` in UTC ISO 8601 (`2026-11-22T10:42:53.123Z`).
///
/// Guarantees:
/// - each migration runs in its own `BEGIN IMMEDIATE` transaction together with the insert
///   of its record, so it is either applied and recorded, or neither;
/// - a failing migration throws; the ones before it stay applied, the ones after it are not run;
/// - a database that records a migration this build does not know was written by a newer
///   Omzien: `migrate` throws (`.newerSchema`) before changing anything.
///
/// Migrations run with `foreign_keys=ON` (the pragma cannot change inside a transaction).
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// The migrations in the order they must run. Traps on duplicate names (a programming error).
    public init(_ migrations: [Migration]) {
        var seen = Set<String>()
        for migration in migrations {
            precondition(seen.insert(migration.name).inserted, "duplicate migration name '\(migration.name)'")
        }
        self.migrations = migrations
    }

    static let createTable = """
        CREATE TABLE IF NOT EXISTS omzien_migrations (
            name TEXT PRIMARY KEY NOT NULL,
            applied_at TEXT NOT NULL
        ) STRICT
        """

    /// Names of the migrations recorded in `db`, in the order they were applied.
    public func appliedMigrations(_ db: Database) throws -> [String] {
        let exists = try db.firstRow("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'omzien_migrations'") != nil
        guard exists else { return [] }
        return try db.rows("SELECT name FROM omzien_migrations ORDER BY rowid").map { $0.first?.text ?? "" }
    }

    /// Applies the migrations `db` has not seen yet; returns their names (empty when none).
    @discardableResult
    public func migrate(_ db: Database) throws -> [String] {
        try db.transaction { try db.execute(Self.createTable) }
        let applied = try appliedMigrations(db)
        let known = Set(migrations.map(\.name))
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw DatabaseError(reason: .newerSchema(unknownMigration: unknown), code: SQLITE_ERROR,
                                message: "database was written by a newer version of Omzien (unknown migration \(unknown))",
                                path: db.path)
        }
        let done = Set(applied)
        var appliedNow: [String] = []
        for migration in migrations where !done.contains(migration.name) {
            try db.transaction {
                try migration.body(db)
                try db.execute("INSERT INTO omzien_migrations (name, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                               [.text(migration.name)])
            }
            appliedNow.append(migration.name)
        }
        return appliedNow
    }
}
