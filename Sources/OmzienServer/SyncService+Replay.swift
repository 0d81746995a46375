import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Authentication of replayed requests (Protocol/SESSION-LOG.md, R-LOG-7). A log never
/// holds a token, so a replaying server (`Configuration.replayAuthentication`) takes the
/// principal the log recorded, sent as `Authorization: Replay <principal>`, and checks it
/// against its own tables the way a token is checked: a device must exist and not be revoked
/// (so a replayed revoke refuses the device's later requests, as it did when recorded), a
/// partner must exist. A request the recording server refused is replayed as `Replay refused`
/// and refused again.
extension SyncService {
    static let refusedAuthentication = "the recorded principal is unknown to this server or was revoked"

    func replayPrincipal(_ name: String) throws -> Principal {
        switch name {
        case "admin": return .admin
        case "headoffice": return .headOffice
        case _ where name.hasPrefix("device:"):
            let replica = String(name.dropFirst("device:".count))
            let found = try worker.read { store -> (String, Bool, Bool)? in
                try ServerStore(store).device(replica: replica).map { ($0.store, $0.revoked, $0.wipe) }
            }
            // A device revoked with a wipe gets its wipe order again (PRIVACY.md R-PRIV-10).
            if let (_, revoked, wipe) = found, revoked, wipe { throw Self.wipeProblem(replica: replica) }
            guard let (storeID, revoked, _) = found, !revoked, let r = try? ReplicaID(replica) else {
                throw Problems.unauthorized("the device is unknown to this server or was revoked; enroll the device again")
            }
            return .device(replica: r, store: storeID)
        case _ where name.hasPrefix("refused device:"):
            // Refused when recorded; with the wipe order if the device was revoked with one.
            let replica = String(name.dropFirst("refused device:".count))
            let wipe = try worker.read { store in
                try ServerStore(store).device(replica: replica).map { $0.revoked && $0.wipe } ?? false
            }
            if wipe { throw Self.wipeProblem(replica: replica) }
            throw Problems.unauthorized(Self.refusedAuthentication)
        case _ where name.hasPrefix("partner:"):
            let id = String(name.dropFirst("partner:".count))
            let region = try worker.read { store in try ServerStore(store).partnerRegion(id: id) }
            guard let region else { throw Problems.unauthorized("the partner is unknown to this server; ask the operator to add it ('omzien admin partner add')") }
            return .partner(id: id, region: region, tokenPrefix: "omz_p_replay")
        case _ where name.hasPrefix("person:"):
            let account = String(name.dropFirst("person:".count))
            guard let person = try worker.read({ store in try Self.person(store.database, name: account, credential: "omz_u_replay") }) else {
                throw Problems.unauthorized(Self.refusedAuthentication)
            }
            return .person(person)
        default:
            throw Problems.unauthorized(Self.refusedAuthentication)
        }
    }

    /// Whom a refused bearer token belonged to (a revoked device, an expired partner token),
    /// for the session log: `device:<replica>`, `partner:<id>`, `admin`, `headoffice`, or nil
    /// for a token the server never issued.
    public func principalName(ofRefused authorization: String?) -> String? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        let token = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard token.hasPrefix("omz_"), token.utf8.count < 200 else { return nil }
        let hash = Tokens.hash(token)
        return try? worker.read { store in try ServerStore(store).issuedTokenOwner(tokenHash: hash) }
    }
}
