/// One parked operation as the admin sees it (`GET /v1/admin/quarantine`, R-SYNC-14): where
/// it came from, why it waits and how far ahead its clock is. Never the payload: the
/// quarantine holds personal text, and this listing is for deciding about clocks.
public struct QuarantineEntry: Codable, Sendable, Equatable {
    /// `replica#sequence`.
    public var operation: String
    public var replica: String
    public var store: String
    public var reason: String
    /// Server time (ms) the operation was parked.
    public var receivedAt: UInt64
    /// The wall-clock part of the operation's timestamp (ms since 1970).
    public var clock: UInt64
    /// How far the operation's clock is ahead of the server's now (0 once it is due).
    public var aheadMillis: UInt64
    /// Bytes of its JSON form.
    public var bytes: Int
    public init(operation: String, replica: String, store: String, reason: String, receivedAt: UInt64, clock: UInt64, aheadMillis: UInt64, bytes: Int) {
        self.operation = operation
        self.replica = replica
        self.store = store
        self.reason = reason
        self.receivedAt = receivedAt
        self.clock = clock
        self.aheadMillis = aheadMillis
        self.bytes = bytes
    }
}

/// The answer to `POST /v1/admin/quarantine/{replica}/release` (R-SYNC-14).
public struct QuarantineReleaseResponse: Codable, Sendable, Equatable {
    public var replica: String
    /// Operations applied by the release.
    public var released: Int
    /// How much of the device's log the server now holds.
    public var held: UInt64
    public init(replica: String, released: Int, held: UInt64) {
        self.replica = replica
        self.released = released
        self.held = held
    }
}
