import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienTestSupport
import Testing

/// Issue 11 leak 1 (Protocol/PARTNERS.md R-PART-12, R-PART-14): which partner may see a
/// referral follows from the hand-over record, not from the store's region at read time.
/// The new region's partner never sees the cases closed, declined or erased before the move,
/// by pull, by a pre-move cursor, by `GET` or by a status change; the old partner keeps the
/// cases it finished, read-only.
struct CustodyTests {
    /// Two regions with a partner each; store-a in noord has one open, one closed, one
    /// declined, one erased signal and one draft when it moves to zuid.
    struct Moved {
        let h: SyncHarness
        let x: SyncClient, y: SyncClient
        let till: DeviceSync
        let open: RecordRef, closed: RecordRef, declined: RecordRef, erased: RecordRef, draft: RecordRef
        let yCursorBeforeMove: String
    }

    static func moved() throws -> Moved {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        func partner(_ id: String, _ region: String) throws -> SyncClient {
            let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: id, region: region, name: id), as: PartnerCreated.self)
            return SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        }
        let x = try partner("wz-noord", "noord"), y = try partner("wz-zuid", "zuid")
        let till = try h.enroll("store-a", name: "till-a")
        let open = try till.recordSignal(note: "open case")
        let closed = try till.recordSignal(note: "closed-canary private note")
        let declined = try till.recordSignal(note: "declined-canary")
        let erased = try till.recordSignal(note: "erased-canary")
        let draft = RecordRef(kind: .signal, id: RecordID.random())
        let draftChanges = try SignalDraft(store: "store-a", observedAt: Int64(HybridClock.physicalNowMillis()), reporter: "kassa-1",
                                           indicators: ["withdrawn"], note: "draft", submit: false).changes()
        try till.store.appendLocal(record: draft, author: AuthorID(trusted: "kassa-1"), body: .changes(draftChanges))
        try till.sync()
        // zuid's partner has a cursor from before the move (store-b's traffic moves it on).
        let b = try h.enroll("store-b", name: "till-b")
        _ = try b.recordSignal(note: "zuid's own")
        try b.sync()
        let yPage = try y.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        _ = try x.call("POST", "v1/partner/referrals/\(closed.id)/status", body: ReferralUpdateRequest(state: "closed", outcome: "no-help-wanted"), as: ReferralView.self)
        _ = try x.call("POST", "v1/partner/referrals/\(declined.id)/status",
                       body: ReferralUpdateRequest(state: "declined", declineReason: "outside-our-area"), as: ReferralView.self)
        try till.store.appendLocal(record: erased, author: AuthorID(trusted: "kassa-1"), body: .erase)
        try till.sync()
        _ = try h.admin.call("POST", "v1/admin/stores/store-a/move", body: MoveStoreRequest(region: "zuid"), as: MoveStoreResponse.self)
        return Moved(h: h, x: x, y: y, till: till, open: open, closed: closed, declined: declined, erased: erased, draft: draft,
                     yCursorBeforeMove: yPage.cursor)
    }

    static func status(_ error: () throws -> Void) -> Int? {
        do { try error(); return nil } catch let ClientError.problem(problem) { return problem.status } catch { return -1 }
    }

    @Test func theNewPartnerNeverSeesWhatWasFinishedBeforeTheMove() throws {
        let m = try Self.moved()
        let finished = [m.closed, m.declined, m.erased].map(\.id.rawValue)
        let fromScratch = try m.y.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        let fromOldCursor = try m.y.call("GET", "v1/partner/referrals", query: ["cursor": m.yCursorBeforeMove], as: ReferralPage.self)
        for (name, page) in [("a pull from scratch", fromScratch), ("a pre-move cursor", fromOldCursor)] {
            let leaked = page.referrals.map(\.id).filter(finished.contains)
            #expect(leaked.isEmpty, "\(name) shows the new partner \(leaked.count) case(s) finished before the move")
            #expect(page.referrals.contains { $0.id == m.open.id.rawValue }, "\(name) hands the open case over")
        }
        for ref in [m.closed, m.declined, m.erased] {
            #expect(Self.status { _ = try m.y.call("GET", "v1/partner/referrals/\(ref.id)", as: ReferralView.self) } == 404)
            #expect(Self.status {
                _ = try m.y.call("POST", "v1/partner/referrals/\(ref.id)/status", body: ReferralUpdateRequest(state: "reopened"), as: ReferralView.self)
            } == 404)
        }
        // A store-side change to a finished case after the move does not bring it into sight.
        try m.till.store.appendLocal(record: m.closed, author: AuthorID(trusted: "kassa-1"),
                                     body: .changes([.set(field: "urgency", value: .string("soon"), supersedes: try m.till.store.loadRecord(m.closed)?.heads("urgency") ?? [])]))
        try m.till.sync()
        let later = try m.y.call("GET", "v1/partner/referrals", query: ["cursor": fromScratch.cursor], as: ReferralPage.self)
        #expect(!later.referrals.contains { finished.contains($0.id) }, "a later edit leaks the closed case to the new partner")
    }

    @Test func theOldPartnerKeepsWhatItFinishedReadOnlyAndLosesTheRest() throws {
        let m = try Self.moved()
        let kept = try m.x.call("GET", "v1/partner/referrals/\(m.closed.id)", as: ReferralView.self)
        #expect(kept.status == "closed" && kept.region == "noord", "the old partner keeps the case it closed, in its own region")
        #expect(Self.status { _ = try m.x.call("GET", "v1/partner/referrals/\(m.open.id)", as: ReferralView.self) } == 404, "the open case was handed over")
        #expect(Self.status {
            _ = try m.x.call("POST", "v1/partner/referrals/\(m.closed.id)/status", body: ReferralUpdateRequest(state: "reopened"), as: ReferralView.self)
        } == 409, "a kept case is read-only: follow-up belongs to the store's new region")
        // The store erases the kept case: the old partner learns it by pull.
        let before = try m.x.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        try m.till.store.appendLocal(record: m.closed, author: AuthorID(trusted: "kassa-1"), body: .erase)
        try m.till.sync()
        let after = try m.x.call("GET", "v1/partner/referrals", query: ["cursor": before.cursor], as: ReferralPage.self)
        #expect(after.referrals.contains { $0.id == m.closed.id.rawValue && $0.erased == true }, "the old partner is told its kept case was erased")
        // New work of the moved store goes to the new partner only.
        let fresh = try m.till.recordSignal(note: "after the move")
        try m.till.sync()
        let xNow = try m.x.call("GET", "v1/partner/referrals", query: ["cursor": after.cursor], as: ReferralPage.self)
        #expect(!xNow.referrals.contains { $0.id == fresh.id.rawValue })
        _ = try m.y.call("GET", "v1/partner/referrals/\(fresh.id)", as: ReferralView.self)
    }

    @Test func aDraftAtTheMoveGoesToTheNewRegionWhenSubmittedAndAMoveBackKeepsCustody() throws {
        let m = try Self.moved()
        // The draft is submitted after the move: it is zuid's.
        let state = try #require(try m.till.store.loadRecord(m.draft))
        let epoch = state.status("status")?.epoch ?? 0
        try m.till.store.appendLocal(record: m.draft, author: AuthorID(trusted: "kassa-1"), body: .changes([.advance(field: "status", epoch: epoch, state: "submitted")]))
        try m.till.sync()
        _ = try m.y.call("GET", "v1/partner/referrals/\(m.draft.id)", as: ReferralView.self)
        #expect(Self.status { _ = try m.x.call("GET", "v1/partner/referrals/\(m.draft.id)", as: ReferralView.self) } == 404)
        // zuid closes the handed-over case; the store moves back to noord.
        _ = try m.y.call("POST", "v1/partner/referrals/\(m.open.id)/status", body: ReferralUpdateRequest(state: "closed", outcome: "no-help-wanted"), as: ReferralView.self)
        let back = try m.h.admin.call("POST", "v1/admin/stores/store-a/move", body: MoveStoreRequest(region: "noord"), as: MoveStoreResponse.self)
        #expect(back.handedOver == [m.draft.id.rawValue], "only the case still open goes back")
        #expect(try m.y.call("GET", "v1/partner/referrals/\(m.open.id)", as: ReferralView.self).status == "closed", "zuid keeps the case it closed")
        #expect(Self.status { _ = try m.x.call("GET", "v1/partner/referrals/\(m.open.id)", as: ReferralView.self) } == 404,
                "noord does not get back a case zuid closed")
        #expect(try m.x.call("GET", "v1/partner/referrals/\(m.closed.id)", as: ReferralView.self).status == "closed", "noord still has its own")
        _ = try m.x.call("POST", "v1/partner/referrals/\(m.draft.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
    }
}
