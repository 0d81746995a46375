import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Welfare partners (Protocol/PARTNERS.md): referrals of their region through an allow-list,
/// follow-up as operations on the signal's status lattice written under the partner's own
/// replica (so stores receive it through their feed), partner-internal case notes kept on the
/// server, and an audit entry for every referral a partner reads.
extension SyncService {
    static func partnerReplica(_ partner: String) -> ReplicaID { ReplicaID(trusted: "partner-" + partner) }

    public func createPartner(_ principal: Principal, _ request: CreatePartnerRequest) throws -> PartnerCreated {
        try requireAdmin(principal)
        try Self.checkIdentifier(request.id, "partner id")
        guard request.id.utf8.count <= 56 else { throw Problems.badRequest("partner id is longer than 56 bytes (its replica id is 'partner-<id>')") }
        try Self.checkName(request.name, "name")
        let days = request.tokenDays ?? 90
        guard (1...365).contains(days) else { throw Problems.badRequest("tokenDays must be 1...365, got \(days)") }
        let now = self.now
        return try worker.write { store in
            let server = ServerStore(store)
            guard try server.regionExists(request.region) else {
                throw Problems.notFound("region '\(request.region)' does not exist; create it first")
            }
            if try server.partner(request.id) != nil { throw Problems.exists("partner '\(request.id)' exists") }
            // R-SYNC-2b: a partner's replica never shares its id with a device's (stores of
            // older versions could be named 'partner-…').
            if try server.deviceHoldsReplica(Self.partnerReplica(request.id).rawValue) {
                throw Problems.exists("replica '\(Self.partnerReplica(request.id))' belongs to a device; choose another partner id")
            }
            if let other = try server.partner(inRegion: request.region) {
                throw Problems.exists("region '\(request.region)' already has partner '\(other.id)' (one partner per region)")
            }
            try server.insertPartner(ServerStore.PartnerRow(id: request.id, region: request.region, name: request.name), createdAt: now)
            let (token, expires) = try Self.issuePartnerToken(server, partner: request.id, days: days, now: now)
            return PartnerCreated(id: request.id, region: request.region, name: request.name, token: token, tokenExpiresAt: expires)
        }
    }

    static func issuePartnerToken(_ server: ServerStore, partner: String, days: Int, now: UInt64) throws -> (String, UInt64) {
        let token = Tokens.random(prefix: "omz_p_")
        let expires = now + UInt64(days) * 86_400_000
        try server.insertPartnerToken(hash: Tokens.hash(token), partner: partner, createdAt: now, expiresAt: expires)
        return (token, expires)
    }

    /// Token rotation and revocation for a partner.
    public func rotatePartnerToken(_ principal: Principal, partner: String, _ request: PartnerTokenRequest) throws -> PartnerCreated {
        try requireAdmin(principal)
        let days = request.tokenDays ?? 90
        guard (1...365).contains(days) else { throw Problems.badRequest("tokenDays must be 1...365, got \(days)") }
        let now = self.now
        let created = try worker.write { store -> PartnerCreated in
            let server = ServerStore(store)
            guard let row = try server.partner(partner) else { throw Problems.notFound("no partner '\(partner)'") }
            if request.revokeOthers == true { try server.revokePartnerTokens(of: partner, at: now) }
            let (token, expires) = try Self.issuePartnerToken(server, partner: partner, days: days, now: now)
            return PartnerCreated(id: partner, region: row.region, name: row.name, token: token, tokenExpiresAt: expires)
        }
        if request.revokeOthers == true { principalsForgetPartner(partner) }
        return created
    }

    /// Every partner with its region and active tokens (issue 10 item 13: `admin list partners`).
    public func listPartners(_ principal: Principal) throws -> [PartnerInfo] {
        try requireAdmin(principal)
        let now = self.now
        return try worker.read { store in
            try ServerStore(store).partners(tokensActiveAt: now).map {
                PartnerInfo(id: $0.partner.id, region: $0.partner.region, name: $0.partner.name, activeTokens: $0.activeTokens, tokenExpiresAt: $0.tokenExpiresAt)
            }
        }
    }

    /// The partner a request acts for, its region, the credential the audit log keeps and the
    /// actor it names: `partner:<id>` for the organisation's token, `partner:<id>:<name>` for
    /// a person of the partner (R-WEB-2: one notion of who).
    func requirePartner(_ p: Principal) throws -> (id: String, region: String, token: String, actor: String) {
        switch p {
        case let .partner(id, region, token): return (id, region, token, "partner:" + id)
        case let .person(person):
            guard let id = person.partner, let region = person.region else { throw Problems.forbidden("referrals are for partner workers; a head-office account reads reports") }
            return (id, region, person.credential, person.actor)
        default: throw Problems.forbidden("this needs a partner token")
        }
    }

