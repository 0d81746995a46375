import OmzienModel
import OmzienStore

/// The audit log's rows and its recorded head (PARTNERS.md "Audit", PRIVACY.md R-PRIV-5;
/// the chain itself is computed by `AuditLog` in the server): `audit_log`, one row per entry,
/// and `audit_state`, the head (`audit_head`, `<seq>:<hash hex>`) and whether the chain is
/// keyed (`audit_keyed`). They take the `Database` of the server's file: the audit chain is
/// appended inside write jobs of every concern, and read by tools that open a server
/// database read-only (`omzien audit verify`).
extension ServerStore {
    /// A row of `audit_log`.
    public struct AuditRow: Sendable, Equatable {
        public let seq: Int64
        public let at: UInt64
        public let actor: String
        public let token: String
        public let action: String
        public let referral: String
        public let prevHash: SHA256Digest
        public let hash: SHA256Digest

        public init(seq: Int64, at: UInt64, actor: String, token: String, action: String, referral: String, prevHash: SHA256Digest, hash: SHA256Digest) {
            self.seq = seq
            self.at = at
            self.actor = actor
            self.token = token
            self.action = action
            self.referral = referral
            self.prevHash = prevHash
            self.hash = hash
        }
    }

    /// Every entry, in stored order. A hash that is not 32 bytes reads as zeros (and then
    /// fails verification, which names the entry).
    public static func auditRows(_ db: Database) throws -> [AuditRow] {
        try db.rows("SELECT seq, at, actor, token, action, referral, prev_hash, hash FROM audit_log ORDER BY rowid").map { r in
            AuditRow(seq: r[0].int64 ?? -1, at: UInt64(r[1].int64 ?? 0), actor: r[2].text ?? "", token: r[3].text ?? "", action: r[4].text ?? "",
                     referral: r[5].text ?? "", prevHash: r[6].blob.flatMap { $0.count == 32 ? SHA256Digest(bytes: $0) : nil } ?? .zero,
                     hash: r[7].blob.flatMap { $0.count == 32 ? SHA256Digest(bytes: $0) : nil } ?? .zero)
        }
    }

    /// The recorded head's text (`<seq>:<hash hex>`), nil for an empty log. A database from
    /// before `audit_state` (opened read-only, so not migrated) keeps it in `replica_meta`.
    public static func recordedAuditHead(_ db: Database) throws -> String? {
        let hasState = try db.firstRow("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_state'") != nil
        let sql = hasState ? "SELECT value FROM audit_state WHERE key = 'audit_head'" : "SELECT value FROM replica_meta WHERE key = 'audit_head'"
        return try db.firstRow(sql)?.first?.text
    }

    /// The last entry's sequence and hash, nil for an empty log (or a damaged last row).
    public static func lastAuditEntry(_ db: Database) throws -> (seq: Int64, hash: SHA256Digest)? {
        guard let row = try db.firstRow("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"), case let .integer(s) = row[0],
              case let .blob(h) = row[1], h.count == 32 else { return nil }
        return (s, SHA256Digest(bytes: h))
    }

    public static func insertAuditRow(_ db: Database, _ row: AuditRow) throws {
        try db.cachedStatement("INSERT INTO audit_log(seq, at, actor, token, action, referral, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .run([.integer(row.seq), .integer(Int64(row.at)), .text(row.actor), .text(row.token), .text(row.action), .text(row.referral),
                  .blob(row.prevHash.bytes), .blob(row.hash.bytes)])
    }

    /// Replaces the links of entry `seq` (the one-time upgrade to the keyed chain).
    public static func relinkAuditRow(_ db: Database, seq: Int64, prevHash: SHA256Digest, hash: SHA256Digest) throws {
        try db.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", [.blob(prevHash.bytes), .blob(hash.bytes), .integer(seq)])
    }

    public static func setRecordedAuditHead(_ db: Database, _ text: String) throws {
        try setAuditState(db, "audit_head", .text(text))
    }

    /// Whether the chain was upgraded to the keyed hash.
    public static func isAuditKeyed(_ db: Database) throws -> Bool {
        try db.firstRow("SELECT 1 FROM audit_state WHERE key = 'audit_keyed'") != nil
    }

    public static func markAuditKeyed(_ db: Database) throws {
        try setAuditState(db, "audit_keyed", .text("1"))
    }

    private static func setAuditState(_ db: Database, _ key: String, _ value: SQLValue) throws {
        try db.execute("INSERT INTO audit_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [.text(key), value])
    }
}
