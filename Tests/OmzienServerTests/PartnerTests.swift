import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import Testing

/// Welfare partners (Protocol/PARTNERS.md): allow-list, scope, follow-up flowing back, audit.
@Suite(.serialized)
struct PartnerTests {
    let author = AuthorID(trusted: "kassa-1")

    func partner(_ h: SyncHarness, id: String, region: String) throws -> SyncClient {
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: id, region: region, name: "Welzijn \(id)"), as: PartnerCreated.self)
        return SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
    }

    func raw(_ client: SyncClient, _ path: String) throws -> (Int, Data) {
        try URLSessionTransport().send(method: "GET", url: client.baseURL.appendingPathComponent(path), headers: ["Authorization": "Bearer \(client.token!)"], body: nil)
    }

    /// R-PART-3, R-PART-4: a partner sees the allow-listed fields of its region's referrals, contact only with consent given.
    @Test func partnersSeeOnlyAllowListedFieldsOfTheirRegionsReferrals() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let noord = try partner(h, id: "wz-noord", region: "noord"), zuid = try partner(h, id: "wz-zuid", region: "zuid")
        let a = try h.enroll("store-a", name: "till-a")
        let withConsent = RecordRef(kind: .signal, id: RecordID.random()), without = RecordRef(kind: .signal, id: RecordID.random()), draft = RecordRef(kind: .signal, id: RecordID.random())
        try a.store.appendLocal(record: withConsent, author: author, body: .changes(try SignalDraft(store: "store-a", observedAt: 1_763_800_000_000, reporter: "kassa-1", indicators: ["withdrawn"], consent: "given", contact: "06-12345678").changes()))
        try a.store.appendLocal(record: without, author: author, body: .changes(try SignalDraft(store: "store-a", observedAt: 1_763_800_000_000, reporter: "kassa-1", indicators: ["withdrawn"], consent: "refused").changes()))
        try a.store.appendLocal(record: draft, author: author, body: .changes(try SignalDraft(store: "store-a", observedAt: 1_763_800_000_000, reporter: "kassa-1", indicators: ["withdrawn"], submit: false).changes()))
        try a.store.appendLocal(record: RecordRef(kind: .feedback, id: RecordID.random()), author: author, body: .changes(try FeedbackDraft(store: "store-a", givenAt: 1_763_800_000_000, category: "other", nps: 9).changes()))
        try a.sync()

        let (status, body) = try raw(noord, "v1/partner/referrals")
        #expect(status == 200)
        let page = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let referrals = try #require(page["referrals"] as? [[String: Any]])
        #expect(Set(referrals.compactMap { $0["id"] as? String }) == [withConsent.id.rawValue, without.id.rawValue], "submitted signals only, no drafts, no feedback")
        for r in referrals {
            let extra = Set(r.keys).subtracting(ReferralView.partnerFields)
            #expect(extra.isEmpty, "fields outside the allow-list: \(extra)")
            #expect(r["reporter"] == nil)
        }
        #expect(referrals.first { $0["id"] as? String == withConsent.id.rawValue }?["contact"] as? String == "06-12345678")
        #expect(referrals.first { $0["id"] as? String == without.id.rawValue }?["contact"] == nil, "no contact details without consent")
        // The other region's partner sees nothing, not even by guessing the id.
        let other = try zuid.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        #expect(other.referrals.isEmpty)
        let (guess, _) = try raw(zuid, "v1/partner/referrals/\(withConsent.id)")
        #expect(guess == 404)
        let (deviceTry, _) = try raw(a.client, "v1/partner/referrals")
        #expect(deviceTry == 403, "a device token cannot read referrals")
    }

    /// R-PART-7, R-PART-8: follow-up reaches the store and merges with its edits; the case note never does.
    @Test func followUpFlowsBackAndAConcurrentStoreEditSurvives() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let wz = try partner(h, id: "wz-noord", region: "noord")
        let a = try h.enroll("store-a", name: "till-a")
        let signal = try a.recordSignal(note: "Komt elke dag")
        try a.sync()
        // The store edits the note offline while the partner accepts and then makes contact.
        let seen = try #require(try a.store.loadRecord(signal))
        try a.store.appendLocal(record: signal, author: author, body: .changes([.set(field: "note", value: .string("Vandaag ook"), supersedes: seen.heads("note"))]))
        let secretCaseNote = "Intern-\(UUID().uuidString)"
        _ = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "accepted", caseNote: secretCaseNote), as: ReferralView.self)
        let contact = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "in-contact"), as: ReferralView.self)
        #expect(contact.status == "in-contact")
        #expect {
            _ = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
        } throws: { error in
            if case let ClientError.problem(p) = error { return p.status == 409 }
            return false
        }
        try a.sync()
        try a.sync()
        let merged = try #require(try a.store.loadRecord(signal))
        #expect(merged.status("status")?.state == "in-contact", "the store sees the partner's follow-up")
        // Its own edit wins; the drop-box keeps its version, not its text (PRIVACY.md R-PRIV-31).
        if case let .register(note)? = merged.fields["note"] {
            #expect(note.winner?.op.replica == a.store.replica && note.winner?.value == .withheld, "and keeps its own edit")
        } else { Issue.record("the note's register is missing") }
        #expect(try a.store.stateDigest() == (try h.server.service.digest(store: "store-a")))
        let view = try wz.call("GET", "v1/partner/referrals/\(signal.id)", as: ReferralView.self)
        #expect(view.note == "Vandaag ook")
        // The partner-internal case note never reaches the store.
        for file in try FileManager.default.contentsOfDirectory(at: h.dir, includingPropertiesForKeys: nil) where file.lastPathComponent.hasPrefix("till-a") {
            #expect(try Data(contentsOf: file).range(of: Data(secretCaseNote.utf8)) == nil, "case note found in \(file.lastPathComponent)")
        }
        // Closing needs an outcome; reopening is explicit and starts a new epoch.
        #expect(throws: ClientError.self) { _ = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "closed"), as: ReferralView.self) }
        let closed = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "closed", outcome: "linked-to-activity"), as: ReferralView.self)
        #expect(closed.status == "closed" && closed.outcome == "linked-to-activity")
        let reopened = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "reopened"), as: ReferralView.self)
        #expect(reopened.status == "reopened" && reopened.epoch == 1)
    }

    /// R-PART-9, R-PART-10: every referral read leaves one hash-chained audit entry; tampering is named.
    @Test func everyPartnerReadLeavesOneEntryAndTamperingIsNamed() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let wz = try partner(h, id: "wz-noord", region: "noord")
        let a = try h.enroll("store-a", name: "till-a")
        let signals = try (0..<3).map { try a.recordSignal(note: "signaal \($0)") }
        try a.sync()
        let page = try wz.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        #expect(page.referrals.count == 3)
        _ = try wz.call("GET", "v1/partner/referrals/\(signals[1].id)", as: ReferralView.self)
        let (entries, head) = try h.server.service.auditEntries(.admin)
        #expect(entries.count == 4, "three for the pull, one for the read")
        #expect(entries.map(\.action) == ["pull", "pull", "pull", "read"])
        #expect(entries[3].referral == signals[1].id.rawValue)
        #expect(entries.allSatisfy { $0.actor == "partner:wz-noord" && $0.token.hasPrefix("omz_p_") })
        let service = h.server.service
        #expect(try service.auditProblems(entries, head: head).isEmpty)
        for i in entries.indices {
            var edited = entries
            let e = entries[i]
            edited[i] = AuditLog.Entry(seq: e.seq, at: e.at, actor: e.actor, token: e.token, action: e.action, referral: "someone-else", prevHash: e.prevHash, hash: e.hash)
            #expect(try service.auditProblems(edited, head: head).first?.hasPrefix("entry \(e.seq):") == true, "edit of entry \(e.seq)")
            var deleted = entries
            deleted.remove(at: i)
            #expect(try !service.auditProblems(deleted, head: head).isEmpty, "deletion of entry \(e.seq)")
            if i + 1 < entries.count {
                var swapped = entries
                swapped.swapAt(i, i + 1)
                #expect(try !service.auditProblems(swapped, head: head).isEmpty, "swap of entries \(e.seq) and \(e.seq + 1)")
            }
        }
    }
}

