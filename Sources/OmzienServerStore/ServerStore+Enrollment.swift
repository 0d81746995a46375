import OmzienModel
import OmzienStore

/// Enrollment codes and the devices they enrolled (SYNC.md R-SYNC-2a, R-SYNC-2b, section 3;
/// PRIVACY.md R-PRIV-10): `enrollment_codes` (SHA-256 of each one-time code) and the device
/// rows of `principals`.
extension ServerStore {
    /// A row of `enrollment_codes`.
    public struct EnrollmentCodeRow: Sendable {
        public let store: String
        public let expiresAt: UInt64
        public let used: Bool
        /// SHA-256 of the nonce of the enrollment that used the code.
        public let nonceHash: [UInt8]?
        /// The replica the code enrolled.
        public let replica: String?
    }

    public func insertEnrollmentCode(codeHash: [UInt8], store: String, expiresAt: UInt64, at now: UInt64) throws {
        try db.execute("INSERT INTO enrollment_codes(code_hash, store, expires_at, created_at) VALUES (?, ?, ?, ?)",
                       [.blob(codeHash), .text(store), .integer(Int64(expiresAt)), .integer(Int64(now))])
    }

    /// Whether a code with this hash was ever issued (a cheap read: guesses never commit).
    public func enrollmentCodeExists(codeHash: [UInt8]) throws -> Bool {
        try db.firstRow("SELECT 1 FROM enrollment_codes WHERE code_hash = ?", [.blob(codeHash)]) != nil
    }

    public func enrollmentCode(codeHash: [UInt8]) throws -> EnrollmentCodeRow? {
        guard let row = try db.firstRow("SELECT store, expires_at, used_at, nonce_hash, replica FROM enrollment_codes WHERE code_hash = ?", [.blob(codeHash)]) else {
            return nil
        }
        guard case let .text(store) = row[0], case let .integer(expiresAt) = row[1] else { throw ServerStoreError.corrupt("enrollment_codes") }
        return EnrollmentCodeRow(store: store, expiresAt: UInt64(max(expiresAt, 0)), used: row[2] != .null, nonceHash: row[3].blob, replica: row[4].text)
    }

    /// Spends a code on the enrollment of `replica`.
    public func markEnrollmentCodeUsed(codeHash: [UInt8], at now: UInt64, nonceHash: [UInt8]?, replica: ReplicaID) throws {
        try db.execute("UPDATE enrollment_codes SET used_at = ?, nonce_hash = ?, replica = ? WHERE code_hash = ?",
                       [.integer(Int64(now)), nonceHash.map { .blob($0) } ?? .null, .text(replica.rawValue), .blob(codeHash)])
    }

    // MARK: Devices

    /// A device row of `principals`.
    public struct DeviceRow: Sendable {
        public let replica: String
        public let store: String
        public let label: String?
        public let enrolledAt: UInt64
        public let revoked: Bool
        /// Revoked with the order to erase its local data (R-PRIV-10).
        public let wipe: Bool
    }

    public func insertDevice(tokenHash: [UInt8], replica: ReplicaID, store: String, label: String?, at now: UInt64) throws {
        try db.execute("INSERT INTO principals(token_hash, kind, replica, store, label, created_at) VALUES (?, 'device', ?, ?, ?, ?)",
                       [.blob(tokenHash), .text(replica.rawValue), .text(store), label.map { .text($0) } ?? .null, .integer(Int64(now))])
    }

    /// Every device, by replica.
    public func devices() throws -> [DeviceRow] {
        try db.rows("SELECT replica, store, label, created_at, revoked_at, wipe FROM principals WHERE kind = 'device' ORDER BY replica").map(Self.device)
    }

    public func device(replica: String) throws -> DeviceRow? {
        try db.firstRow("SELECT replica, store, label, created_at, revoked_at, wipe FROM principals WHERE kind = 'device' AND replica = ?", [.text(replica)])
            .map(Self.device)
    }

    private static func device(_ row: [SQLValue]) -> DeviceRow {
        DeviceRow(replica: row[0].text ?? "", store: row[1].text ?? "", label: row[2].text, enrolledAt: UInt64(row[3].int64 ?? 0),
                  revoked: row[4] != .null, wipe: row[5].int64 == 1)
    }

    /// How many principals (devices) a store has had: where its next device number starts.
    public func principalCount(store: String) throws -> Int64 {
        try db.firstRow("SELECT count(*) FROM principals WHERE store = ?", [.text(store)])?.first?.int64 ?? 0
    }

    /// The store of the principal whose replica id is `replica`, revoked or not.
    public func deviceStore(replica: String) throws -> String? {
        try db.firstRow("SELECT store FROM principals WHERE replica = ?", [.text(replica)])?.first?.text
    }

    /// Whether any principal has `replica` as its replica id.
    public func principalExists(replica: ReplicaID) throws -> Bool {
        try db.firstRow("SELECT 1 FROM principals WHERE replica = ?", [.text(replica.rawValue)]) != nil
    }

    /// Whether `replica` is a device that is not revoked and has never used its token: the
    /// only kind whose enrollment may be repeated (R-SYNC-2a).
    public func isLiveUnusedDevice(replica: String) throws -> Bool {
        try db.firstRow("SELECT 1 FROM principals WHERE replica = ? AND revoked_at IS NULL AND first_used_at IS NULL", [.text(replica)]) != nil
    }

    /// Gives `replica` a new token (a repeated enrollment).
    public func replaceToken(ofReplica replica: String, tokenHash: [UInt8]) throws {
        try db.execute("UPDATE principals SET token_hash = ? WHERE replica = ?", [.blob(tokenHash), .text(replica)])
    }

    /// Revokes a device (once: the first revocation time stays); `wipe` can turn the wipe
    /// order on, never off.
    public func revokeDevice(replica: String, at now: UInt64, wipe: Bool) throws {
        try db.execute("UPDATE principals SET revoked_at = coalesce(revoked_at, ?), wipe = max(wipe, ?) WHERE replica = ?",
                       [.integer(Int64(now)), .integer(wipe ? 1 : 0), .text(replica)])
    }

    /// The replica of the revoked device with a wipe order whose token hashes to `tokenHash`.
    public func wipeOrderedReplica(tokenHash: [UInt8]) throws -> String? {
        try db.firstRow("SELECT replica FROM principals WHERE token_hash = ? AND kind = 'device' AND revoked_at IS NOT NULL AND wipe = 1",
                        [.blob(tokenHash)])?.first?.text
    }
}
