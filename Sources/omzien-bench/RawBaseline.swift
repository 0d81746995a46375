import CSQLite
import Foundation
import OmzienStore

/// The baseline of the store benchmark: the same SQL writes the replica store issues for an
/// operation (the `ops` row and the `records` upsert, plus the per-batch `replica_logs`
/// upsert), on the same schema, with the same batch size and durability, straight through
/// the SQLite C API with prepared statements and precomputed blobs. Everything the store
/// does beyond this (validation, hashing, merging, encoding, reading the current state) is
/// what the ratio measures.
struct RawBaseline {
    struct Row {
        let replica: String
        let seq: Int64
        let hlc: Int64
        let author: String
        let kind: String
        let record: String
        let payload: [UInt8]
        let payloadHash: [UInt8]
        let prevHash: [UInt8]
        let hash: [UInt8]
        let state: [UInt8]
        let stateHash: [UInt8]
    }

    let path: String
    let schema: String

    func run(rows: [Row], batch: Int) throws -> Double {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw BenchError("open \(path)") }
        defer { sqlite3_close_v2(db) }
        func exec(_ sql: String) throws {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw BenchError(String(cString: sqlite3_errmsg(db))) }
        }
        // The same settings the store's connection uses (Database.Options defaults).
        try exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA cache_size=-\(Database.Options().cacheKiB);")
        try exec(schema)
        func prepare(_ sql: String) throws -> OpaquePointer {
            var stmt: OpaquePointer?
            guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil) == SQLITE_OK, let stmt else {
                throw BenchError(String(cString: sqlite3_errmsg(db)))
            }
            return stmt
        }
        let insert = try prepare("INSERT INTO ops(replica, seq, hlc, author, kind, record, payload, payload_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let upsert = try prepare("INSERT INTO records(kind, id, state, state_hash, erased) VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET state = excluded.state, state_hash = excluded.state_hash, erased = excluded.erased")
        let log = try prepare("INSERT INTO replica_logs(replica, held, last_hash) VALUES (?, ?, ?) ON CONFLICT(replica) DO UPDATE SET held = excluded.held, last_hash = excluded.last_hash")
        defer { for s in [insert, upsert, log] { sqlite3_finalize(s) } }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        func text(_ s: OpaquePointer, _ i: Int32, _ v: String) { sqlite3_bind_text(s, i, v, -1, transient) }
        func blob(_ s: OpaquePointer, _ i: Int32, _ v: [UInt8]) { v.withUnsafeBytes { _ = sqlite3_bind_blob(s, i, $0.baseAddress, Int32($0.count), transient) } }
        func step(_ s: OpaquePointer) throws {
            guard sqlite3_step(s) == SQLITE_DONE else { throw BenchError(String(cString: sqlite3_errmsg(db))) }
            sqlite3_reset(s)
        }
        let start = DispatchTime.now()
        var i = 0
        while i < rows.count {
            try exec("BEGIN IMMEDIATE")
            let end = min(i + batch, rows.count)
            for r in rows[i..<end] {
                text(insert, 1, r.replica); sqlite3_bind_int64(insert, 2, r.seq); sqlite3_bind_int64(insert, 3, r.hlc)
                text(insert, 4, r.author); text(insert, 5, r.kind); text(insert, 6, r.record)
                blob(insert, 7, r.payload); blob(insert, 8, r.payloadHash); blob(insert, 9, r.prevHash); blob(insert, 10, r.hash)
                try step(insert)
                text(upsert, 1, r.kind); text(upsert, 2, r.record); blob(upsert, 3, r.state); blob(upsert, 4, r.stateHash)
                sqlite3_bind_int64(upsert, 5, 0)
                try step(upsert)
            }
            let last = rows[end - 1]
            text(log, 1, last.replica); sqlite3_bind_int64(log, 2, last.seq); blob(log, 3, last.hash)
            try step(log)
            try exec("COMMIT")
            i = end
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