/// The partner and audit commands of the CLI against a live server.
struct PartnerCLITests {
    @Test func partnerCommandsAndAuditVerifyWork() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let a = try h.enroll("store-a", name: "till-a")
        let signal = try a.recordSignal(note: "Komt elke dag, \"zegt\" weinig")
        try a.sync()
        let env = ["OMZIEN_SERVER": h.baseURL.absoluteString, "OMZIEN_PARTNER_TOKEN": created.token]
        let cursor = h.dir.appendingPathComponent("cursor").path
        let csv = try CLITests.run(["partner", "pull", "--csv", "--cursor-file", cursor], environment: env)
        #expect(csv.status == 0, "\(csv.err)")
        let lines = csv.out.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("\u{FEFF}id,store,region") == true, "a BOM, then the header")
        #expect(lines.last?.contains("\"Komt elke dag, \"\"zegt\"\" weinig\"") == true, "CSV quoting: \(lines.last ?? "")")
        let again = try CLITests.run(["partner", "pull", "--cursor-file", cursor], environment: env)
        #expect(again.out.contains("No referrals changed"), "the cursor file remembers: \(again.out)")
        let update = try CLITests.run(["partner", "update", signal.id.rawValue, "--state", "accepted", "--case-note", "intern"], environment: env)
        #expect(update.status == 0, "\(update.err)")
        let back = try CLITests.run(["partner", "update", signal.id.rawValue, "--state", "closed"], environment: env)
        #expect(back.status == 65, "closing without an outcome is bad data: \(back.err)")
        let show = try CLITests.run(["partner", "show", signal.id.rawValue, "--json"], environment: env)
        #expect(show.out.contains("\"status\" : \"accepted\""))

        // Verify the audit log offline, then alter a copy and see the entry named.
        h.stop()
        let db = h.dir.appendingPathComponent("server.sqlite").path
        let ok = try CLITests.run(["audit", "verify", "--db", db])
        #expect(ok.status == 0, "\(ok.out)\(ok.err)")
        #expect(ok.out.contains("intact"))
        let copy = h.dir.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: db, toPath: copy)
        do {
            let tamper = try Database(path: copy)
            try tamper.execute("UPDATE audit_log SET referral = 'someone-else' WHERE seq = 2")
            tamper.close()
        }
        let bad = try CLITests.run(["audit", "verify", "--db", copy, "--key-file", db + ".server-key"])
        #expect(bad.status == 1)
        #expect(bad.out.contains("entry 2"), "\(bad.out)")
    }
}

