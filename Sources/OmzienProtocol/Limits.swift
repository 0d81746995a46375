/// The protocol's limits (Protocol/SYNC.md, "Limits"). A server may lower them and says
/// so in `GET /v1/info`; clients must stay within what the server announces.
public enum Limits {
    /// Operations in one push.
    public static let maxOperationsPerPush = 1000
    /// Decompressed bytes of one request body.
    public static let maxRequestBytes = 8 << 20
    /// Operations in one pull page (default 500).
    public static let maxPullPage = 1000
    public static let defaultPullPage = 500
    /// Records in one snapshot.
    public static let maxSnapshotRecords = 1_000_000
    /// Default allowed clock drift into the future before quarantine (5 minutes).
    public static let defaultMaxDriftMillis: UInt64 = 5 * 60 * 1000
    /// Operations the quarantine holds for one device at most (R-SYNC-13).
    public static let maxQuarantinedOperations = 1000
    /// Bytes of operation JSON the quarantine holds for one device at most (R-SYNC-13).
    public static let maxQuarantinedBytes = 4 << 20
}
