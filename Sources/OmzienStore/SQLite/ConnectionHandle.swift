import CSQLite

/// The raw `sqlite3*` of one `Database`, shared with its statements so that a statement can
/// tell whether its connection (and therefore its own `sqlite3_stmt*`) is still alive.
///
/// Invariant: `pointer == nil` once the database is closed; every statement handle of the
/// connection has been finalized by then.
final class ConnectionHandle {
    var pointer: OpaquePointer?
    let path: String

    init(pointer: OpaquePointer?, path: String) {
        self.pointer = pointer
        self.path = path
    }

    /// `SQLITE_TRANSIENT`: SQLite copies bound text and blobs before the bind call returns.
    static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }

    func closedError(sql: String? = nil) -> DatabaseError {
        DatabaseError(reason: .closed, code: SQLITE_MISUSE, message: "the database connection is closed", sql: sql, path: path)
    }
}
