import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import Testing

/// Issue 11, one canary for the whole system (Protocol/PRIVACY.md R-PRIV-33): one unique text
/// in a note, a contact, a case note, a decline reason and a feedback comment, taken through
/// record, sync to two devices, a partner pull, a CSV export, a server recording, a backup and
/// an erase (and, separately, retention with a moved clock), is afterwards in 0 bytes of every
/// file the system wrote (server database, WAL, SHM, device files, recordings, the backup,
/// the database restored from it), while the audit chain verifies and the digests agree.
struct CanaryTests {
    /// Every file under `dir`, with the text a file holds: raw bytes, and for a session log
    /// (gzip) the bytes of every recorded request and response.
    static func filesHolding(_ canary: String, under dir: URL, except: Set<String> = []) throws -> [String] {
        let needle = Array(canary.utf8)
        var found: [String] = []
        let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in walker where (try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile ?? false) {
            let name = url.path.replacingOccurrences(of: dir.path + "/", with: "")
            guard !except.contains(name) else { continue }
            let bytes = [UInt8](try Data(contentsOf: url))
            var hit = bytes.containsSubsequence(needle)
            if !hit, name.hasSuffix(".jsonl.gz") {
                let log = try SessionLogReader.read(path: url.path)
                hit = log.exchanges.contains { ($0.request ?? []).containsSubsequence(needle) || ($0.response ?? []).containsSubsequence(needle) }
            }
            if hit { found.append(name) }
        }
        return found
    }

    /// How the canary's records end.
    enum Ending {
        /// A till erases both records.
        case erase
        /// The server's clock moves 366 days on and its retention purge erases them (the
        /// referral was declined: 180 days; the comment: 365 days).
        case retention
    }

    @Test("R-PRIV-33, R-PRIV-34: a canary in every text field leaves no byte behind after the erase, backups included")
    func aCanaryLeavesNoByteBehind() throws { try canary(ending: .erase) }

    @Test("R-PRIV-33, R-PRIV-34: a canary in every text field leaves no byte behind after retention with a moved clock, backups included")
    func aCanaryLeavesNoByteBehindAfterRetention() throws { try canary(ending: .retention) }

