import OmzienStore

/// A partner's tokens (`partner_tokens`), stored only as SHA-256 of the token.
extension ServerStore {
    /// Records a new token of `partner`.
    public func insertPartnerToken(hash: [UInt8], partner: String, createdAt: UInt64, expiresAt: UInt64) throws {
        try db.execute("INSERT INTO partner_tokens(token_hash, partner, created_at, expires_at) VALUES (?, ?, ?, ?)",
                       [.blob(hash), .text(partner), .integer(Int64(createdAt)), .integer(Int64(expiresAt))])
    }

    /// Revokes, at `now`, every token of `partner` not revoked yet.
    public func revokePartnerTokens(of partner: String, at now: UInt64) throws {
        try db.execute("UPDATE partner_tokens SET revoked_at = ? WHERE partner = ? AND revoked_at IS NULL", [.integer(Int64(now)), .text(partner)])
    }
}
