import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import Testing

/// Issue 11, retention (Protocol/PRIVACY.md R-PRIV-17..21): closed and declined referrals,
/// drafts and feedback comments are purged after their periods by the server (an erase; of
/// that propagates), by offline devices on their own clock, and nothing a device sends
/// later brings a purged record back. The clock is moved: the server's through the
/// harness's injectable clock, the built binary's with `faketime`.
struct RetentionTests {
    static let day: Int64 = 86_400_000
    let author = AuthorID(trusted: "kassa-1")

    /// store-a in noord with partner wz-noord; two tills.
    struct World {
        let h: SyncHarness, wz: SyncClient, a: DeviceSync, b: DeviceSync
        init() throws {
            h = try SyncHarness()
            try h.setUpStores([("store-a", "noord")])
            let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
            wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
            a = try h.enroll("store-a", name: "till-a")
            b = try h.enroll("store-a", name: "till-b")
        }
        func move(days: Int64) { h.clock.offset.withLock { $0 = days * RetentionTests.day } }
        func close(_ ref: RecordRef, declined: Bool = false, caseNote: String? = nil) throws {
            _ = try wz.call("POST", "v1/partner/referrals/\(ref.id)/status", body: ReferralUpdateRequest(state: "accepted", caseNote: caseNote), as: ReferralView.self)
            let last = declined ? ReferralUpdateRequest(state: "declined", declineReason: "verhuisd")
                                : ReferralUpdateRequest(state: "closed", outcome: "linked-to-activity")
            _ = try wz.call("POST", "v1/partner/referrals/\(ref.id)/status", body: last, as: ReferralView.self)
        }
        func serverFilesHolding(_ canary: String) throws -> [String] {
            try ErasureReachTests.occurrences(of: canary, in: ErasureReachTests.serverFiles(h))
        }
    }

