/// The tables of a replica database, as named migrations (recorded in the migrator's table).
///
/// - `replica_meta`: key/value: the local replica id, the hybrid clock, the acknowledged
///   sequence of the local log.
/// - `replica_logs`: per replica, how many of its operations this store holds (`held`, the
///   gap-free prefix) and the hash of the last one: what "what have you got from me" reads.
/// - `ops`: every operation held, in arrival order (`pos`, the change-feed cursor). The
///   payload is NULL once the record is erased; the hashes stay so chains still verify.
/// - `records`: the materialized state of every record (canonical encoding) and its hash.
enum ReplicaSchema {
    static let migrations: [Migration] = [
        Migration(name: "2026-11-22-replica-v1", sql: """
            CREATE TABLE replica_meta(
                key TEXT PRIMARY KEY,
                value BLOB NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE replica_logs(
                replica TEXT PRIMARY KEY,
                held INTEGER NOT NULL CHECK (held >= 0),
                last_hash BLOB NOT NULL CHECK (length(last_hash) = 32)
            ) WITHOUT ROWID;
            CREATE TABLE ops(
                pos INTEGER PRIMARY KEY,
                replica TEXT NOT NULL,
                seq INTEGER NOT NULL CHECK (seq >= 1),
                hlc INTEGER NOT NULL,
                author TEXT NOT NULL,
                kind TEXT NOT NULL,
                record TEXT NOT NULL,
                payload BLOB,
                payload_hash BLOB NOT NULL,
                prev_hash BLOB NOT NULL,
                hash BLOB NOT NULL
            );
            CREATE UNIQUE INDEX ops_by_replica_seq ON ops(replica, seq);
            CREATE TABLE records(
                kind TEXT NOT NULL,
                id TEXT NOT NULL,
                state BLOB NOT NULL,
                state_hash BLOB NOT NULL,
                erased INTEGER NOT NULL,
                PRIMARY KEY (kind, id)
            ) WITHOUT ROWID;
            """),
    ]
}

extension ReplicaStore {
    /// The replica schema as one SQL script (for benchmarks that recreate it raw).
    public static var schemaSQL: String { ReplicaSchema.migrations.compactMap(\.sql).joined(separator: "\n") }
}
