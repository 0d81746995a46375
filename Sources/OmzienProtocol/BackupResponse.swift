/// The answer to `POST /v1/admin/backups` (Protocol/SYNC.md R-OPS-2): where on the server
/// host the backup was written, its size, and when it was taken (ms since 1970).
public struct BackupResponse: Codable, Sendable, Equatable {
    public var path: String
    public var bytes: Int64
    public var takenAt: UInt64
    public init(path: String, bytes: Int64, takenAt: UInt64) {
        self.path = path
        self.bytes = bytes
        self.takenAt = takenAt
    }
}
