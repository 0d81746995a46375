import Foundation
import OmzienModel
import OmzienProtocol
import OmzienServerStore
import OmzienStore

/// Enrollment (Protocol/SYNC.md R-SYNC-2a, R-SYNC-2b): a one-time code the admin issued
/// becomes a device identity, a replica of the code's store and its device token. The caller
/// (`SyncService`) forgets any cached principal of the replica afterwards.
struct EnrollmentService: Sendable {
    let context: ServiceContext
    /// Derives the device token of an enrollment from its code and nonce (R-SYNC-2a).
    let enrollmentKey: [UInt8]

    /// How long after its code expired a device may still repeat an enrollment whose answer
    /// it lost (R-SYNC-2a).
    static let enrollmentRetryGraceMillis: UInt64 = 86_400_000

    /// Exchanges a one-time code for a device identity (R-SYNC-2a). The code is spent by the
    /// first enrollment; a retry with the same code and the same `nonce` gets the same
    /// replica and the same token back (the token is derived from code and nonce under the
    /// server's enrollment key, so no copy of the request can replace the token the device
    /// holds), as long as the device is not revoked, has never used its token, and the code
    /// expired less than a day ago. A token that was used proves the answer arrived: a late
    /// copy of the request (found by the simulation, seed 44) is then refused. Without a
    /// nonce, or with another one, a used code is refused.
    func enroll(_ request: EnrollRequest) throws -> EnrollResponse {
        try SyncService.checkVersion(request.protocolVersion)
        if let label = request.label { try SyncService.checkName(label, "label", maxBytes: 100) }
        if let nonce = request.nonce {
            guard (16...128).contains(nonce.utf8.count), nonce.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw Problems.badRequest("nonce must be 16-128 printable ASCII characters")
            }
        }
        let codeHash = Tokens.hash(Tokens.normalizeCode(request.code))
        let nonceHash = request.nonce.map(Tokens.hash)
        let now = context.now
        // An unknown code (a guess) costs a read, never a group commit (issue 10, R-OPS-4).
        guard try context.worker.read({ store in try ServerStore(store).enrollmentCodeExists(codeHash: codeHash) }) else {
            throw Problem("invalid-code", status: 401, title: "Invalid enrollment code", detail: "the code is unknown; ask the admin for a new one")
        }
        let response = try context.worker.write { store -> EnrollResponse in
            let server = ServerStore(store)
            guard let code = try server.enrollmentCode(codeHash: codeHash) else {
                throw Problem("invalid-code", status: 401, title: "Invalid enrollment code", detail: "the code is unknown; ask the admin for a new one")
            }
            let storeID = code.store
            let token = request.nonce.map { Tokens.enrollment(codeHash: codeHash, nonce: $0, key: enrollmentKey) } ?? Tokens.random(prefix: "omz_d_")
            guard !code.used else {
                // A used code: a retry of the same enrollment, or a second device.
                guard let nonceHash, let stored = code.nonceHash, stored == nonceHash, let r = code.replica,
                      now <= code.expiresAt + Self.enrollmentRetryGraceMillis,
                      try server.isLiveUnusedDevice(replica: r) else {
                    throw Problem("invalid-code", status: 401, title: "Invalid enrollment code", detail: "the code was already used; ask the admin for a new one")
                }
                try server.replaceToken(ofReplica: r, tokenHash: Tokens.hash(token))
                return EnrollResponse(replica: r, store: storeID, token: token, serverTime: now)
            }
            guard code.expiresAt > now else {
                throw Problem("invalid-code", status: 401, title: "Invalid enrollment code", detail: "the code expired; ask the admin for a new one")
            }
            let replica = try Self.newDeviceReplica(store: storeID, in: store)
            try server.markEnrollmentCodeUsed(codeHash: codeHash, at: now, nonceHash: nonceHash, replica: replica)
            try server.insertDevice(tokenHash: Tokens.hash(token), replica: replica, store: storeID, label: request.label, at: now)
            return EnrollResponse(replica: replica.rawValue, store: storeID, token: token, serverTime: now)
        }
        return response
    }

    /// The next device replica id of a store, `<store>-d<n>` (R-SYNC-2b): never one that
    /// exists as a principal or writes a log the server holds (a partner's replica is
    /// `partner-<id>`, and store ids may not start with `partner-`).
    static func newDeviceReplica(store storeID: String, in store: ReplicaStore) throws -> ReplicaID {
        let server = ServerStore(store)
        var n = try server.principalCount(store: storeID) + 1
        while true {
            let candidate = try ReplicaID("\(storeID)-d\(n)")
            let taken = try server.principalExists(replica: candidate) || store.held(from: candidate) > 0
            if !taken { return candidate }
            n += 1
        }
    }
}
