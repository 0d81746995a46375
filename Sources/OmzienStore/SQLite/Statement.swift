import CSQLite

/// A prepared SQLite statement (`sqlite3_stmt`), bound to the `Database` that made it.
///
/// **Not `Sendable`:** it belongs to its database's owner, like the database itself.
/// Parameter and column indices follow SQLite: parameters count from 1, columns from 0.
///
/// Lifecycle: `bind` → `step` until it returns false → `reset` (or use `run` / `rows`, which
/// do all three). When the database closes, the statement is finalized and every further
/// call throws `DatabaseError` (reason `.closed`); reading columns then is a programmer error
/// and traps.
public final class Statement {
    /// The SQL text the statement was prepared from.
    public let sql: String
    private let connection: ConnectionHandle
    private var handle: OpaquePointer?
    /// The arguments of the last `bind(_: [SQLValue])`, reported in errors (not printed).
    private var arguments: [SQLValue]?

    init(handle: OpaquePointer, connection: ConnectionHandle, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit {
        // After the connection closed, the handle was already finalized by `Database.close`.
        if connection.pointer != nil, let handle { sqlite3_finalize(handle) }
    }

    /// Finalizes the statement (called by `Database.close` for the statements it caches).
    func finalize() {
        if connection.pointer != nil, let handle { sqlite3_finalize(handle) }
        handle = nil
    }

    private func liveHandle() throws -> OpaquePointer {
        guard connection.pointer != nil, let handle else { throw connection.closedError(sql: sql) }
        return handle
    }

    private var readableHandle: OpaquePointer {
        guard connection.pointer != nil, let handle else {
            preconditionFailure("column read on a statement whose database is closed: \(sql)")
        }
        return handle
    }

    private func check(_ resultCode: Int32) throws {
        guard resultCode == SQLITE_OK else {
            throw DatabaseError.sqlite(resultCode, connection: connection.pointer, sql: sql, arguments: arguments,
                                       path: connection.path)
        }
    }

    /// The number of `?` parameters.
    public var parameterCount: Int32 {
        guard connection.pointer != nil, let handle else { return 0 }
        return sqlite3_bind_parameter_count(handle)
    }

    /// The number of result columns.
    public var columnCount: Int32 {
        guard connection.pointer != nil, let handle else { return 0 }
        return sqlite3_column_count(handle)
    }

    /// The name of result column `column`.
    public func columnName(_ column: Int32) -> String {
        sqlite3_column_name(readableHandle, column).map { String(cString: $0) } ?? ""
    }

    // MARK: - Binding

    /// Resets the statement and binds `arguments` to parameters 1...n. Throws `SQLITE_RANGE`
    /// unless there is exactly one argument per parameter.
    public func bind(_ arguments: [SQLValue]) throws {
        let handle = try liveHandle()
        sqlite3_reset(handle)
        self.arguments = arguments
        let expected = sqlite3_bind_parameter_count(handle)
        guard arguments.count == Int(expected) else {
            throw DatabaseError(code: SQLITE_RANGE,
                                message: "the statement has \(expected) parameter(s) but \(arguments.count) argument(s) were given",
                                sql: sql, arguments: arguments, path: connection.path)
        }
        for (offset, value) in arguments.enumerated() {
            try bind(Int32(offset + 1), value)
        }
    }

    /// Binds one value to parameter `index` (1-based).
    public func bind(_ index: Int32, _ value: SQLValue) throws {
        switch value {
        case .null: try bindNull(index)
        case .integer(let v): try bind(index, v)
        case .real(let v): try bind(index, v)
        case .text(let v): try bind(index, v)
        case .blob(let v): try bind(index, v)
        }
    }

    public func bind(_ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(try liveHandle(), index, value))
    }

    public func bind(_ index: Int32, _ value: Double) throws {
        try check(sqlite3_bind_double(try liveHandle(), index, value))
    }