    func canary(ending: Ending) throws {
        let canary = "Kanarie\(UUID().uuidString.prefix(13).replacingOccurrences(of: "-", with: ""))"
        let recordings = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-canary-rec-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: recordings) }
        // As `serve --record DIR` records by default: pseudonymised under a key from the
        // server secret (R-PRIV-3); here a random key of the same size.
        var recording = SessionRecorder.Options()
        recording.pseudonymKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let h = try SyncHarness(recordTo: recordings.path, recordOptions: recording)
        try h.setUpStores([("store-a", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-a", name: "till-b")
        let author = AuthorID(trusted: "kassa-1")

        // Record: a signal with the canary in its note and contact, feedback with it in the comment.
        let signal = RecordRef(kind: .signal, id: RecordID.random()), feedback = RecordRef(kind: .feedback, id: RecordID.random())
        let now = Int64(HybridClock.physicalNowMillis())
        try a.store.appendLocal(record: signal, author: author, body: .changes(try SignalDraft(
            store: "store-a", observedAt: now, reporter: "kassa-1", indicators: ["mentions-alone"], urgency: "soon",
            note: "Mevrouw \(canary) komt elke dag", consent: "given", contact: "06 \(canary)").changes()))
        try a.store.appendLocal(record: feedback, author: author, body: .changes(try FeedbackDraft(
            store: "store-a", givenAt: now, category: "queue-at-till", nps: 4, comment: "Opmerking \(canary)").changes()))
        try a.sync(); try b.sync()

        // The partner: a case note and a decline reason, a pull and a CSV export.
        _ = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "accepted", caseNote: "Casus \(canary)"), as: ReferralView.self)
        // The partner's CSV export of its open referrals (its own file: R-PART-5 tells it to delete it).
        let csv = try CLITests.run(["partner", "list", "--csv"], environment: ["OMZIEN_SERVER": h.baseURL.absoluteString, "OMZIEN_PARTNER_TOKEN": created.token])
        #expect(csv.status == 0 && csv.out.contains(canary), "the export carries it: \(csv.err)")
        _ = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "declined", declineReason: "Reden \(canary)"), as: ReferralView.self)
        let page = try wz.call("GET", "v1/partner/referrals", query: ["cursor": ""], as: ReferralPage.self)
        #expect(page.referrals.first { $0.id == signal.id.rawValue }?.note?.contains(canary) == true, "the partner receives the note")
        try a.sync(); try b.sync()
        // Drop-box (R-PRIV-31/32): the tills never keep the note or contact; the case note
        // never reaches them (R-PART-3).
        for till in [a, b] {
            let kept = try #require(try till.store.loadRecord(signal))
            #expect(kept.value("note") == .withheld && kept.value("contact") == .withheld)
        }

        // A backup, before the records end.
        let backup = try h.admin.call("POST", "v1/admin/backups", as: BackupResponse.self)
        let backups = URL(fileURLWithPath: backup.path).deletingLastPathComponent()
        #expect(try !Self.filesHolding(canary, under: backups).isEmpty, "the backup holds it (the test can see it)")
        switch ending {
        case .erase:
            try b.store.appendLocal([.init(record: signal, author: author, body: .erase), .init(record: feedback, author: author, body: .erase)])
            try b.sync(); try a.sync()
        case .retention:
            h.clock.offset.withLock { $0 = 366 * 86_400_000 }
            #expect(try h.server.service.purgeExpired().erased == ["declined": 1, "feedback-comment": 1])
            try a.sync(); try b.sync()
        }
        for till in [a, b] {
            #expect(try till.store.loadRecord(signal)?.erased == true)
            let kept = try #require(try till.store.loadRecord(feedback))
            // Erased by the till; a comment's retention keeps the feedback without it (R-PRIV-19).
            #expect(ending == .erase ? kept.erased : !kept.erased && kept.value("comment") == .null && kept.value("nps") == .int(4))
        }
        let digest = try h.server.service.digest(store: "store-a")
        #expect(try a.store.stateDigest() == digest && b.store.stateDigest() == digest, "the tills agree with the server")
        // After 366 days the partner's token has expired (90 days): ask the service as that partner.
        let partner = Principal.partner(id: "wz-noord", region: "noord", tokenPrefix: "omz_p_test")
        #expect(try h.server.service.partnerReferral(partner, id: signal.id.rawValue).erased == true, "the partner is told to delete its copy (R-PART-5)")
        h.stop()
        // R-PRIV-34: the backup taken before the end holds none of it any more.
        #expect(try Self.filesHolding(canary, under: backups).isEmpty, "the backup was scrubbed")
        let db = h.dir.appendingPathComponent("server.sqlite").path
        let audit = try CLITests.run(["audit", "verify", "--db", db])
        #expect(audit.status == 0 && audit.out.contains("intact"), "the audit chain verifies after the end: \(audit.out)\(audit.err)")

        // The restore of the backup taken before the end re-applies it (the erasure ledger).
        let restored = try CLITests.run(["admin", "restore", backup.path, "--db", db])
        #expect(restored.status == 0 && restored.out.contains("re-applied 2 erasures"), "\(restored.out)\(restored.err)")
        let reopened = try SyncService(path: db)
        #expect(try reopened.digest(store: "store-a") == digest, "the restored server agrees with the tills")
        reopened.stop()

        // Every file the system wrote: the server's (database, WAL, SHM, the database kept
        // before the restore, the backup, the ledger, the head file), the tills', the recordings.
        let left = try Self.filesHolding(canary, under: h.dir) + Self.filesHolding(canary, under: recordings)
        #expect(left.isEmpty, "the canary survives in \(left)")
        let files = try FileManager.default.subpathsOfDirectory(atPath: h.dir.path).count + FileManager.default.subpathsOfDirectory(atPath: recordings.path).count
        #expect(files >= 8, "the search looked at the server's, the tills' and the recorder's files (\(files))")
    }
}
