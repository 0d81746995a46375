// TEMPORARY until the protocol-docs branch lands (it adds these to WireMessages.swift).
public struct InfoResponse: Codable, Sendable, Equatable {
    public struct LimitsInfo: Codable, Sendable, Equatable {
        public var maxOperationsPerPush: Int
        public var maxRequestBytes: Int
        public var maxPullPage: Int
        public var defaultPullPage: Int
        public var maxSnapshotRecords: Int
        public var maxDriftMillis: UInt64
        public init(maxOperationsPerPush: Int, maxRequestBytes: Int, maxPullPage: Int, defaultPullPage: Int, maxSnapshotRecords: Int, maxDriftMillis: UInt64) {
            self.maxOperationsPerPush = maxOperationsPerPush
            self.maxRequestBytes = maxRequestBytes
            self.maxPullPage = maxPullPage
            self.defaultPullPage = defaultPullPage
            self.maxSnapshotRecords = maxSnapshotRecords
            self.maxDriftMillis = maxDriftMillis
        }
    }
    public var protocolVersion: Int
    public var serverTime: UInt64
    public var limits: LimitsInfo
    public init(protocolVersion: Int, serverTime: UInt64, limits: LimitsInfo) {
        self.protocolVersion = protocolVersion
        self.serverTime = serverTime
        self.limits = limits
    }
}

public struct StatusResponse: Codable, Sendable, Equatable {
    public var replica: String
    public var store: String
    public var held: UInt64
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