    /// Binds text (copied by SQLite). Embedded NUL characters are kept.
    public func bind(_ index: Int32, _ value: String) throws {
        let handle = try liveHandle()
        var text = value
        let rc = text.withUTF8 { utf8 -> Int32 in
            // A nil pointer would bind NULL; an empty string must stay an empty string.
            let base = utf8.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(("" as StaticString).utf8Start)
            return sqlite3_bind_text64(handle, index, base.assumingMemoryBound(to: CChar.self), UInt64(utf8.count),
                                       ConnectionHandle.transient, UInt8(SQLITE_UTF8))
        }
        try check(rc)
    }

    /// Binds a blob (copied by SQLite). An empty array binds an empty blob, not NULL.
    public func bind(_ index: Int32, _ value: [UInt8]) throws {
        try value.withUnsafeBytes { try bind(index, $0) }
    }

    /// Binds a blob from raw memory (copied by SQLite before this returns).
    public func bind(_ index: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        let handle = try liveHandle()
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            try check(sqlite3_bind_zeroblob(handle, index, 0))
            return
        }
        try check(sqlite3_bind_blob64(handle, index, base, UInt64(bytes.count), ConnectionHandle.transient))
    }

    public func bindNull(_ index: Int32) throws {
        try check(sqlite3_bind_null(try liveHandle(), index))
    }

    // MARK: - Stepping

    /// Advances to the next row: true when a row is available, false when done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(try liveHandle())
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            throw DatabaseError.sqlite(rc, connection: connection.pointer, sql: sql, arguments: arguments,
                                       path: connection.path)
        }
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    public func reset() {
        guard connection.pointer != nil, let handle else { return }
        sqlite3_reset(handle)
    }

    /// Rewinds and sets every parameter to NULL (what `Database.cachedStatement` does).
    func resetAndClearBindings() throws {
        let handle = try liveHandle()
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        arguments = nil
    }

    /// Binds `arguments`, steps until done (discarding rows) and resets.
    public func run(_ arguments: [SQLValue] = []) throws {
        try bind(arguments)
        defer { reset() }
        while try step() {}
    }

    /// Binds `arguments` and returns every row; resets afterwards.
    public func rows(_ arguments: [SQLValue] = []) throws -> [[SQLValue]] {
        try bind(arguments)
        defer { reset() }
        var result: [[SQLValue]] = []
        while try step() { result.append(row()) }
        return result
    }

    // MARK: - Reading the current row

    /// All columns of the current row.
    public func row() -> [SQLValue] {
        let count = sqlite3_column_count(readableHandle)
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count { values.append(value(column)) }
        return values
    }

    /// Column `column` of the current row in its storage class.
    public func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(readableHandle, column) {
        case SQLITE_INTEGER: return .integer(int64(column))
        case SQLITE_FLOAT: return .real(double(column))
        case SQLITE_TEXT: return .text(text(column))
        case SQLITE_BLOB: return .blob(blob(column))
        default: return .null
        }
    }

    public func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(readableHandle, column) == SQLITE_NULL
    }

    /// The column as an integer (SQLite converts: NULL → 0, text parsed, real truncated).
    public func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(readableHandle, column)
    }

    /// The column as a double (SQLite converts: NULL → 0).
    public func double(_ column: Int32) -> Double {
        sqlite3_column_double(readableHandle, column)
    }

    /// The column as text (NULL → ""). Invalid UTF-8 from a damaged file becomes U+FFFD.
    public func text(_ column: Int32) -> String {
        let handle = readableHandle
        guard let characters = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: characters, count: count), as: UTF8.self)
    }

    /// The column as bytes (NULL → []).
    public func blob(_ column: Int32) -> [UInt8] {
        let handle = readableHandle
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return [UInt8](UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Calls `body` with the column's bytes without copying them; the buffer is valid only
    /// during the call.
    public func withBlob<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let handle = readableHandle
        let bytes = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : count))
    }
}

/// Not `Sendable`, out loud: a statement belongs to its connection's one owner.
@available(*, unavailable)
extension Statement: Sendable {}
