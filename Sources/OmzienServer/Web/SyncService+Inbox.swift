import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// One referral of the partner's inbox: its allow-listed view (the partner API's
/// `referralView`, R-PART-3) and when the server first saw it submitted and first contacted.
public struct InboxEntry: Sendable {
    public let view: ReferralView
    public let submittedAt: UInt64?
    public let firstContactAt: UInt64?
}

/// One step of a referral's follow-up history: who (an actor pseudonym) set which state when.
public struct HistoryEntry: Sendable, Equatable {
    public let at: UInt64
    public let state: String
    public let actor: String
}

/// The partner's inbox and a referral's history for the web pages (R-WEB-10..12), through
/// the partner API's custody and allow-list rules (`locate`, `referralView`, R-PART-14).
extension SyncService {
    static let finishedStates: Set<String> = ["closed", "declined"]

    /// Written with every follow-up (`updateReferral`): the history a referral page shows.
    static func recordHistory(_ state: String, referral: String, actor: String, at now: UInt64, in store: ReplicaStore) throws {
        try ServerStore(store).appendFollowUpStep(referral: referral, at: now, state: state, actor: actor)
    }

    /// R-WEB-10: the referrals in the custody of the partner's region (R-PART-14), open ones
    /// only unless `all`, each with its submission and first-contact time. One audit entry per
    /// referral shown (`action`: `inbox` or `export`), or one with referral `-` for an empty list.
    public func inbox(_ principal: Principal, all: Bool = false, action: String = "inbox") throws -> [InboxEntry] {
        let (_, region, token, actor) = try requirePartner(principal)
        let now = self.now
        return try worker.write { store in
            var entries: [InboxEntry] = []
            for signal in try ServerStore(store).signals(custodyOf: region) {
                guard let id = try? RecordID(signal.referral),
                      let state = try store.loadRecord(RecordRef(kind: .signal, id: id)),
                      let view = Self.referralView(state, store: signal.store, region: region), view.erased != true else { continue }
                if !all, Self.finishedStates.contains(view.status ?? "") { continue }
                entries.append(InboxEntry(view: view, submittedAt: signal.submittedAt, firstContactAt: signal.firstContactAt))
            }
            try self.auditAccess(store, at: now, actor: actor, token: token, action: action, referrals: entries.isEmpty ? ["-"] : entries.map(\.view.id))
            return entries
        }
    }

    /// The submission time and follow-up history of a referral in the partner's custody
    /// (404 like the API otherwise). Not audited on its own: the page that shows it reads the
    /// referral, which is.
    public func referralHistory(_ principal: Principal, id: String) throws -> (submittedAt: UInt64?, firstContactAt: UInt64?, steps: [HistoryEntry]) {
        let (_, region, _, _) = try requirePartner(principal)
        return try worker.read { store in
            let (rid, _, _) = try Self.partnerReferralState(id, region: region, writing: false, in: store)
            let server = ServerStore(store)
            let times = try server.referralTimes(rid.rawValue)
            let steps = try server.followUpHistory(of: rid.rawValue).map { HistoryEntry(at: $0.at, state: $0.state, actor: $0.actor) }
            return (times.submittedAt, times.firstContactAt, steps)
        }
    }

    /// An audit entry for a page a person viewed that shows no referral (R-WEB-12).
    public func auditPageView(_ principal: Principal, action: String) throws {
        let (actor, token): (String, String)
        switch principal {
        case let .person(p): (actor, token) = (p.actor, p.credential)
        default: return
        }
        let now = self.now
        try worker.write { store in
            try self.auditAccess(store, at: now, actor: actor, token: token, action: action, referrals: ["-"])
        }
    }
}
