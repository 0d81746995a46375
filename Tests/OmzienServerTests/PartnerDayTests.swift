import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import Testing

/// A welfare worker's day, end to end with the built binary (issue 12 items 4, 7 and 8;
/// PARTNERS.md R-PART-20..29): a store's till records signals, the worker looks, exports for
/// the case system, follows up, declines, reopens, keeps case notes, and the store sees what
/// it should.
@Suite(.serialized)
struct PartnerDayTests {
    let h: SyncHarness
    let env: [String: String]
    let till: String
    /// The worker's working directory (cursor files land here).
    let home: URL

    init() throws {
        h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn Noord"), as: PartnerCreated.self)
        env = ["OMZIEN_SERVER": h.baseURL.absoluteString, "OMZIEN_PARTNER_TOKEN": created.token]
        home = h.dir.appendingPathComponent("worker")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        till = h.dir.appendingPathComponent("till.sqlite").path
        let code = try h.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self).code
        let enroll = try CLITests.run(["device", "enroll", "--server", h.baseURL.absoluteString, "--code", code, "--db", till, "--author", "kassa-1"])
        #expect(enroll.status == 0, "\(enroll.err)")
    }

    /// The cashier records a signal on the till and syncs; its id.
    func signal(_ note: String) throws -> String {
        let r = try CLITests.run(["device", "signal", "--db", till, "--indicators", "withdrawn", "--note", note, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])?["id"] as? String)
        #expect(try CLITests.run(["device", "sync", "--db", till]).status == 0)
        return id
    }

    /// The worker runs `omzien partner …` in their own directory.
    func partner(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = ["partner"] + args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.currentDirectoryURL = home
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func deviceView(_ id: String) throws -> [String: Any] {
        #expect(try CLITests.run(["device", "sync", "--db", till]).status == 0)
        let r = try CLITests.run(["device", "show", id, "--db", till, "--json"])
        #expect(r.status == 0, "\(r.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    /// Item 4 (R-PART-27): the store sees the status and the reason of a decline.
    @Test func theStoreSeesWhyAReferralWasDeclined() throws {
        let id = try signal("Komt elke dag")
        let declined = try partner(["update", id, "--state", "declined", "--reason", "buiten ons werkgebied"])
        #expect(declined.status == 0, "\(declined.err)")
        #expect(declined.out.contains("now declined: buiten ons werkgebied"), "\(declined.out)")
        let view = try deviceView(id)
        #expect(view["status"] as? String == "declined")
        #expect(view["declineReason"] as? String == "buiten ons werkgebied", "\(view)")
        let show = try CLITests.run(["device", "show", id, "--db", till])
        #expect(show.out.split(separator: "\n").contains { $0.hasPrefix("declineReason ") && $0.hasSuffix("buiten ons werkgebied") }, "device show: \(show.out)")
    }

    /// Item 7 (R-PART-26): a quick look does not empty the next export; each consumer has its
    /// own cursor; the output says what is new; `partner list` shows everything open.
    @Test func aQuickLookDoesNotEmptyTheCaseSystemExport() throws {
        let first = try signal("eerste"), second = try signal("tweede")
        let look = try partner(["pull"])
        #expect(look.status == 0, "\(look.err)")
        #expect(look.out.contains("2 new referrals since the start"), "\(look.out)")
        let export = try partner(["pull", "--csv"])
        #expect(export.status == 0, "\(export.err)")
        #expect(export.out.split(separator: "\n").count == 3, "the quick look took nothing from the export: \(export.out)")
        #expect(export.err.contains("2 new referrals"), "the summary goes to stderr, the CSV stays clean: \(export.err)")
        let again = try partner(["pull", "--csv"])
        #expect(again.out.split(separator: "\n").count == 1 && again.err.contains("No referrals changed since the last pull with cursor 'csv' at "), "\(again.out)\(again.err)")
        // A named consumer starts from the beginning; follow-up shows as such.
        _ = try partner(["update", first, "--state", "accepted"])
        let named = try partner(["pull", "--cursor-name", "case-system", "--json"])
        #expect(named.status == 0, "\(named.err)")
        #expect((try JSONSerialization.jsonObject(with: Data(named.out.utf8)) as? [Any])?.count == 2)
        #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent("omzien-partner-case-system.cursor").path))
        let table = try partner(["pull"])
        #expect(table.out.contains("1 with new follow-up since the last pull with cursor 'table'"), "\(table.out)")
        #expect(try partner(["pull", "--cursor-name", "Case System"]).status == 64)
        // Everything open, without moving any cursor.
        _ = try partner(["update", second, "--state", "declined", "--reason", "elders geholpen"])
        let list = try partner(["list"])
        #expect(list.status == 0, "\(list.err)")
        #expect(list.out.contains("1 open referral in your region") && list.out.contains(first) && !list.out.contains(second), "\(list.out)")
        #expect(try partner(["list", "--all"]).out.contains(second))
        let after = try partner(["pull", "--csv"])
        #expect(after.out.split(separator: "\n").count == 3, "list moved no cursor: \(after.out)")
    }

    /// Item 8 (R-PART-20): a referral is reopened only from closed or declined, so not twice;
    /// the API and the CLI say the same.
    @Test func reopeningTwiceIsRefusedInTheSameWordsByAPIAndCLI() throws {
        let id = try signal("x")
        #expect(try partner(["update", id, "--state", "closed", "--outcome", "home-visit"]).status == 0)
        #expect(try partner(["update", id, "--state", "reopened"]).status == 0)
        let twice = try partner(["update", id, "--state", "reopened"])
        #expect(twice.status == 65, "\(twice.out)\(twice.err)")
        let words = "the referral is 'reopened'; only a closed or declined referral can be reopened"
        #expect(twice.err.contains(words), "\(twice.err)")
        let wz = SyncClient(baseURL: h.baseURL, token: env["OMZIEN_PARTNER_TOKEN"]!, retry: .none)
        do {
            _ = try wz.call("POST", "v1/partner/referrals/\(id)/status", body: ReferralUpdateRequest(state: "reopened"), as: ReferralView.self)
            Issue.record("a second reopen was accepted")
        } catch let ClientError.problem(p) {
            #expect(p.status == 409 && p.detail == words, "\(p)")
        }
        #expect(try wz.call("GET", "v1/partner/referrals/\(id)", as: ReferralView.self).epoch == 1, "the epoch moved once")
        _ = try partner(["update", id, "--state", "accepted"])
        #expect(try partner(["update", id, "--state", "reopened"]).err.contains("the referral is 'accepted'; only a closed or declined referral can be reopened"))
    }

    /// Item 8 (R-PART-21): a reopen clears the outcome and the decline reason, for the partner
    /// and for the store.
    @Test func aReopenClearsTheOutcome() throws {
        let id = try signal("x")
        #expect(try partner(["update", id, "--state", "closed", "--outcome", "home-visit"]).status == 0)
        let reopened = try partner(["update", id, "--state", "reopened"])
        #expect(reopened.out.contains("now reopened.") && !reopened.out.contains("home-visit"), "\(reopened.out)")
        let declined = try partner(["update", id, "--state", "declined", "--reason", "geen capaciteit"])
        #expect(declined.out.contains("now declined: geen capaciteit") && !declined.out.contains("home-visit"), "\(declined.out)")
        #expect(try deviceView(id)["outcome"] == nil, "the store no longer sees the old outcome")
        #expect(try partner(["update", id, "--state", "reopened"]).status == 0)
        let show = try partner(["show", id])
        #expect(!show.out.contains("geen capaciteit") && !show.out.contains("home-visit") && show.out.contains("reopened (epoch 2)"), "\(show.out)")
        let view = try deviceView(id)
        #expect(view["declineReason"] == nil && view["status"] as? String == "reopened", "\(view)")
    }

    /// Item 8 (R-PART-22): a reason or an outcome on a state it does not belong to is refused,
    /// not silently written; a typo in the outcome lists the allowed ones.
    @Test func aReasonOrOutcomeOnTheWrongStateIsRefused() throws {
        let id = try signal("x")
        #expect(try partner(["update", id, "--state", "declined", "--reason", "buiten ons werkgebied"]).status == 0)
        let closing = try partner(["update", id, "--state", "closed", "--outcome", "other", "--reason", "iets anders"])
        #expect(closing.status == 65 && closing.err.contains("a declineReason goes with state 'declined' only"), "\(closing.err)")
        #expect(try partner(["show", id]).out.contains("buiten ons werkgebied"), "the decline reason is kept")
        let closeDeclined = try partner(["update", id, "--state", "closed", "--outcome", "other"])
        #expect(closeDeclined.status == 65 && closeDeclined.err.contains("the referral is 'declined'; reopen it first"), "\(closeDeclined.err)")
        let other = try signal("y")
        let accepting = try partner(["update", other, "--state", "accepted", "--outcome", "home-visit"])
        #expect(accepting.status == 65 && accepting.err.contains("an outcome goes with state 'closed' only"), "\(accepting.err)")
        let typo = try partner(["update", other, "--state", "closed", "--outcome", "home-vist"])
        #expect(typo.status == 65, "\(typo.err)")
        #expect(typo.err.contains("outcome 'home-vist' is not one of linked-to-activity, home-visit, referred-elsewhere, no-help-wanted, unreachable, other"), "\(typo.err)")
        let none = try partner(["update", other, "--state", "closed"])
        #expect(none.err.contains("closing needs an outcome, one of linked-to-activity"), "\(none.err)")
        // A decline without a reason is told in this command's words, not the API's `declineReason`.
        let unexplained = try partner(["update", other, "--state", "declined"])
        #expect(unexplained.status == 64 && unexplained.err.contains("declining needs --reason TEXT") && !unexplained.err.contains("declineReason"), "\(unexplained.err)")
    }

    /// Item 8 (R-PART-24, R-PART-25, R-PART-28): a case note without a state change (API and
    /// CLI `partner note`), read back (`partner notes`, GET …/notes), never at the store.
    @Test func caseNotesAreAddedWithoutAStateChangeAndReadBack() throws {
        let id = try signal("x")
        let secret = "Gesprek met buurvrouw-\(UUID().uuidString)\ntweede regel"
        let note = try partner(["note", id, secret, "--author", "partner:wz-noord:eline"])
        #expect(note.status == 0, "\(note.err)")
        #expect(try partner(["show", id]).out.contains("submitted (epoch 0)"), "a note changes no state")
        #expect(try partner(["update", id, "--state", "accepted", "--case-note", "Aangenomen door Eline"]).status == 0)
        let notes = try partner(["notes", id])
        #expect(notes.status == 0, "\(notes.err)")
        #expect(notes.out.contains("2 case notes") && notes.out.contains("partner:wz-noord:eline") && notes.out.contains("Aangenomen door Eline"), "\(notes.out)")
        #expect(notes.out.contains("  tweede regel"), "a note of several lines stays indented: \(notes.out)")
        let json = try partner(["notes", id, "--json"])
        let list = try JSONDecoder().decode(CaseNoteList.self, from: Data(json.out.utf8))
        #expect(list.notes.map(\.text) == [secret, "Aangenomen door Eline"])
        #expect(try partner(["note", id, "  "]).status == 65)
        #expect(try partner(["notes", "0123456789abcdef0123456789abcdef"]).status == 65, "unknown referral")
        // The store never receives it.
        #expect(try CLITests.run(["device", "sync", "--db", till]).status == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: till))
        #expect(data.range(of: Data("Gesprek met buurvrouw".utf8)) == nil)
        // Another region's partner cannot read or add notes.
        let zuid = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-zuid", region: "zuid", name: "Z"), as: PartnerCreated.self)
        let other = SyncClient(baseURL: h.baseURL, token: zuid.token, retry: .none)
        #expect(throws: ClientError.self) { _ = try other.call("GET", "v1/partner/referrals/\(id)/notes", as: CaseNoteList.self) }
        #expect(throws: ClientError.self) { _ = try other.call("POST", "v1/partner/referrals/\(id)/notes", body: CaseNoteRequest(text: "x"), as: CaseNote.self) }
    }

    /// Item 8 (R-PART-23): an author that is a name is refused with what is allowed.
    @Test func aNameAsAuthorIsRefusedSayingWhatIsAllowed() throws {
        let id = try signal("x")
        for args in [["update", id, "--state", "accepted", "--author", "Eline (buurtcoach)"], ["note", id, "tekst", "--author", "Eline (buurtcoach)"]] {
            let r = try partner(args)
            #expect(r.status == 65, "\(r.err)")
            #expect(r.err.contains("author 'Eline (buurtcoach)' is not a pseudonym") && r.err.contains("lowercase letters") && r.err.contains("partner:wz-noord:eline"), "\(r.err)")
        }
        #expect(try partner(["update", id, "--state", "accepted", "--author", "partner:wz-noord:eline"]).status == 0)

        // An unreachable server is not described as if this were a store device.
        let offline = try partner(["list", "--server", "http://127.0.0.1:1"])
        #expect(offline.status == 69 && offline.err.contains("cannot reach the server at http://127.0.0.1:1") && !offline.err.contains("device"), "\(offline.err)")
    }

    /// Item 8 (R-PART-29): a note of several lines keeps `show` readable: every line is a field
    /// or the indented continuation of one.
    @Test func multiLineNotesKeepShowReadable() throws {
        let id = try signal("Komt elke dag\nzegt weinig\nvraagt naar de buurvrouw")
        let show = try partner(["show", id])
        #expect(show.status == 0, "\(show.err)")
        let keys = ["referral", "store", "region", "observed", "urgency", "status", "indicators", "note", "consent", "contact", "outcome", "decline", "erased"]
        for line in show.out.split(separator: "\n") {
            #expect(keys.contains { line.hasPrefix($0 + " ") } || line.hasPrefix(String(repeating: " ", count: 11)), "a stray line in show: '\(line)'")
        }
        #expect(show.out.contains("           zegt weinig\n           vraagt naar de buurvrouw"), "\(show.out)")
    }

    /// R-PART-24 with SESSION-LOG.md: a recorded day with case notes replays, and its redacted
    /// copy holds no case-note text (request and answer bodies).
    @Test func aRecordedDayWithCaseNotesReplaysAndRedactsTheNotes() throws {
        let logs = h.dir.appendingPathComponent("logs")
        let recorded = try SyncHarness(recordTo: logs.path)
        try recorded.setUpStores([("store-a", "noord")])
        let created = try recorded.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "W"), as: PartnerCreated.self)
        let a = try recorded.enroll("store-a", name: "till-a")
        let signal = try a.recordSignal(note: "n")
        try a.sync()
        let env = ["OMZIEN_SERVER": recorded.baseURL.absoluteString, "OMZIEN_PARTNER_TOKEN": created.token]
        let secret = "Buurvrouw-\(UUID().uuidString.prefix(8))"
        #expect(try CLITests.run(["partner", "note", signal.id.rawValue, secret + "\nregel twee"], environment: env).status == 0)
        #expect(try CLITests.run(["partner", "notes", signal.id.rawValue], environment: env).out.contains(secret))
        #expect(try CLITests.run(["partner", "update", signal.id.rawValue, "--state", "closed", "--outcome", "home-visit"], environment: env).status == 0)
        #expect(try CLITests.run(["partner", "update", signal.id.rawValue, "--state", "reopened"], environment: env).status == 0)
        recorded.stop()
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: logs.path).first { $0.hasSuffix(".jsonl.gz") })
        let replay = try CLITests.run(["replay", logs.appendingPathComponent(file).path])
        #expect(replay.status == 0, "\(replay.out)\(replay.err)")
        let redacted = h.dir.appendingPathComponent("redacted.jsonl.gz").path
        #expect(try CLITests.run(["redact", logs.appendingPathComponent(file).path, redacted]).status == 0)
        let bodies = try SessionLogReader.read(path: redacted).exchanges.flatMap { ($0.request ?? []) + ($0.response ?? []) }
        let survived = bodies.containsSubsequence(Array(secret.utf8))
        #expect(!survived, "a case note survived redaction")
        let again = try CLITests.run(["replay", redacted])
        #expect(again.status == 0, "\(again.out)\(again.err)")
    }
}