    /// R-PRIV-17, R-PRIV-18, R-PRIV-19: each kind goes after its own period and not a day before; open
    /// referrals and feedback without a comment stay; the purge reaches devices, the partner
    /// and every server copy, and the digests agree.
    @Test func eachKindIsPurgedAfterItsPeriodAndThePurgePropagates() throws {
        let w = try World()
        let closedNote = "Gesloten-\(UUID().uuidString)", declinedNote = "Afgewezen-\(UUID().uuidString)", caseNote = "Casus-\(UUID().uuidString)"
        let openNote = "Open-\(UUID().uuidString)", draftNote = "Concept-\(UUID().uuidString)", comment = "Opmerking-\(UUID().uuidString)"
        let closed = try w.a.recordSignal(note: closedNote), declined = try w.a.recordSignal(note: declinedNote), open = try w.a.recordSignal(note: openNote)
        let draft = RecordRef(kind: .signal, id: RecordID.random())
        try w.a.store.appendLocal(record: draft, author: author, body: .changes(try SignalDraft(store: "store-a", observedAt: Int64(HybridClock.physicalNowMillis()),
                                                                                          reporter: "kassa-1", indicators: ["withdrawn"], note: draftNote, submit: false).changes()))
        let commented = RecordRef(kind: .feedback, id: RecordID.random()), plain = RecordRef(kind: .feedback, id: RecordID.random())
        let now = Int64(HybridClock.physicalNowMillis())
        try w.a.store.appendLocal(record: commented, author: author, body: .changes(try FeedbackDraft(store: "store-a", givenAt: now, category: "queue-at-till", nps: 4, comment: comment).changes()))
        try w.a.store.appendLocal(record: plain, author: author, body: .changes(try FeedbackDraft(store: "store-a", givenAt: now, category: "queue-at-till", nps: 9).changes()))
        try w.a.sync()
        try w.close(closed, caseNote: caseNote)
        try w.close(declined, declined: true)
        try w.a.sync(); try w.b.sync()

        w.move(days: 29)
        #expect(try w.h.server.service.purgeExpired().total == 0, "nothing is due after 29 days")
        w.move(days: 31)
        #expect(try w.h.server.service.purgeExpired().erased == ["draft": 1])
        w.move(days: 179)
        #expect(try w.h.server.service.purgeExpired().total == 0, "closed cases stay 180 days")
        w.move(days: 181)
        #expect(try w.h.server.service.purgeExpired().erased == ["closed": 1, "declined": 1])
        w.move(days: 366)
        #expect(try w.h.server.service.purgeExpired().erased == ["feedback-comment": 1])
        #expect(try w.h.server.service.purgeExpired().total == 0, "a purge is done once")

        for canary in [closedNote, declinedNote, caseNote, draftNote, comment] {
            #expect(try w.serverFilesHolding(canary).isEmpty, "\(canary.prefix(12))… left the server")
        }
        #expect(try w.serverFilesHolding(openNote).isEmpty == false, "an open referral stays")
        try w.a.sync(); try w.b.sync()
        for d in [w.a, w.b] {
            for ref in [closed, declined, draft] { #expect(try d.store.loadRecord(ref)?.erased == true, "\(ref) reached \(d.store.replica)") }
            // R-PRIV-19: of commented feedback only the comment goes; the score stays for NPS.
            let kept = try #require(try d.store.loadRecord(commented))
            #expect(!kept.erased && kept.value("comment") == .null && kept.value("nps") == .int(4), "\(kept)")
            #expect(try d.store.loadRecord(open)?.erased == false)
            #expect(try d.store.loadRecord(plain)?.erased == false, "feedback without a comment stays")
        }
        let digest = try w.h.server.service.digest(store: "store-a")
        #expect(try w.a.store.stateDigest() == digest && w.b.store.stateDigest() == digest)
        // The partner's token expired meanwhile (90 days): ask the service as that partner.
        let page = try w.h.server.service.partnerReferrals(.partner(id: "wz-noord", region: "noord", tokenPrefix: "omz_p_test"), cursor: nil, limit: nil)
        #expect(Set(page.referrals.filter { $0.erased == true }.map(\.id)) == [closed.id.rawValue, declined.id.rawValue], "the partner is told to delete its copies")
        let ledger = try String(contentsOfFile: w.h.dir.appendingPathComponent("server.sqlite.erasures").path, encoding: .utf8)
        #expect(ledger.components(separatedBy: "\"by\":\"retention\"").count - 1 == 4, "every purge is in the erasure ledger")
    }

    /// R-PRIV-21: a till offline for months still holds the closed case and edits its note;
    /// the server purged it meanwhile. The edit is taken into the till's log and dropped: the
    /// new text is in no byte of the server's files, the record stays erased, the till gets
    /// the erase and agrees.
    @Test func aLateEditOfAPurgedRecordIsDroppedNeverResurrected() throws {
        let w = try World()
        let ref = try w.a.recordSignal(note: "oud")
        try w.a.sync()
        try w.close(ref)
        try w.b.sync()
        let late = "Laat-\(UUID().uuidString)"
        let seen = try #require(try w.b.store.loadRecord(ref))
        try w.b.store.appendLocal(record: ref, author: author, body: .changes([.set(field: "note", value: .string(late), supersedes: seen.heads("note"))]))
        w.move(days: 200)
        #expect(try w.h.server.service.purgeExpired().erased == ["closed": 1])
        let report = try w.b.sync()
        #expect(report.pushed == 1, "the till's log goes on: its late operation is accepted")
        #expect(try w.serverFilesHolding(late).isEmpty, "the late text is dropped")
        #expect(try w.b.store.loadRecord(ref)?.erased == true)
        try w.a.sync()
        let digest = try w.h.server.service.digest(store: "store-a")
        #expect(try w.a.store.stateDigest() == digest && w.b.store.stateDigest() == digest)
    }

    /// R-PRIV-22: a device purges on the periods its server announces, not on the defaults:
    /// a server that keeps drafts 7 days has its tills erase a draft after 8 (on the old code
    /// the till waited for the default 30); a server under `--no-retention` has them erase
    /// nothing; before a device has heard from its server it keeps the defaults.
    @Test func aDevicePurgesOnThePeriodsItsServerAnnounces() throws {
        let periods = RetentionPolicy(closedDays: 90, draftDays: 7, feedbackCommentDays: 60)
        for announced in [periods, nil] as [RetentionPolicy?] {
            let h = try SyncHarness(retention: announced)
            try h.setUpStores([("store-a", "noord")])
            let till = try h.enroll("store-a", name: "till-a")
            #expect(try DeviceSync.retentionPolicy(till.store) == .defaults, "before it has heard, the defaults")
            let ref = RecordRef(kind: .signal, id: RecordID.random())
            let now = HybridClock.physicalNowMillis()
            let draft = SignalDraft(store: "store-a", observedAt: Int64(now), reporter: "kassa-1", indicators: ["withdrawn"], note: "concept", submit: false)
            try till.store.appendLocal(record: ref, author: author, body: .changes(try draft.changes()), physicalMillis: now)
            try till.sync()
            #expect(try DeviceSync.retentionPolicy(till.store) == announced, "after a sync, the server's periods")
            let info = try h.admin.call("GET", "v1/info", as: InfoResponse.self)
            #expect(info.retention == RetentionPeriods(announced))
            let eightDays = now + 8 * UInt64(Self.day)
            let erased = try DeviceSync.purgeExpired(till.store, now: eightDays)
            #expect(erased == (announced == nil ? [] : [ref]), "announced \(String(describing: announced)): erased \(erased)")
            #expect(try DeviceSync.purgeExpired(till.store, now: now + 400 * UInt64(Self.day)).isEmpty, "nothing more, and nothing at all without retention")
        }
    }

    /// R-PRIV-20: a device offline for months purges on its own clock without any network;
    /// once back, its erases and the server's of the same records converge.
    @Test func anOfflineDevicePurgesOnItsOwnClock() throws {
        let w = try World()
        let note = "Offline-\(UUID().uuidString)"
        let ref = try w.a.recordSignal(note: note)
        try w.a.sync()
        try w.close(ref)
        try w.b.sync()
        let later = HybridClock.physicalNowMillis() + 181 * UInt64(Self.day)
        #expect(try DeviceSync.purgeExpired(w.b.store, now: later - 2 * UInt64(Self.day)).isEmpty, "not before its time")
        #expect(try DeviceSync.purgeExpired(w.b.store, now: later) == [ref])
        #expect(try w.b.store.loadRecord(ref)?.erased == true)
        let file = try Data(contentsOf: URL(fileURLWithPath: w.b.store.path))
        #expect(file.range(of: Data(note.utf8)) == nil, "the note left the till's file")
        w.move(days: 181)
        try w.h.server.service.purgeExpired()
        w.h.clock.offset.withLock { $0 = 182 * Self.day }  // the till's erase is stamped at its clock: no longer ahead
        try w.b.sync(); try w.a.sync()
        let digest = try w.h.server.service.digest(store: "store-a")
        #expect(try w.a.store.stateDigest() == digest && w.b.store.stateDigest() == digest)
    }

    /// R-PRIV-19, issue 11: a comment's retention clears the comment and keeps the feedback:
    /// score and category stay (NPS figures keep counting it), the text leaves every file of
    /// the server and of both tills, and a till offline past the period clears it on its own
    /// clock; once synced, everyone agrees, and the restore of a backup taken before does not
    /// bring the text back.
    @Test func aCommentsRetentionClearsTheCommentAndKeepsTheScore() throws {
        let w = try World()
        let comment = "Opmerking-\(UUID().uuidString)", ref = RecordRef(kind: .feedback, id: RecordID.random())
        try w.a.store.appendLocal(record: ref, author: author, body: .changes(try FeedbackDraft(
            store: "store-a", givenAt: Int64(HybridClock.physicalNowMillis()), category: "queue-at-till", nps: 3, comment: comment).changes()))
        // A second write supersedes the first text: both texts must go.
        let first = try #require(try w.a.store.loadRecord(ref))
        try w.a.store.appendLocal(record: ref, author: author, body: .changes([.set(field: "comment", value: .string(comment + "-bis"), supersedes: first.heads("comment"))]))
        try w.a.sync(); try w.b.sync()
        _ = try w.h.admin.call("POST", "v1/admin/backups", as: BackupResponse.self)
        // Till B is offline past the period and clears the comment on its own clock.
        let later = HybridClock.physicalNowMillis() + 366 * UInt64(Self.day)
        #expect(try DeviceSync.purgeExpired(w.b.store, now: later).isEmpty, "nothing erased")
        w.move(days: 366)
        #expect(try w.h.server.service.purgeExpired().erased == ["feedback-comment": 1])
        #expect(try w.h.server.service.purgeExpired().total == 0, "a comment is cleared once")
        w.h.clock.offset.withLock { $0 = 367 * Self.day }  // till B's write is no longer ahead
        try w.a.sync(); try w.b.sync(); try w.a.sync()
        let digest = try w.h.server.service.digest(store: "store-a")
        for d in [w.a, w.b] {
            let kept = try #require(try d.store.loadRecord(ref))
            // Two clearing writes (the till's, the server's) may both stay as heads: neither holds text.
            #expect(!kept.erased && kept.value("comment") == .null && !RetentionPolicy.holdsText(kept, "comment"), "\(kept)")
            #expect(kept.value("nps") == .int(3) && kept.string("category") == "queue-at-till")
            #expect(try d.store.stateDigest() == digest)
            let file = try Data(contentsOf: URL(fileURLWithPath: d.store.path))
            #expect(file.range(of: Data(comment.utf8)) == nil, "the comment left \(d.store.replica)'s file")
        }
        let kept = try #require(try w.h.server.service.records(kind: .feedback).first { $0.ref == ref })
        #expect(!kept.erased && kept.value("nps") == .int(3), "the server keeps the score")
        w.h.stop()
        let files = try FileManager.default.subpathsOfDirectory(atPath: w.h.dir.path).map { w.h.dir.appendingPathComponent($0) }
        let left = try files.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .filter { try Data(contentsOf: $0).range(of: Data(comment.utf8)) != nil }.map(\.lastPathComponent)
        #expect(left.isEmpty, "the comment survives in \(left) (the backup included, R-PRIV-34)")
    }

    /// R-PRIV-18/20 with the built binary and `faketime`: a draft with a canary, synced. A
    /// month later (faketime +31d) the tablet's first command erases it from its file without
    /// a network; the server started a month later purges it at start; they agree.
    @Test func theBinaryPurgesAtStartAndOnTheDeviceWithAMovedClock() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/faketime") else {
            Issue.record("faketime is missing: run Tools/install-deps.sh")
            return
        }
        var s = try WipeTests.Setup()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let note = "Maandoud-\(UUID().uuidString)"
        #expect(try s.device(["signal", "--indicators", "withdrawn", "--note", note, "--draft"]).status == 0)
        #expect(try s.device(["sync"]).status == 0)
        #expect(try s.serverFilesHolding(note).isEmpty == false)
        s.stop()
        // The `faketime` wrapper forks: ServeProcess signals the server, its child, too.
        let later = ["/usr/bin/faketime", "-f", "+31d"]
        let listed = try CLITests.run(["device", "list", "--db", s.deviceDB], prefix: later)
        #expect(listed.status == 0, "\(listed.err)")
        #expect(try s.deviceFilesHolding(note).isEmpty, "the offline tablet erased the month-old draft from its files")
        try s.start(prefix: later)
        #expect(try s.serverFilesHolding(note).isEmpty, "the server purged it when it started")
        try s.pointDevice(s.deviceDB)
        let synced = try CLITests.run(["device", "sync", "--json", "--db", s.deviceDB], prefix: later)
        #expect(synced.status == 0, "\(synced.err)")
        let fresh = s.dir.appendingPathComponent("fresh.sqlite").path
        _ = try s.enrollAnother(at: fresh)
        let digest = (try JSONSerialization.jsonObject(with: Data(synced.out.utf8)) as? [String: Any])?["digest"] as? String
        let snapshot = try s.deviceJSON(["status"], db: fresh)["digest"] as? String
        #expect(digest != nil && digest == snapshot, "the tablet and the server agree")
        #expect(s.server.terminate() == 0, "the server under a moved clock stops on SIGTERM: \(s.server.stderr.suffix(300))")
    }
}
