import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienStore
import Testing

/// Issue 12 item 3 for the welfare worker (PARTNERS.md R-PART-35): a unique prefix of a
/// referral's id works wherever the id does, as in `git`, resolved only among the referrals in
/// the partner's own custody. On the old code every command below answered 404 "no such
/// referral in your region" for anything but the full 32-character id.
struct PartnerShortIDTests {
    let author = AuthorID(trusted: "kassa-1")

    func submit(_ device: DeviceSync, id: String, store: String) throws -> RecordRef {
        let ref = RecordRef(kind: .signal, id: RecordID(trusted: id))
        let draft = SignalDraft(store: store, observedAt: Int64(HybridClock.physicalNowMillis()), reporter: "kassa-1", indicators: ["withdrawn"], note: "kort id")
        try device.store.appendLocal(record: ref, author: author, body: .changes(try draft.changes()))
        return ref
    }

    @Test func aUniquePrefixNamesAReferralOnlyWithinTheRegion() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let noord = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn Noord"), as: PartnerCreated.self)
        let zuid = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-zuid", region: "zuid", name: "Welzijn Zuid"), as: PartnerCreated.self)
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-b", name: "till-b")
        let first = try submit(a, id: "abcd1111" + String(repeating: "0", count: 24), store: "store-a")
        let second = try submit(a, id: "abcd2222" + String(repeating: "0", count: 24), store: "store-a")
        let south = try submit(b, id: "abcd3333" + String(repeating: "0", count: 24), store: "store-b")
        // A draft is not a referral: no candidate, so "abcd9" names nothing.
        let draft = RecordRef(kind: .signal, id: RecordID(trusted: "abcd9999" + String(repeating: "0", count: 24)))
        try a.store.appendLocal(record: draft, author: author, body: .changes(try SignalDraft(store: "store-a", observedAt: 1_763_800_000_000, reporter: "kassa-1",
                                                                                              indicators: ["withdrawn"], submit: false).changes()))
        try a.sync(); try b.sync()
        let wzNoord = SyncClient(baseURL: h.baseURL, token: noord.token, retry: .none)
        let wzZuid = SyncClient(baseURL: h.baseURL, token: zuid.token, retry: .none)

        #expect(try wzNoord.call("GET", "v1/partner/referrals/abcd1", as: ReferralView.self).id == first.id.rawValue)
        // Another region's referral with the same prefix is neither a candidate nor counted.
        #expect(try wzZuid.call("GET", "v1/partner/referrals/abcd", as: ReferralView.self).id == south.id.rawValue)
        #expect(throws: (any Error).self) { try wzNoord.call("GET", "v1/partner/referrals/abcd3", as: ReferralView.self) }
        #expect(throws: (any Error).self) { try wzNoord.call("GET", "v1/partner/referrals/abcd9", as: ReferralView.self) }
        do {
            _ = try wzNoord.call("GET", "v1/partner/referrals/abcd", as: ReferralView.self)
            Issue.record("an ambiguous prefix must be refused")
        } catch ClientError.problem(let p) {
            #expect(p.status == 409 && p.code == "ambiguous-id", "\(p)")
            #expect(p.detail?.contains(first.id.rawValue) == true && p.detail?.contains(second.id.rawValue) == true, "names the candidates: \(p.detail ?? "")")
            #expect(p.detail?.contains(south.id.rawValue) == false, "not another region's: \(p.detail ?? "")")
        }
        // Too short to be meant as an id: the ordinary 404.
        do {
            _ = try wzNoord.call("GET", "v1/partner/referrals/abc", as: ReferralView.self)
            Issue.record("three characters name nothing")
        } catch ClientError.problem(let p) { #expect(p.status == 404, "\(p)") }

        // The commands a worker types, with the short id `device list`-style output gives.
        let env = ["OMZIEN_SERVER": h.baseURL.absoluteString, "OMZIEN_PARTNER_TOKEN": noord.token]
        let update = try CLITests.run(["partner", "update", "abcd2", "--state", "accepted", "--case-note", "gebeld"], environment: env)
        #expect(update.status == 0, "\(update.out)\(update.err)")
        let show = try CLITests.run(["partner", "show", "abcd2", "--json"], environment: env)
        #expect(show.status == 0 && show.out.contains(second.id.rawValue) && show.out.contains("\"status\" : \"accepted\""), "\(show.out)\(show.err)")
        let notes = try CLITests.run(["partner", "notes", "abcd2"], environment: env)
        #expect(notes.status == 0 && notes.out.contains("gebeld"), "\(notes.out)\(notes.err)")
        let ambiguous = try CLITests.run(["partner", "show", "abcd"], environment: env)
        #expect(ambiguous.status != 0 && ambiguous.err.contains("give more characters"), "\(ambiguous.out)\(ambiguous.err)")
        // The audit log names the one full id that was read, never the prefix.
        h.stop()
        let db = try Database(path: h.dir.appendingPathComponent("server.sqlite").path)
        defer { db.close() }
        let read = try db.rows("SELECT referral FROM audit_log WHERE referral IS NOT NULL").compactMap { $0.first?.text }
        #expect(read.contains(second.id.rawValue) && read.contains(first.id.rawValue), "\(read)")
        #expect(!read.contains { $0.hasPrefix("abcd") && $0.count < 32 }, "no prefix in the audit log: \(read)")
    }
}