/// Response-time reports with small counts suppressed (R-PART-11).
struct ReportTests {
    @Test func responseTimesArePercentilesAndSmallGroupsAreSuppressed() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-b", name: "till-b")
        let signals = try (0..<6).map { _ in try a.recordSignal(note: "n") }
        for _ in 0..<2 { _ = try b.recordSignal(note: "n") }
        try a.sync(); try b.sync()
        for (i, s) in signals.enumerated() {
            h.clock.offset.withLock { $0 = Int64(i + 1) * 600_000 }  // accepted after 10, 20, … 60 minutes
            _ = try wz.call("POST", "v1/partner/referrals/\(s.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
        }
        let report = try h.admin.call("GET", "v1/reports/response-times", query: ["by": "store"], as: ResponseTimeReport.self)
        let storeA = try #require(report.groups.first { $0.key == "store-a" })
        #expect(storeA.referrals == 6 && !storeA.suppressed)
        // Real time also passes during the test: allow half a minute.
        #expect(abs((storeA.acceptedMinutes?.p50 ?? 0) - 30) < 0.5)
        #expect(abs((storeA.acceptedMinutes?.p90 ?? 0) - 60) < 0.5)
        #expect(storeA.firstContactMinutes == nil, "no contact yet")
        let storeB = try #require(report.groups.first { $0.key == "store-b" })
        #expect(storeB.suppressed && storeB.referrals == nil && storeB.acceptedMinutes == nil, "2 referrals: below the threshold of 5")
        // Head office reads aggregates; devices and partners cannot; a threshold below 5 is refused.
        let ho = try h.admin.call("POST", "v1/admin/headoffice-tokens", as: HeadOfficeTokenResponse.self)
        let headOffice = SyncClient(baseURL: h.baseURL, token: ho.token, retry: .none)
        #expect(try headOffice.call("GET", "v1/reports/response-times", query: ["by": "region"], as: ResponseTimeReport.self).groups.count == 2)
        #expect(throws: ClientError.self) { _ = try headOffice.call("GET", "v1/sync/pull", as: PullResponse.self) }
        #expect(throws: ClientError.self) { _ = try headOffice.call("GET", "v1/partner/referrals", as: ReferralPage.self) }
        #expect(throws: ClientError.self) { _ = try wz.call("GET", "v1/reports/response-times", as: ResponseTimeReport.self) }
        #expect(throws: ClientError.self) { _ = try a.client.call("GET", "v1/reports/response-times", as: ResponseTimeReport.self) }
        #expect(throws: ClientError.self) { _ = try h.admin.call("GET", "v1/reports/response-times", query: ["threshold": "2"], as: ResponseTimeReport.self) }
    }
}

