import OmzienStore

/// Faults that tests inject into the server's database (never used by a serving server).
extension ServerStore {
    /// Lets the database grow by at most `extraPages` pages from now on (SQLite's
    /// `max_page_count`), which is how a full disk looks to the server.
    public func _limitToCurrentSize(extraPages: Int) throws {
        let pages = try db.firstRow("PRAGMA page_count")?.first?.int64 ?? 0
        try db.execute("PRAGMA max_page_count = \(pages + Int64(extraPages))")
    }

    /// A write that succeeds inside its savepoint but makes the enclosing COMMIT fail (a
    /// deferred foreign-key violation, checked only at COMMIT).
    public func _writeThatFailsTheCommit() throws {
        try db.execute("PRAGMA defer_foreign_keys = ON")
        try db.execute("INSERT INTO stores(id, region, name, created_at) VALUES ('commit-breaker', 'no-such-region', 'x', 0)")
    }

    /// A damaged quarantine row for `replica` (sequence 1, not an operation).
    public func _damageQuarantine(of replica: String) throws {
        try db.execute("INSERT INTO quarantine(replica, seq, operation, reason, received_at, wall, hash, bytes) VALUES (?, 1, 'x', 'x', 0, 0, x'00', 1)",
                       [.text(replica)])
    }
}
