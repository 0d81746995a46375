import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Administration (Protocol/SYNC.md section 7): regions, stores, enrollment codes, devices,
/// quarantine. Every call needs the admin principal.
extension SyncService {
    static func checkIdentifier(_ value: String, _ what: String) throws {
        guard (try? ReplicaID(value)) != nil else {
            throw Problems.badRequest("\(what) '\(value)' is not an identifier (1-64 ASCII letters, digits, '.', '_' or '-')")
        }
    }

    /// R-SYNC-1b: names and labels are text for people, 1 to `maxBytes` bytes of UTF-8
    /// without control characters (C0, DEL, C1) or bidirectional overrides, so that printing
    /// one to an operator's terminal cannot move the cursor, ring the bell or reorder text.
    static func checkName(_ value: String, _ what: String, maxBytes: Int = 200) throws {
        guard !value.isEmpty, value.utf8.count <= maxBytes else { throw Problems.badRequest("\(what) must be 1-\(maxBytes) bytes, got \(value.utf8.count)") }
        if let bad = value.unicodeScalars.first(where: Self.isForbiddenInNames) {
            throw Problems.badRequest("\(what) contains the control character U+\(String(format: "%04X", bad.value)); use plain text")
        }
    }

    static func isForbiddenInNames(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7F...0x9F).contains(u.value) || (0x202A...0x202E).contains(u.value) || (0x2066...0x2069).contains(u.value)
            || u.value == 0x2028 || u.value == 0x2029
    }

    public func createRegion(_ principal: Principal, _ request: CreateRegionRequest) throws -> RegionInfo {
        try requireAdmin(principal)
        try Self.checkIdentifier(request.id, "region id")
        try Self.checkName(request.name, "name")
        let now = self.now
        return try worker.write { store in
            let server = ServerStore(store)
            if try server.regionExists(request.id) { throw Problems.exists("region '\(request.id)' exists") }
            try server.insertRegion(id: request.id, name: request.name, at: now)
            return RegionInfo(id: request.id, name: request.name)
        }
    }

    public func listRegions(_ principal: Principal) throws -> [RegionInfo] {
        try requireAdmin(principal)
        return try worker.read { store in
            try ServerStore(store).regions().map { RegionInfo(id: $0.id, name: $0.name) }
        }
    }

    public func createStore(_ principal: Principal, _ request: CreateStoreRequest) throws -> StoreInfo {
        try requireAdmin(principal)
        try Self.checkIdentifier(request.id, "store id")
        guard request.id.utf8.count <= 58 else {
            throw Problems.badRequest("store id '\(request.id)' is longer than 58 bytes (device ids are '<store>-d<n>', at most 64 bytes)")
        }
        guard !request.id.hasPrefix("partner-") else {
            throw Problems.badRequest("store id '\(request.id)' starts with 'partner-', which names partners' replicas (R-SYNC-2b); choose another id")
        }
        try Self.checkName(request.name, "name")
        let now = self.now
        return try worker.write { store in
            let server = ServerStore(store)
            guard try server.regionExists(request.region) else {
                throw Problems.notFound("region '\(request.region)' does not exist; create it first")
            }
            if try server.storeExists(request.id) { throw Problems.exists("store '\(request.id)' exists") }
            try server.insertStore(id: request.id, region: request.region, name: request.name, at: now)
            return StoreInfo(id: request.id, region: request.region, name: request.name)
        }
    }

    public func listStores(_ principal: Principal) throws -> [StoreInfo] {
        try requireAdmin(principal)
        return try worker.read { store in
            try ServerStore(store).stores().map { StoreInfo(id: $0.id, region: $0.region, name: $0.name) }
        }
    }

    public func createEnrollment(_ principal: Principal, _ request: CreateEnrollmentRequest) throws -> EnrollmentCodeResponse {
        try requireAdmin(principal)
        let hours = request.expiresInHours ?? 24
        guard (1...168).contains(hours) else { throw Problems.badRequest("expiresInHours must be 1...168, got \(hours)") }
        let now = self.now
        let expires = now + UInt64(hours) * 3_600_000
        return try worker.write { store in
            let server = ServerStore(store)
            guard try server.storeExists(request.store) else {
                throw Problems.notFound("store '\(request.store)' does not exist; create it first")
            }
            let code = Tokens.enrollmentCode()
            try server.insertEnrollmentCode(codeHash: Tokens.hash(Tokens.normalizeCode(code)), store: request.store, expiresAt: expires, at: now)
            return EnrollmentCodeResponse(code: code, store: request.store, expiresAt: expires)
        }
    }

    public func listDevices(_ principal: Principal) throws -> [DeviceInfo] {
        try requireAdmin(principal)
        return try worker.read { store in
            let server = ServerStore(store)
            return try server.devices().map { device in
                let held = (try? ReplicaID(device.replica)).map { store.held(from: $0) } ?? 0
                return DeviceInfo(replica: device.replica, store: device.store, label: device.label, enrolledAt: device.enrolledAt,
                                  revoked: device.revoked, held: held, quarantined: try server.parkedCount(of: device.replica))
            }
        }
    }

    /// Revokes a device (SYNC.md section 3). With `wipe` (the default, PRIVACY.md R-PRIV-10)
    /// its token is answered from then on with 401 `wipe-required`, which tells the device to
    /// erase its local database; without, with the plain 401. Idempotent: revoking again may
    /// turn a wipe on, never off (a device told to wipe may already have done it).
    public func revoke(_ principal: Principal, replica: String, wipe: Bool = true) throws -> DeviceInfo {
        try requireAdmin(principal)
        let now = self.now
        let info = try worker.write { store -> DeviceInfo in
            let server = ServerStore(store)
            guard try server.device(replica: replica) != nil else { throw Problems.notFound("no device '\(replica)'") }
            try server.revokeDevice(replica: replica, at: now, wipe: wipe)
            guard let device = try server.device(replica: replica) else { throw Problems.notFound("no device '\(replica)'") }
            let held = (try? ReplicaID(replica)).map { store.held(from: $0) } ?? 0
            return DeviceInfo(replica: replica, store: device.store, label: device.label, enrolledAt: device.enrolledAt, revoked: true, held: held,
                              wipe: device.wipe)
        }
        principalsForget(replica: replica)
        return info
    }

    /// R-PRIV-10: the answer to a refused device token whose device was revoked with a wipe
    /// (nil for any other token). The device erases its database when it gets it.
    func wipeRefusal(tokenHash: [UInt8]) -> Problem? {
        guard let replica = try? worker.read({ store in try ServerStore(store).wipeOrderedReplica(tokenHash: tokenHash) }) else { return nil }
        return Self.wipeProblem(replica: replica)
    }

    static func wipeProblem(replica: String) -> Problem {
        Problem("wipe-required", status: 401, title: "Device revoked: erase its data",
                detail: "the operator revoked \(replica) and asked it to erase its local data; the device erases its database now (what it had not sent is lost). Enroll it again with a new code to use it")
    }}
