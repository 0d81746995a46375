import OmzienModel

extension ReplicaStore {
    /// The ids of `kind` that start with `prefix`, in id order, at most `limit` of them: what
    /// turns a short id a person typed (as `git` takes a unique prefix of a hash) into the
    /// record it names. A range scan of the primary key, not a scan of every record.
    public func recordIDs(kind: RecordKind, startingWith prefix: String, limit: Int) throws -> [RecordID] {
        let stmt = try db.cachedStatement("SELECT id FROM records WHERE kind = ? AND id >= ? AND id < ? ORDER BY id LIMIT ?")
        try stmt.bind(1, kind.rawValue)
        try stmt.bind(2, prefix)
        // Every id that starts with `prefix` sorts before `prefix` + U+FFFF (ids are ASCII).
        try stmt.bind(3, prefix + "\u{FFFF}")
        try stmt.bind(4, Int64(limit))
        defer { stmt.reset() }
        var ids: [RecordID] = []
        while try stmt.step() { ids.append(RecordID(trusted: stmt.text(0))) }
        return ids
    }
}
