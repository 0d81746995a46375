import Foundation
import OmzienModel

/// The device's state when a device log starts (R-LOG-8): the first step of a log written by
/// `device sync --record` is `LOCAL /local/state`, whose response is this object: every record's
/// canonical state (as in a snapshot), their digest, and how far the device held each
/// replica's log. The last step, `LOCAL /local/end`, carries the device's digest after the
/// sync in `replicaDigest`. A device-side replay starts a scratch replica from the state and
/// applies the recorded answers to it.
public struct DeviceLogState: Codable, Sendable, Equatable {
    public var records: [SnapshotResponse.Record]
    public var digest: String
    /// Replica id → the highest sequence the device held from it.
    public var held: [String: UInt64]
    public init(records: [SnapshotResponse.Record], digest: String, held: [String: UInt64]) {
        self.records = records
        self.digest = digest
        self.held = held
    }

    public static let method = "LOCAL"
    public static let startPath = "/local/state"
    public static let endPath = "/local/end"
}
