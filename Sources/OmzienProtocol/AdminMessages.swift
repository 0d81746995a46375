/// Admin messages (Protocol/SYNC.md section "Administration").
public struct CreateRegionRequest: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

public struct CreateStoreRequest: Codable, Sendable, Equatable {
    public var id: String
    public var region: String
    public var name: String
    public init(id: String, region: String, name: String) {
        self.id = id
        self.region = region
        self.name = name
    }
}

public struct CreateEnrollmentRequest: Codable, Sendable, Equatable {
    public var store: String
    /// Validity in hours, 1...168 (default 24).
    public var expiresInHours: Int?
    public init(store: String, expiresInHours: Int? = nil) {
        self.store = store
        self.expiresInHours = expiresInHours
    }
}

public struct EnrollmentCodeResponse: Codable, Sendable, Equatable {
    /// One-time code: 4 groups of 4 characters from an alphabet without look-alikes.
    public var code: String
    public var store: String
    public var expiresAt: UInt64
    public init(code: String, store: String, expiresAt: UInt64) {
        self.code = code
        self.store = store
        self.expiresAt = expiresAt
    }
}

public struct DeviceInfo: Codable, Sendable, Equatable {
    public var replica: String
    public var store: String
    public var label: String?
    public var enrolledAt: UInt64
    public var revoked: Bool
    public var held: UInt64
    /// Device health (R-OPS-5): operations of this device waiting in quarantine, and its last
    /// push since the server started (when, and `applied`/`duplicates`/`quarantined` or the
    /// problem code that refused it). Absent when unknown.
    public var quarantined: Int?
    public var lastPushAt: UInt64?
    public var lastPushOutcome: String?
    /// A revoked device told to erase its local data at its next contact (PRIVACY.md R-PRIV-10).
    public var wipe: Bool?
    public init(replica: String, store: String, label: String?, enrolledAt: UInt64, revoked: Bool, held: UInt64,
                quarantined: Int? = nil, lastPushAt: UInt64? = nil, lastPushOutcome: String? = nil, wipe: Bool? = nil) {
        self.wipe = wipe
        self.replica = replica
        self.store = store
        self.label = label
        self.enrolledAt = enrolledAt
        self.revoked = revoked
        self.held = held
        self.quarantined = quarantined
        self.lastPushAt = lastPushAt
        self.lastPushOutcome = lastPushOutcome
    }
}

/// A welfare partner as the admin sees it (`GET /v1/admin/partners`): its region, and its
/// tokens that are neither expired nor revoked, with the latest expiry among them.
public struct PartnerInfo: Codable, Sendable, Equatable {
    public var id: String
    public var region: String
    public var name: String
    public var activeTokens: Int
    public var tokenExpiresAt: UInt64?
    public init(id: String, region: String, name: String, activeTokens: Int, tokenExpiresAt: UInt64?) {
        self.id = id
        self.region = region
        self.name = name
        self.activeTokens = activeTokens
        self.tokenExpiresAt = tokenExpiresAt
    }
}

public struct RegionInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

public struct StoreInfo: Codable, Sendable, Equatable {
    public var id: String
    public var region: String
    public var name: String
    public init(id: String, region: String, name: String) {
        self.id = id
        self.region = region
        self.name = name
    }
}
