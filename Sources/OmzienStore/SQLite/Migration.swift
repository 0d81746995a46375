/// One named, append-only step of schema evolution, applied at most once per database.
///
/// Never edit or rename a migration that has shipped: its name is recorded in the database,
/// and a database naming a migration this build does not know is refused as "newer".
public struct Migration: Sendable {
    /// The name recorded in the `omzien_migrations` table; unique within a `Migrator`.
    public let name: String
    /// The SQL this migration runs (nil when it is a closure).
    public let sql: String?
    let body: @Sendable (Database) throws -> Void

    /// A migration that runs `sql` (may hold several statements).
    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
        self.body = { try $0.execute(sql) }
    }

    /// A migration that runs Swift code, e.g. to backfill data.
    public init(name: String, _ body: @escaping @Sendable (Database) throws -> Void) {
        self.name = name
        self.sql = nil
        self.body = body
    }
}
