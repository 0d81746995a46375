import OmzienModel
import OmzienStore

/// Who a token belongs to (SYNC.md R-SYNC-3, R-SYNC-4, R-OPS-6, R-OPS-7): the `principals`
/// table (admin and device tokens), head-office tokens, and the partner-token lookup that
/// authentication needs. Tokens are stored only as their SHA-256.
extension ServerStore {
    /// A row of `principals`.
    public struct PrincipalRow: Sendable {
        /// `admin` or `device` (the table's CHECK).
        public enum Kind: String, Sendable { case admin, device }
        public let kind: Kind?
        public let replica: String?
        public let store: String?
        public let revoked: Bool
        public let expiresAt: UInt64?
        /// Nil until a device token is used for the first time (R-SYNC-2a).
        public let firstUsedAt: UInt64?
    }

    /// The principal whose token hashes to `tokenHash`, revoked or not.
    public func principal(tokenHash: [UInt8]) throws -> PrincipalRow? {
        try db.firstRow("SELECT kind, replica, store, revoked_at, expires_at, first_used_at FROM principals WHERE token_hash = ?",
                        [.blob(tokenHash)]).map { row in
            PrincipalRow(kind: row[0].text.flatMap(PrincipalRow.Kind.init), replica: row[1].text, store: row[2].text,
                         revoked: row[3] != .null, expiresAt: row[4].unsigned, firstUsedAt: row[5].unsigned)
        }
    }

    /// Records a device token's first use, once (R-SYNC-2a).
    public func recordFirstUse(tokenHash: [UInt8], at now: UInt64) throws {
        try db.execute("UPDATE principals SET first_used_at = ? WHERE token_hash = ? AND first_used_at IS NULL", [.integer(Int64(now)), .blob(tokenHash)])
    }

    /// When a head-office token that is neither revoked nor expired at `now` expires; nil
    /// when there is no such token.
    public func liveHeadOfficeTokenExpiry(tokenHash: [UInt8], at now: UInt64) throws -> UInt64?? {
        try db.firstRow("SELECT expires_at FROM headoffice_tokens WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
                        [.blob(tokenHash), .integer(Int64(now))]).map { $0[0].unsigned }
    }

    /// The partner of a partner token that is neither revoked nor expired at `now`.
    public struct PartnerTokenHolder: Sendable {
        public let partner: String
        public let region: String
        public let expiresAt: UInt64?
    }

    public func livePartnerTokenHolder(tokenHash: [UInt8], at now: UInt64) throws -> PartnerTokenHolder? {
        guard let row = try db.firstRow("""
            SELECT p.id, p.region, t.expires_at FROM partner_tokens t JOIN partners p ON p.id = t.partner
            WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ?
            """, [.blob(tokenHash), .integer(Int64(now))]), case let .text(id) = row[0], case let .text(region) = row[1] else { return nil }
        return PartnerTokenHolder(partner: id, region: region, expiresAt: row[2].unsigned)
    }

    /// Whom a token was issued to, revoked or expired or not, for the session log:
    /// `headoffice`, `partner:<id>`, `admin`, `device:<replica>`, or nil.
    public func issuedTokenOwner(tokenHash: [UInt8]) throws -> String? {
        if try db.firstRow("SELECT 1 FROM headoffice_tokens WHERE token_hash = ?", [.blob(tokenHash)]) != nil { return "headoffice" }
        if case let .text(p)? = try db.firstRow("SELECT partner FROM partner_tokens WHERE token_hash = ?", [.blob(tokenHash)])?.first { return "partner:" + p }
        guard let row = try principal(tokenHash: tokenHash) else { return nil }
        if row.kind == .admin { return "admin" }
        return row.replica.map { "device:" + $0 }
    }

    /// The region of partner `id`, nil when there is no such partner (a replayed partner
    /// principal is checked against it, R-LOG-7).
    public func partnerRegion(id: String) throws -> String? {
        try db.firstRow("SELECT region FROM partners WHERE id = ?", [.text(id)])?.first?.text
    }

    // MARK: Admin tokens

    /// How many admin tokens are neither revoked nor expired at `now`.
    public func liveAdminTokenCount(at now: UInt64) throws -> Int64 {
        try db.firstRow("SELECT count(*) FROM principals WHERE kind = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
                        [.integer(Int64(now))])?.first?.int64 ?? 0
    }

    public func revokeAdminTokens(at now: UInt64) throws {
        try db.execute("UPDATE principals SET revoked_at = ? WHERE kind = 'admin' AND revoked_at IS NULL", [.integer(Int64(now))])
    }

    public func insertAdminToken(tokenHash: [UInt8], at now: UInt64, expiresAt: UInt64) throws {
        try db.execute("INSERT INTO principals(token_hash, kind, created_at, expires_at) VALUES (?, 'admin', ?, ?)",
                       [.blob(tokenHash), .integer(Int64(now)), .integer(Int64(expiresAt))])
    }

    // MARK: Head-office tokens

    /// A row of `headoffice_tokens` (without the hash).
    public struct HeadOfficeTokenRow: Sendable {
        public let id: String
        public let label: String?
        public let createdAt: UInt64
        public let expiresAt: UInt64
        public let revokedAt: UInt64?
    }

    public func insertHeadOfficeToken(tokenHash: [UInt8], id: String, label: String?, at now: UInt64, expiresAt: UInt64) throws {
        try db.execute("INSERT INTO headoffice_tokens(token_hash, created_at, expires_at, id, label) VALUES (?, ?, ?, ?, ?)",
                       [.blob(tokenHash), .integer(Int64(now)), .integer(Int64(expiresAt)), .text(id), label.map { .text($0) } ?? .null])
    }

    /// Every head-office token, oldest first.
    public func headOfficeTokens() throws -> [HeadOfficeTokenRow] {
        try db.rows("SELECT id, label, created_at, expires_at, revoked_at FROM headoffice_tokens ORDER BY created_at, id").map(Self.headOfficeToken)
    }

    public func headOfficeToken(id: String) throws -> HeadOfficeTokenRow? {
        try db.firstRow("SELECT id, label, created_at, expires_at, revoked_at FROM headoffice_tokens WHERE id = ?", [.text(id)]).map(Self.headOfficeToken)
    }

    /// Revokes the head-office token `id` unless it is revoked already.
    public func revokeHeadOfficeToken(id: String, at now: UInt64) throws {
        try db.execute("UPDATE headoffice_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [.integer(Int64(now)), .text(id)])
    }

    private static func headOfficeToken(_ row: [SQLValue]) -> HeadOfficeTokenRow {
        HeadOfficeTokenRow(id: row[0].text ?? "", label: row[1].text, createdAt: row[2].unsigned ?? 0, expiresAt: row[3].unsigned ?? 0, revokedAt: row[4].unsigned)
    }
}
