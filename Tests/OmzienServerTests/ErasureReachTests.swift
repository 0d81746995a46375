import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import Testing

/// Issue 11 leak 2 (Protocol/PRIVACY.md R-PRIV-2): erasing a signal erases every copy of its
/// personal data on the server, not only the log's payloads: the partner's case notes and
/// operations on it that wait in quarantine. The device whose operation was parked still
/// syncs afterwards (the parked operation keeps its hashes) and every replica agrees.
struct ErasureReachTests {
    let author = AuthorID(trusted: "kassa-1")

    static func serverFiles(_ h: SyncHarness) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: h.dir, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("server.sqlite") && !$0.lastPathComponent.hasSuffix(".lock") }
    }

    static func occurrences(of canary: String, in files: [URL]) throws -> [String] {
        try files.filter { try Data(contentsOf: $0).range(of: Data(canary.utf8)) != nil }.map(\.lastPathComponent)
    }

    @Test func anEraseReachesCaseNotesAndQuarantinedOperations() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-a", name: "till-b")
        let note = "Notitie-\(UUID().uuidString)", caseNote = "Casus-\(UUID().uuidString)", parkedNote = "Geparkeerd-\(UUID().uuidString)"
        let signal = try a.recordSignal(note: note)
        try a.sync(); try b.sync()
        _ = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "accepted", caseNote: caseNote), as: ReferralView.self)

        // Till A's next edit arrives while the server's clock is two hours behind: parked.
        h.clock.offset.withLock { $0 = -2 * 3_600_000 }
        let seen = try #require(try a.store.loadRecord(signal))
        try a.store.appendLocal(record: signal, author: author, body: .changes([.set(field: "note", value: .string(parkedNote), supersedes: seen.heads("note"))]))
        let parked = try a.sync()
        #expect(parked.quarantined.count == 1, "the edit waits in quarantine")
        h.clock.offset.withLock { $0 = 0 }
        #expect(try Self.occurrences(of: parkedNote, in: Self.serverFiles(h)).isEmpty == false, "the parked note is on the server (the test sees it)")
        #expect(try Self.occurrences(of: caseNote, in: Self.serverFiles(h)).isEmpty == false)

        // Till B erases the signal.
        try b.sync()
        try b.store.appendLocal(record: signal, author: author, body: .erase)
        try b.sync()
        let files = try Self.serverFiles(h)
        for canary in [note, caseNote, parkedNote] {
            let found = try Self.occurrences(of: canary, in: files)
            #expect(found.isEmpty, "'\(canary.prefix(10))…' survives the erase in \(found)")
        }
        let (status, body) = try URLSessionTransport().send(method: "GET", url: h.baseURL.appendingPathComponent("v1/partner/referrals/\(signal.id)"),
                                                            headers: ["Authorization": "Bearer \(created.token)"], body: nil)
        #expect(status == 200 && !String(decoding: body, as: UTF8.self).contains(caseNote))

        // Till A is not wedged: its parked edit is applied without its payload, the chain links.
        let after = try a.sync()
        #expect(after.quarantined.isEmpty)
        #expect(try a.client.call("GET", "v1/sync/status", as: StatusResponse.self).held == a.store.logHead(of: a.store.replica).held)
        try b.sync()
        let digest = try h.server.service.digest(store: "store-a")
        #expect(try a.store.stateDigest() == digest && b.store.stateDigest() == digest)
        #expect(try a.store.loadRecord(signal)?.erased == true)
        for canary in [note, caseNote, parkedNote] {
            #expect(try Self.occurrences(of: canary, in: Self.serverFiles(h)).isEmpty, "after the release: \(canary.prefix(10))…")
        }
    }

    /// R-PRIV-2 (issue 11): the follow-up history of a referral (`followup_history`: who moved it
    /// to which state when, R-WEB-11) goes with it, whether a till erases it or retention purges
    /// it; the history of a referral that stays is kept.
    @Test func anEraseAndAPurgeTakeTheFollowUpHistoryWithThem() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        let a = try h.enroll("store-a", name: "till-a")
        let erased = try a.recordSignal(note: "gewist"), purged = try a.recordSignal(note: "verlopen"), kept = try a.recordSignal(note: "blijft")
        try a.sync()
        for ref in [erased, purged, kept] {
            _ = try wz.call("POST", "v1/partner/referrals/\(ref.id)/status", body: ReferralUpdateRequest(state: "accepted", author: "mw-jansen"), as: ReferralView.self)
            _ = try wz.call("POST", "v1/partner/referrals/\(ref.id)/status", body: ReferralUpdateRequest(state: "closed", outcome: "linked-to-activity", author: "mw-jansen"), as: ReferralView.self)
        }
        try a.sync()
        try a.store.appendLocal(record: erased, author: author, body: .erase)
        try a.sync()
        // Retention (R-PRIV-17): the purged one's last change is 181 days ago; the kept one is
        // reopened now, so it is open and stays.
        _ = try wz.call("POST", "v1/partner/referrals/\(kept.id)/status", body: ReferralUpdateRequest(state: "reopened", author: "mw-jansen"), as: ReferralView.self)
        h.clock.offset.withLock { $0 = 181 * 86_400_000 }
        #expect(try h.server.service.purgeExpired().erased == ["closed": 1])
        h.stop()
        let db = try Database(path: h.dir.appendingPathComponent("server.sqlite").path, options: .init(readOnly: true))
        defer { db.close() }
        func steps(_ ref: RecordRef) throws -> Int64 {
            try db.firstRow("SELECT count(*) FROM followup_history WHERE referral = ?", [.text(ref.id.rawValue)])?.first?.int64 ?? -1
        }
        #expect(try steps(erased) == 0, "the erased referral's history is gone")
        #expect(try steps(purged) == 0, "the purged referral's history is gone")
        #expect(try steps(kept) == 3, "the history of a referral that stays is kept")
    }
}