    /// The partner's view of a signal, or nil when it is not (yet) a referral.
    static func referralView(_ state: RecordState, store: String, region: String) -> ReferralView? {
        guard state.ref.kind == .signal else { return nil }
        var v = ReferralView(id: state.ref.id.rawValue, store: store, region: region)
        if state.erased {
            v.erased = true
            return v
        }
        guard let status = state.status("status"), status.state != "draft" else { return nil }
        v.observedAt = state.value("observedAt")?.intValue
        v.indicators = state.elements("indicators")
        v.urgency = state.string("urgency")
        v.note = state.string("note")
        v.consent = state.string("consent")
        v.contact = state.visibleContact
        v.status = status.state
        v.epoch = status.epoch
        v.outcome = state.string("outcome")
        v.declineReason = state.string("declineReason")
        return v
    }

    /// Where a referral sits for a partner of `region`: its store, and that store's current
    /// region, if the referral is in `region`'s custody (R-PART-14): the custody row a move of
    /// its store wrote, or else its store's region.
    static func locate(_ id: RecordID, region: String, in store: ReplicaStore) throws -> ServerStore.ReferralPlace? {
        try ServerStore(store).referralPlace(id, custodyOf: region)
    }

    /// A partner's cursor: `p<feed position>` or `p<feed position>h<hand-over sequence>`.
    static func parsePartnerCursor(_ cursor: String?) throws -> (pos: Int64, handover: Int64) {
        guard let cursor, let h = cursor.firstIndex(of: "h") else { return (try PullService.parseCursor(cursor), 0) }
        guard let handover = Int64(cursor[cursor.index(after: h)...]), handover >= 0 else {
            throw Problem("invalid-cursor", status: 400, title: "Invalid cursor", detail: "pass back a cursor exactly as the server gave it")
        }
        return (try PullService.parseCursor(String(cursor[..<h])), handover)
    }

    public func moveStore(_ principal: Principal, store storeID: String, _ request: MoveStoreRequest) throws -> MoveStoreResponse {
        try requireAdmin(principal)
        let now = self.now
        return try worker.write { store in
            let server = ServerStore(store)
            guard let from = try server.region(ofStore: storeID) else {
                throw Problems.notFound("store '\(storeID)' does not exist")
            }
            guard try server.regionExists(request.region) else {
                throw Problems.notFound("region '\(request.region)' does not exist; create it first")
            }
            guard from != request.region else { return MoveStoreResponse(store: storeID, fromRegion: from, toRegion: from, handedOver: []) }
            try server.setRegion(ofStore: storeID, to: request.region)
            // R-PART-14: every referral of the store in the old region's custody is placed. Open
            // ones go to the new region (the hand-over); finished ones (closed, declined,
            // erased) stay with the old region, read-only; drafts follow the store.
            var handed: [String] = []
            for rid in try server.signals(ofStore: storeID, custodyOf: from) {
                guard let id = try? RecordID(rid), let state = try store.loadRecord(RecordRef(kind: .signal, id: id)) else { continue }
                let status = state.status("status")?.state ?? "draft"
                if status == "draft" && !state.erased { continue }
                let open = !state.erased && !["closed", "declined"].contains(status)
                try server.setCustody(referral: rid, store: storeID, region: open ? request.region : from, since: now)
                guard open else { continue }
                try server.insertHandover(referral: rid, store: storeID, from: from, to: request.region, at: now)
                handed.append(rid)
            }
            return MoveStoreResponse(store: storeID, fromRegion: from, toRegion: request.region, handedOver: handed)
        }
    }

    public func partnerReferrals(_ principal: Principal, cursor: String?, limit: Int?) throws -> ReferralPage {
        let (_, region, token, actor) = try requirePartner(principal)
        let (after, afterHandover) = try Self.parsePartnerCursor(cursor)
        let limit = limit ?? Limits.defaultPullPage
        guard (1...Limits.maxPullPage).contains(limit) else { throw Problems.badRequest("limit must be 1...\(Limits.maxPullPage), got \(limit)") }
        let now = self.now
        return try worker.write { store in
            // The feed of the region's stores and of the stores whose finished cases it kept,
            // each referral only where it is in this region's custody (R-PART-14).
            let server = ServerStore(store)
            let rows = try server.referralFeed(region: region, after: after, limit: limit + 1)
            let page = rows.prefix(limit)
            var seen = Set<String>()
            var views: [ReferralView] = []
            for entry in page {
                guard seen.insert(entry.referral).inserted, let id = try? RecordID(entry.referral),
                      let state = try store.loadRecord(RecordRef(kind: .signal, id: id)),
                      let view = Self.referralView(state, store: entry.store, region: region) else { continue }
                // An erased draft was never a referral: the partner is not told it existed
                // (only submitted ones, whose copies it must delete, R-PART-5).
                if view.erased == true, try !server.hasReferralEvent(.submitted, referral: entry.referral) { continue }
                views.append(view)
            }
            // Referrals handed over to this region since the cursor (R-PART-12).
            let handovers = try server.handovers(to: region, after: afterHandover, limit: limit + 1)
            for handover in handovers.prefix(limit) {
                guard seen.insert(handover.referral).inserted, let id = try? RecordID(handover.referral),
                      try Self.locate(id, region: region, in: store) != nil,
                      let state = try store.loadRecord(RecordRef(kind: .signal, id: id)),
                      let view = Self.referralView(state, store: handover.store, region: region) else { continue }
                views.append(view)
            }
            try self.auditAccess(store, at: now, actor: actor, token: token, action: "pull", referrals: views.map(\.id))
            let next = page.last?.position ?? after
            let nextHandover = handovers.prefix(limit).last?.sequence ?? afterHandover
            return ReferralPage(referrals: views, cursor: nextHandover > 0 ? "p\(next)h\(nextHandover)" : "p\(next)",
                                more: rows.count > limit || handovers.count > limit, serverTime: now)
        }
    }

