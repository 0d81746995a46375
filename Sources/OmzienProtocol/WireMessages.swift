import Foundation
import OmzienModel

/// The messages of sync protocol version 1 (Protocol/SYNC.md; JSON Schemas in
/// Protocol/schemas/, OpenAPI in Protocol/openapi.json). Field names are the JSON names.
public enum SyncProtocol {
    /// The protocol version a request states in `protocolVersion`; a server answers a
    /// version it does not speak with 400 `unsupported-protocol-version` (R-SYNC-2).
    public static let version = 1
}

/// POST /v1/enroll: a device exchanges a one-time enrollment code for its identity.
public struct EnrollRequest: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var code: String
    /// A label for people ("till 3", "manager's phone"); not used for authorization.
    public var label: String?
    /// A random value the device chose for this enrollment and keeps until it is done
    /// (R-SYNC-2a): a retry with the same code and nonce gets the same device back.
    public var nonce: String?
    public init(code: String, label: String? = nil, nonce: String? = nil) {
        protocolVersion = SyncProtocol.version
        self.code = code
        self.label = label
        self.nonce = nonce
    }
}

public struct EnrollResponse: Codable, Sendable, Equatable {
    /// The replica id the server assigned: the device writes its operations under it.
    public var replica: String
    public var store: String
    /// The bearer token: shown once, stored by the server only as a SHA-256 hash.
    public var token: String
    public var serverTime: UInt64
    public init(replica: String, store: String, token: String, serverTime: UInt64) {
        self.replica = replica
        self.store = store
        self.token = token
        self.serverTime = serverTime
    }
}

/// POST /v1/sync/push: a batch of the device's own unsent operations, in sequence order.
public struct PushRequest: Codable, Sendable {
    public var protocolVersion: Int
    public var replica: String
    public var operations: [LogOperation]
    public init(replica: String, operations: [LogOperation]) {
        protocolVersion = SyncProtocol.version
        self.replica = replica
        self.operations = operations
    }
}

public struct QuarantineNotice: Codable, Sendable, Equatable {
    public var id: OperationID
    public var reason: String
    /// Server time (ms) from which the operation's clock is within the allowed drift.
    public var retryAfter: UInt64
    public init(id: OperationID, reason: String, retryAfter: UInt64) {
        self.id = id
        self.reason = reason
        self.retryAfter = retryAfter
    }
}

/// The answer to a push, sent only after the operations are durably committed.
public struct PushResponse: Codable, Sendable, Equatable {
    /// How many operations of this replica the server durably holds (gap-free): the device
    /// may consider operations 1...held sent.
    public var held: UInt64
    public var applied: Int
    public var duplicates: Int
    /// Operations stamped too far in the future, held apart (with every later operation
    /// of the same replica) until the server's clock catches up; never dropped.
    public var quarantined: [QuarantineNotice]
    public var serverTime: UInt64
    public init(held: UInt64, applied: Int, duplicates: Int, quarantined: [QuarantineNotice], serverTime: UInt64) {
        self.held = held
        self.applied = applied
        self.duplicates = duplicates
        self.quarantined = quarantined
        self.serverTime = serverTime
    }
}

/// GET /v1/sync/pull?cursor=C&limit=N: operations in the caller's scope after the cursor.
public struct PullResponse: Codable, Sendable {
    public var operations: [LogOperation]
    /// Pass it back to continue; opaque to clients.
    public var cursor: String
    /// More operations are waiting: pull again at once.
    public var more: Bool
    public var serverTime: UInt64
    public init(operations: [LogOperation], cursor: String, more: Bool, serverTime: UInt64) {
        self.operations = operations
        self.cursor = cursor
        self.more = more
        self.serverTime = serverTime
    }
}

/// GET /v1/sync/snapshot: the merged state of every record in scope and the cursor to pull
/// from afterwards; one consistent read (R-SYNC-9).
public struct SnapshotResponse: Codable, Sendable {
    public struct Record: Codable, Sendable, Equatable {
        public var kind: String
        public var id: String
        /// The canonical record state (Protocol/MODEL.md section 5.3), base64.
        public var state: String
        public init(kind: String, id: String, state: String) {
            self.kind = kind
            self.id = id
            self.state = state
        }
    }
    public var records: [Record]
    public var cursor: String
    /// The state digest of exactly these records.
    public var digest: String
    public var serverTime: UInt64
    public init(records: [Record], cursor: String, digest: String, serverTime: UInt64) {
        self.records = records
        self.cursor = cursor
        self.digest = digest
        self.serverTime = serverTime
    }
}

/// The limits a server applies (Protocol/SYNC.md, "Limits"): at most the protocol's, which
/// `Limits` holds; a server may lower them and announces them in `GET /v1/info`.
public struct ServerLimits: Codable, Sendable, Equatable {
    public var maxOperationsPerPush: Int
    /// Decompressed bytes of one request body.
    public var maxRequestBytes: Int
    public var maxPullPage: Int
    public var defaultPullPage: Int
    public var maxSnapshotRecords: Int
    /// Allowed clock drift into the future before quarantine (R-SYNC-13).
    public var maxDriftMillis: UInt64
    public init(maxOperationsPerPush: Int, maxRequestBytes: Int, maxPullPage: Int, defaultPullPage: Int,
                maxSnapshotRecords: Int, maxDriftMillis: UInt64) {
        self.maxOperationsPerPush = maxOperationsPerPush
        self.maxRequestBytes = maxRequestBytes
        self.maxPullPage = maxPullPage
        self.defaultPullPage = defaultPullPage
        self.maxSnapshotRecords = maxSnapshotRecords
        self.maxDriftMillis = maxDriftMillis
    }

    /// The protocol's own limits and the default drift.
    public static let protocolDefaults = ServerLimits(
        maxOperationsPerPush: Limits.maxOperationsPerPush, maxRequestBytes: Limits.maxRequestBytes,
        maxPullPage: Limits.maxPullPage, defaultPullPage: Limits.defaultPullPage,
        maxSnapshotRecords: Limits.maxSnapshotRecords, maxDriftMillis: Limits.defaultMaxDriftMillis)
}

/// GET /v1/info (no authentication): the protocol version the server speaks, its clock and
/// its limits. A client reads it before its first push to size its batches.
public struct InfoResponse: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var serverTime: UInt64
    public var limits: ServerLimits
    /// The periods the server purges on (PRIVACY.md R-PRIV-22); absent from older servers.
    public var retention: RetentionPeriods?
    public init(protocolVersion: Int = SyncProtocol.version, serverTime: UInt64, limits: ServerLimits, retention: RetentionPeriods? = nil) {
        self.protocolVersion = protocolVersion
        self.serverTime = serverTime
        self.limits = limits
        self.retention = retention
    }
}

/// GET /v1/sync/status (device token): what the server holds of the calling device.
public struct StatusResponse: Codable, Sendable, Equatable {
    public var replica: String
    public var store: String
    /// How many of this replica's operations the server durably holds (gap-free).
    public var held: UInt64
    /// How many of this replica's operations wait in quarantine (R-SYNC-13).
    public var quarantined: Int
    public var serverTime: UInt64
    public init(replica: String, store: String, held: UInt64, quarantined: Int, serverTime: UInt64) {
        self.replica = replica
        self.store = store
        self.held = held
        self.quarantined = quarantined
        self.serverTime = serverTime
    }
}