/// A store moving to another region takes its open referrals along (R-PART-12).
struct HandOverTests {
    /// R-PART-6: referral pages changed after a cursor, with the next cursor.
    @Test func openReferralsFollowTheirStoreToTheNewRegionsPartner() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let x = SyncClient(baseURL: h.baseURL, token: try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "X"), as: PartnerCreated.self).token, retry: .none)
        let y = SyncClient(baseURL: h.baseURL, token: try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-zuid", region: "zuid", name: "Y"), as: PartnerCreated.self).token, retry: .none)
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-b", name: "till-b")
        let open = try a.recordSignal(note: "open"), accepted = try a.recordSignal(note: "accepted"), closed = try a.recordSignal(note: "closed")
        try a.sync()
        _ = try x.call("POST", "v1/partner/referrals/\(accepted.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
        _ = try x.call("POST", "v1/partner/referrals/\(closed.id)/status", body: ReferralUpdateRequest(state: "closed", outcome: "no-help-wanted"), as: ReferralView.self)
        _ = try b.recordSignal(note: "zuid")
        try b.sync()
        let before = try y.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        #expect(before.referrals.count == 1, "Y sees store-b's referral only")
        let move = try h.admin.call("POST", "v1/admin/stores/store-a/move", body: MoveStoreRequest(region: "zuid"), as: MoveStoreResponse.self)
        #expect(Set(move.handedOver) == [open.id.rawValue, accepted.id.rawValue], "open referrals are handed over, the closed one is not")
        let after = try y.call("GET", "v1/partner/referrals", query: ["cursor": before.cursor], as: ReferralPage.self)
        #expect(Set(after.referrals.map(\.id)) == [open.id.rawValue, accepted.id.rawValue])
        #expect(after.referrals.allSatisfy { $0.region == "zuid" })
        #expect(after.cursor.contains("h"), "the cursor remembers the hand-overs seen")
        let again = try y.call("GET", "v1/partner/referrals", query: ["cursor": after.cursor], as: ReferralPage.self)
        #expect(again.referrals.isEmpty)
        #expect(throws: ClientError.self) { _ = try x.call("GET", "v1/partner/referrals/\(open.id)", as: ReferralView.self) }
        _ = try y.call("POST", "v1/partner/referrals/\(open.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
    }
}