    public func partnerReferral(_ principal: Principal, id: String) throws -> ReferralView {
        let (_, region, token, actor) = try requirePartner(principal)
        let now = self.now
        return try worker.write { store in
            guard let (rid, place) = try Self.resolveReferral(id, region: region, in: store),
                  let state = try store.loadRecord(RecordRef(kind: .signal, id: rid)),
                  let view = Self.referralView(state, store: place.store, region: region) else {
                throw Problems.notFound("no such referral in your region")
            }
            try self.auditAccess(store, at: now, actor: actor, token: token, action: "read", referrals: [view.id])
            return view
        }
    }

    public func updateReferral(_ principal: Principal, id: String, _ request: ReferralUpdateRequest) throws -> ReferralView {
        let (partner, region, token, actor) = try requirePartner(principal)
        try Self.checkFollowUpRequest(request)
        let author = try Self.partnerAuthor(request.author, actor: actor, principal: principal)
        let now = self.now
        return try worker.write { store in
            guard let (rid, place) = try Self.resolveReferral(id, region: region, in: store),
                  let state = try store.loadRecord(RecordRef(kind: .signal, id: rid)), !state.erased,
                  let current = state.status("status"), current.state != "draft" else {
                throw Problems.notFound("no such referral in your region")
            }
            let storeID = place.store
            guard place.storeRegion == region else {
                throw Problem("referral-kept", status: 409, title: "Kept for your records only",
                              detail: "\(storeID) moved to region '\(place.storeRegion)'; you keep this \(current.state) case to read until retention, but any follow-up is for the partner of '\(place.storeRegion)'")
            }
            let changes = try Self.followUpChanges(request, state: state, current: current)
            let replica = Self.partnerReplica(partner)
            let head = store.logHead(of: replica)
            let previous = try store.operations(from: replica, after: head.held > 0 ? head.held - 1 : 0, limit: 1).first?.timestamp ?? .zero
            var factory = OperationFactory(replica: replica, lastSequence: head.held, lastHash: head.lastHash, clock: HybridClock(last: previous))
            let op = try factory.make(record: state.ref, author: author, body: .changes(changes), physicalMillis: now)
            try store.apply([op])
            let server = ServerStore(store)
            try server.feed(op.id, to: storeID)
            if let note = request.caseNote, !note.isEmpty {
                try server.insertCaseNote(partner: partner, referral: rid.rawValue, at: now, author: author.rawValue, text: note)
            }
            try self.auditAccess(store, at: now, actor: actor, token: token, action: "update:" + request.state, referrals: [rid.rawValue])
            try Self.recordFollowUp(request.state, referral: rid.rawValue, store: storeID, at: now, in: store)
            try Self.recordHistory(request.state, referral: rid.rawValue, actor: author.rawValue, at: now, in: store)
            guard let updated = try store.loadRecord(state.ref), let view = Self.referralView(updated, store: storeID, region: region) else {
                throw ServerError.corrupt("referral \(rid) vanished")
            }
            return view
        }
    }

    /// One entry in the audit log for a partner's or a person's access (PARTNERS.md): who,
    /// with which credential, did `action` to `referrals` (`-` for none).
    func auditAccess(_ store: ReplicaStore, at now: UInt64, actor: String, token: String, action: String, referrals: [String]) throws {
        try AuditLog.append(store.database, key: auditKey, headFile: auditHeadFile, at: now, actor: actor, token: token, action: action, referrals: referrals)
    }

    /// The audit log (admin only).
    public func auditEntries(_ principal: Principal) throws -> (entries: [AuditLog.Entry], head: (seq: Int64, hash: SHA256Digest)?) {
        try requireAdmin(principal)
        return try worker.read { store in (try AuditLog.entries(store.database), try AuditLog.head(store.database)) }
    }
}
