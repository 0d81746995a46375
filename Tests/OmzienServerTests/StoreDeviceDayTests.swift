import Foundation
import OmzienClient
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import OmzienTestSupport
import Testing

/// A cashier's day, end to end with the built binary (issue 12, "Store device"): record,
/// change and erase on a till, sync, and see that the till keeps syncing whatever was typed.
@Suite(.serialized)
struct StoreDeviceDayTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-cashier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Enrolls a till through the binary, as the cashier does; returns its database path.
    func enrollTill(_ h: SyncHarness, store: String, name: String) throws -> String {
        let code = try h.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: store), as: EnrollmentCodeResponse.self).code
        let db = path("\(name).sqlite")
        let enroll = try CLITests.run(["device", "enroll", "--server", h.baseURL.absoluteString, "--code", code, "--db", db, "--author", name])
        #expect(enroll.status == 0, "\(enroll.err)")
        return db
    }

    /// Records a signal through the binary and returns its id.
    func recordSignal(_ db: String, _ extra: [String] = []) throws -> String {
        let run = try CLITests.run(["device", "signal", "--db", db, "--indicators", "withdrawn", "--json"] + extra)
        #expect(run.status == 0, "\(run.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        return try #require(json["id"] as? String)
    }

    /// How many operations the till has not yet had acknowledged (`device status --json`).
    func unsent(_ db: String) throws -> Int {
        let run = try CLITests.run(["device", "status", "--db", db, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        return try #require(json["unsent"] as? Int)
    }

    /// Item 1 (SYNC.md R-DEV-1): a signal erased before its first sync does not wedge the till; the urgent signal
    /// with consent recorded after it still reaches the server, and so does everything later.
    @Test func anEraseBeforeTheFirstSyncDoesNotWedgeTheTill() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-1")
        let mistaken = try recordSignal(db, ["--note", "verkeerde klant"])
        _ = try recordSignal(db, ["--urgency", "urgent", "--consent", "given", "--contact", "06-12345678"])
        let erase = try CLITests.run(["device", "update", mistaken, "--erase", "--db", db])
        #expect(erase.status == 0, "\(erase.err)")
        let sync = try CLITests.run(["device", "sync", "--db", db])
        #expect(sync.status == 0, "the first sync after an erase: \(sync.out)\(sync.err)")
        #expect(try unsent(db) == 0)
        _ = try recordSignal(db, ["--note", "later op de dag"])
        let again = try CLITests.run(["device", "sync", "--db", db])
        #expect(again.status == 0, "every later sync: \(again.out)\(again.err)")
        #expect(try unsent(db) == 0)
    }

    /// Item 1, generated: random local actions (record, change, erase at every point, sync),
    /// then a sync; every till always drains its unsent operations.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func everyTillDrainsWhateverTheCashierDid(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-\(seed)")
        var live: [String] = []
        var script: [String] = []
        for _ in 0..<8 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4:
                live.append(try recordSignal(db, Bool.random(using: &rng) ? ["--draft"] : []))
                script.append("record")
            case 4..<6 where !live.isEmpty:
                let id = live.randomElement(using: &rng)!
                let run = try CLITests.run(["device", "update", id, "--note", "bijgewerkt", "--db", db])
                #expect(run.status == 0, "\(run.err)")
                script.append("update")
            case 6..<8 where !live.isEmpty:
                let id = live.remove(at: Int.random(in: 0..<live.count, using: &rng))
                let run = try CLITests.run(["device", "update", id, "--erase", "--db", db])
                #expect(run.status == 0, "\(run.err)")
                script.append("erase")
            default:
                let run = try CLITests.run(["device", "sync", "--db", db])
                #expect(run.status == 0, "seed \(seed) after \(script): \(run.out)\(run.err)")
                script.append("sync")
            }
        }
        let sync = try CLITests.run(["device", "sync", "--db", db])
        #expect(sync.status == 0, "seed \(seed) after \(script): \(sync.out)\(sync.err)")
        #expect(try unsent(db) == 0, "seed \(seed) after \(script)")
    }
}

extension StoreDeviceDayTests {
    /// Item 3: the ids `device list` prints work in `show` and `update` (any unique prefix, like
    /// git), `show` finds the kind itself, and a chat moment is called `chat-moment` everywhere.
    @Test func theIdsTheListShowsWorkEverywhere() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-ids")
        let signal = try recordSignal(db, ["--note", "eerste"])
        #expect(try CLITests.run(["device", "feedback", "--db", db, "--category", "queue-at-till", "--nps", "7"]).status == 0)
        #expect(try CLITests.run(["device", "chat", "--db", db, "--lane", "2"]).status == 0)
        let list = try CLITests.run(["device", "list", "--db", db])
        #expect(list.status == 0, "\(list.err)")
        let rows = list.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        let shownSignal = try #require(rows.first { $0.first == "signal" }?[1])
        let shownFeedback = try #require(rows.first { $0.first == "feedback" }?[1])
        #expect(signal.hasPrefix(shownSignal) && shownSignal.count < signal.count)
        #expect(rows.contains { $0.first == "chat-moment" }, "one name for the kind: \(list.out)")
        #expect(list.out.contains("1 conversation") && !list.out.contains("1 conversations"), "\(list.out)")
        let show = try CLITests.run(["device", "show", shownSignal, "--db", db])
        #expect(show.status == 0 && show.out.contains(signal), "\(show.out)\(show.err)")
        let feedback = try CLITests.run(["device", "show", shownFeedback, "--db", db])
        #expect(feedback.status == 0 && feedback.out.contains("queue-at-till"), "show finds the kind itself: \(feedback.out)\(feedback.err)")
        let short = String(signal.prefix(6))
        let update = try CLITests.run(["device", "update", short, "--note", "tweede", "--db", db])
        #expect(update.status == 0 && update.out.contains(signal), "\(update.out)\(update.err)")
        let unknown = try CLITests.run(["device", "show", "zzzz", "--db", db])
        #expect(unknown.status == 65 && unknown.err.contains("device list"), "\(unknown.err)")
    }
}

extension StoreDeviceDayTests {
    /// Item 5: an unreachable server during enroll is reported for what it
    /// is (exit 69), without promising that anything "stays recorded on this device".
    @Test func anUnreachableServerIsToldForTheCommandThatMetIt() throws {
        let nowhere = "http://127.0.0.1:1"
        let enroll = try CLITests.run(["device", "enroll", "--server", nowhere, "--code", "abcd-efgh", "--db", path("never.sqlite")])
        #expect(enroll.status == 69, "\(enroll.status) \(enroll.err)")
        #expect(enroll.err.contains("unreachable") && !enroll.err.contains("stays recorded"), "\(enroll.err)")
    }
}

extension StoreDeviceDayTests {
    /// Points the till at another server (a stuck one), as a test can: the setting the enroll wrote.
    func pointTill(_ db: String, at url: URL) throws {
        let store = try ReplicaStore(path: db)
        try store.setSetting("server", url.absoluteString)
        store.close()
    }

    /// The signals a second till of the store sees after a sync: what reached the server.
    func signalsOnServer(_ h: SyncHarness, store: String) throws -> Set<String> {
        let check = try h.enroll(store, name: "check-\(UUID().uuidString.prefix(8))")
        defer { check.store.close() }
        try check.sync()
        return Set(try check.store.records(kind: .signal).map(\.ref.id.rawValue))
    }

    /// Item 2 (SYNC.md R-DEV-20): a sync stuck on a server that accepts and never answers does
    /// not hold the till's database, so the cashier's `device signal` in another process
    /// succeeds while it waits; the signal reaches the server with the next sync.
    @Test func recordingGoesOnWhileASyncWaitsForAStuckServer() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-stuck")
        let stuck = try SilentListener()
        try pointTill(db, at: stuck.url)
        let sync = try ServeProcess(["--db", db], expectListening: false, command: ["device", "sync"])
        #expect(stuck.waitForClient(), "the sync reached the stuck server: \(sync.stdout)\(sync.stderr)")
        #expect(sync.process.isRunning, "the sync is waiting for an answer")
        let id = try recordSignal(db, ["--urgency", "urgent", "--note", "tijdens een trage sync"])
        let chat = try CLITests.run(["device", "chat", "--db", db, "--lane", "1"])
        #expect(chat.status == 0, "\(chat.err)")
        _ = sync.terminate(signal: SIGKILL)
        stuck.close()
        try pointTill(db, at: h.baseURL)
        let again = try CLITests.run(["device", "sync", "--db", db])
        #expect(again.status == 0, "\(again.out)\(again.err)")
        #expect(try unsent(db) == 0)
        #expect(try signalsOnServer(h, store: "store-a").contains(id))
    }

    /// Item 2 (SYNC.md R-DEV-21): `device sync --watch` syncs a signal recorded while it runs
    /// without anyone typing `sync`, says once that the server went away and once that it is
    /// back, and stops on SIGTERM with exit 0, nothing lost.
    @Test func watchKeepsTheTillSyncedAndStopsOnSIGTERM() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-watch")
        let watch = try ServeProcess(["--db", db, "--every", "1"], expectListening: false, command: ["device", "sync", "--watch"])
        #expect(watch.waitForOutput("watching"), "\(watch.stdout)\(watch.stderr)")
        let id = try recordSignal(db, ["--note", "zonder sync te typen"])
        #expect(watch.waitForOutput("synced: sent 1 of 1"), "the change went out by itself: \(watch.stdout)\(watch.stderr)")
        #expect(try signalsOnServer(h, store: "store-a").contains(id))
        #expect(try unsent(db) == 0)
        // Offline: the server goes away; the till keeps recording and the watch says so once.
        let server = h.baseURL
        h.stop()
        let offline = try recordSignal(db, ["--note", "terwijl de server weg is"])
        #expect(watch.waitForOutput("offline: cannot reach"), "\(watch.stdout)\(watch.stderr)")
        let status = watch.terminate(signal: SIGTERM)
        #expect(status == 0, "SIGTERM stops the watch with exit 0: \(String(describing: status)) \(watch.stdout)\(watch.stderr)")
        #expect(watch.stdout.components(separatedBy: "offline:").count == 2, "one line for going offline: \(watch.stdout)")
        #expect(watch.stdout.contains("stopped"), "\(watch.stdout)")
        #expect(try unsent(db) == 1, "what was recorded offline is kept for the next sync")
        let show = try CLITests.run(["device", "show", offline, "--db", db])
        #expect(show.status == 0, "\(show.err)")
        _ = server
    }

    /// Item 2 (SYNC.md R-DEV-21), coming back: the server goes away while the watch runs, a
    /// signal is recorded offline, and the server comes back on the same address and file.
    /// The watch says once that it is back, and the signal goes out without anyone typing.
    @Test func watchSaysOnceWhenTheServerIsBackAndSendsWhatWaited() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-terug")
        let watch = try ServeProcess(["--db", db, "--every", "1"], expectListening: false, command: ["device", "sync", "--watch"])
        #expect(watch.waitForOutput("watching"), "\(watch.stdout)\(watch.stderr)")
        h.stop()
        let waited = try recordSignal(db, ["--note", "opgenomen terwijl de server weg was"])
        #expect(watch.waitForOutput("offline: cannot reach"), "\(watch.stdout)\(watch.stderr)")
        // The same file, the same port: what a restarted server looks like to the till.
        var http = HTTPServer.Configuration.testing()
        http.requestLog = nil
        http.port = h.port
        let again = try SyncServer(databasePath: h.dir.appendingPathComponent("server.sqlite").path, http: http, service: .init())
        defer { again.stop(deadline: .seconds(2)) }
        _ = try again.start()
        #expect(watch.waitForOutput("back online"), "\(watch.stdout)\(watch.stderr)")
        #expect(watch.waitForOutput("sent 1 of 1"), "\(watch.stdout)\(watch.stderr)")
        #expect(try unsent(db) == 0, "what waited went out by itself")
        let status = watch.terminate(signal: SIGTERM)
        #expect(status == 0, "\(String(describing: status)) \(watch.stdout)\(watch.stderr)")
        #expect(watch.stdout.components(separatedBy: "back online").count == 2, "one line for coming back: \(watch.stdout)")
        #expect(watch.stdout.components(separatedBy: "offline:").count == 2, "one line for going offline: \(watch.stdout)")
        let held = try again.service.records(kind: .signal).map(\.ref.id.rawValue)
        #expect(held.contains(waited), "the server holds the signal recorded offline")
    }

    /// Item 5 (SYNC.md R-DEV-22): `sync --json` prints a JSON error object when it fails, with
    /// the exit status in it, and says when there was nothing to push (`pending: 0`).
    @Test func aJSONSyncAnswersInJSONAlsoWhenItFails() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-json")
        let idle = try CLITests.run(["device", "sync", "--db", db, "--json"])
        #expect(idle.status == 0, "\(idle.err)")
        let idleJSON = try #require(try JSONSerialization.jsonObject(with: Data(idle.out.utf8)) as? [String: Any])
        #expect(idleJSON["pending"] as? Int == 0 && idleJSON["pushed"] as? Int == 0, "\(idle.out)")
        let human = try CLITests.run(["device", "sync", "--db", db])
        #expect(human.out.contains("nothing was waiting to be sent"), "\(human.out)")
        _ = try recordSignal(db)
        let stuckFree = try SilentListener()
        stuckFree.close()  // a port nobody listens on any more
        try pointTill(db, at: stuckFree.url)
        let failed = try CLITests.run(["device", "sync", "--db", db, "--json", "--no-retry"])
        #expect(failed.status == 69, "\(failed.status) \(failed.err)")
        let error = try #require(try JSONSerialization.jsonObject(with: Data(failed.out.utf8)) as? [String: Any], "stdout: '\(failed.out)'")
        #expect(error["error"] as? String == "unreachable" && error["exit"] as? Int == 69, "\(failed.out)")
        #expect((error["message"] as? String)?.contains("stays recorded on this device") == true, "\(failed.out)")
        #expect(failed.err.hasSuffix("\n") && failed.err.components(separatedBy: "\n").count == 2, "one line on stderr: '\(failed.err)'")
    }

    /// Item 5 (SYNC.md R-DEV-24): every failure exits with the README's status and a message
    /// that fits the command: 69 unreachable (a device "stays recorded", admin and partner
    /// "nothing was changed"), 65 a request the server found wrong, 1 a refused token, with
    /// advice for its kind and never "enroll the device again" for an admin or partner.
    @Test func everyFailureHasTheExitStatusOfTheREADME() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let gone = try SilentListener()
        gone.close()
        let nowhere = gone.url.absoluteString
        let admin = try CLITests.run(["admin", "list", "devices", "--server", nowhere, "--token", h.adminToken])
        #expect(admin.status == 69 && admin.err.contains("nothing was changed") && !admin.err.contains("stays recorded"), "\(admin.status) \(admin.err)")
        let partner = try CLITests.run(["partner", "list", "--server", nowhere, "--token", "omz_p_x"])
        #expect(partner.status == 69 && partner.err.contains("nothing was changed") && !partner.err.contains("stays recorded"), "\(partner.status) \(partner.err)")
        let server = h.baseURL.absoluteString
        let wrongData = try CLITests.run(["admin", "store", "add", "store-b", "--region", "nergens", "--name", "B", "--server", server, "--token", h.adminToken])
        #expect(wrongData.status == 65, "a store in an unknown region: \(wrongData.status) \(wrongData.err)")
        let fake = "omz_x_" + String(repeating: "y", count: 43)
        let refused = try CLITests.run(["admin", "list", "devices", "--server", server, "--token", fake])
        #expect(refused.status == 1 && !refused.err.contains("enroll"), "\(refused.status) \(refused.err)")
        #expect(refused.err.contains("omz_a_"), "says what an admin token looks like: \(refused.err)")
        let partnerToken = "omz_p_" + String(repeating: "y", count: 43)
        let refusedPartner = try CLITests.run(["partner", "list", "--server", server, "--token", partnerToken])
        #expect(refusedPartner.status == 1 && !refusedPartner.err.contains("enroll") && refusedPartner.err.contains("omzien admin partner token"),
                "\(refusedPartner.status) \(refusedPartner.err)")
        let usage = try CLITests.run(["device", "sync", "--watch", "--json"])
        #expect(usage.status == 64, "\(usage.status) \(usage.err)")
    }
}

extension StoreDeviceDayTests {
    /// Runs a device command with --json and returns its object (asserting exit 0).
    func json(_ args: [String]) throws -> [String: Any] {
        let run = try CLITests.run(args + ["--json"])
        #expect(run.status == 0, "\(args): \(run.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any], "\(args): '\(run.out)'")
    }

    /// Item 6: every command that records or changes something answers in JSON with `--json`
    /// (signal, update, erase, feedback, chat), and `device list` shortens erased ids too.
    @Test func everyRecordingCommandAnswersInJSON() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-json2")
        let signal = try recordSignal(db)
        let update = try json(["device", "update", signal, "--urgency", "soon", "--db", db])
        #expect(update["id"] as? String == signal && update["changes"] as? [String] == ["urgency"], "\(update)")
        let feedback = try json(["device", "feedback", "--category", "queue-at-till", "--nps", "3", "--db", db])
        let feedbackID = try #require(feedback["id"] as? String)
        #expect(feedback["kind"] as? String == "feedback" && feedback["operation"] != nil)
        let chat = try json(["device", "chat", "--lane", "4", "--count", "2", "--db", db])
        #expect(chat["count"] as? Int == 2 && chat["kind"] as? String == "chat-moment", "\(chat)")
        let erase = try json(["device", "update", signal, "--erase", "--db", db])
        #expect(erase["erased"] as? Bool == true && erase["id"] as? String == signal, "\(erase)")
        let list = try CLITests.run(["device", "list", "--db", db])
        #expect(list.out.contains(String(signal.prefix(12))) && !list.out.contains(signal), "erased ids are shortened like the others: \(list.out)")
        #expect(list.out.contains(String(feedbackID.prefix(12))), "\(list.out)")
    }

    /// Item 6: people read local dates and times, not epoch milliseconds; conflict values
    /// without nested quotes; "1 conversation" and "pushed 1 operation"; a note limit told in characters with the
    /// actual count; a future --day refused; and item 5: --consent refused --contact X says
    /// what the consent rule is instead of "a field is changed twice".
    @Test func whatTheCashierReadsIsInTheirWords() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let a = try enrollTill(h, store: "store-a", name: "kassa-a")
        let b = try enrollTill(h, store: "store-a", name: "kassa-b")
        // A draft: a submitted signal's note leaves the tills once the server holds it (PRIVACY.md R-PRIV-31).
        let id = try recordSignal(a, ["--note", "eerste", "--draft"])
        let first = try CLITests.run(["device", "sync", "--db", a])
        #expect(first.status == 0 && (first.out + first.err).contains("pushed 1 operation;"), "one operation, not '1 operations': \(first.out)\(first.err)")
        #expect(try CLITests.run(["device", "sync", "--db", b]).status == 0)
        #expect(try CLITests.run(["device", "update", id, "--note", "van kassa a", "--db", a]).status == 0)
        #expect(try CLITests.run(["device", "update", id, "--note", "van kassa b", "--db", b]).status == 0)
        for db in [a, b, a] { #expect(try CLITests.run(["device", "sync", "--db", db]).status == 0) }
        let show = try CLITests.run(["device", "show", id, "--db", a])
        #expect(show.status == 0, "\(show.err)")
        let observed = try #require(show.out.split(separator: "\n").first { $0.hasPrefix("observedAt") }, "\(show.out)")
        #expect(observed.range(of: #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"#, options: .regularExpression) != nil, "a local date and time: \(observed)")
        // Epoch milliseconds are 13 digits standing alone; a hex record id may hold 13 digits in a row.
        #expect(show.out.range(of: #"(?<![0-9a-f])\d{13}(?![0-9a-f])"#, options: .regularExpression) == nil, "no epoch milliseconds: \(show.out)")
        let conflictLine = try #require(show.out.split(separator: "\n").first { $0.hasPrefix("conflict") }, "a kept conflict: \(show.out)")
        #expect(!conflictLine.contains("\""), "no nested quotes: \(conflictLine)")
        #expect(conflictLine.contains("note = van kassa"), "\(conflictLine)")
        let conflicts = try CLITests.run(["device", "conflicts", "--db", a])
        #expect(conflicts.out.contains("van kassa") && !conflicts.out.contains("\""), "\(conflicts.out)")
        let chat = try CLITests.run(["device", "chat", "--lane", "1", "--db", a])
        #expect(chat.out.contains("1 conversation ") && !chat.out.contains("1 conversations"), "\(chat.out)")
        let long = String(repeating: "é", count: 1_200)
        let tooLong = try CLITests.run(["device", "update", id, "--note", long, "--db", a])
        #expect(tooLong.status == 65 && tooLong.err.contains("1200 characters") && tooLong.err.contains("1000 of these fit")
                && tooLong.err.contains("by 200 characters") && !tooLong.err.contains("bytes"), "\(tooLong.err)")
        let future = try CLITests.run(["device", "chat", "--lane", "1", "--day", "2999-01-01", "--db", a])
        #expect(future.status == 64 && future.err.contains("in the future"), "\(future.err)")
        for command in [["device", "update", id, "--consent", "refused", "--contact", "06-1234"],
                        ["device", "signal", "--indicators", "withdrawn", "--consent", "refused", "--contact", "06-1234"]] {
            let run = try CLITests.run(command + ["--db", a])
            #expect(run.status == 65 && run.err.contains("consent") && run.err.contains("--consent given") && !run.err.contains("twice"), "\(command): \(run.err)")
        }
    }

    /// Item 6: a feedback recorded wrongly is corrected (`device update ID --nps`) or erased,
    /// and the server (what another till of the store pulls) has the corrected or no feedback.
    @Test func feedbackCanBeCorrectedOrErased() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-fb")
        let wrong = try #require(try json(["device", "feedback", "--category", "queue-at-till", "--nps", "2", "--db", db])["id"] as? String)
        let mistaken = try #require(try json(["device", "feedback", "--category", "cleanliness", "--nps", "9", "--db", db])["id"] as? String)
        #expect(try CLITests.run(["device", "sync", "--db", db]).status == 0)
        let fix = try CLITests.run(["device", "update", String(wrong.prefix(8)), "--nps", "8", "--comment", "verkeerd getikt", "--db", db])
        #expect(fix.status == 0 && fix.out.contains("feedback"), "\(fix.out)\(fix.err)")
        let mixed = try CLITests.run(["device", "update", wrong, "--nps", "8", "--urgency", "soon", "--db", db])
        #expect(mixed.status == 64, "a signal option on a feedback: \(mixed.err)")
        #expect(try CLITests.run(["device", "update", mistaken, "--erase", "--db", db]).status == 0)
        #expect(try CLITests.run(["device", "sync", "--db", db]).status == 0)
        let check = try h.enroll("store-a", name: "check-fb")
        defer { check.store.close() }
        try check.sync()
        let seen = try check.store.records(kind: .feedback)
        let corrected = try #require(seen.first { $0.ref.id.rawValue == wrong })
        #expect(corrected.value("nps")?.intValue == 8 && corrected.string("comment") == "verkeerd getikt")
        #expect(seen.first { $0.ref.id.rawValue == mistaken }.map(\.erased) ?? true, "the erased feedback is gone or erased on the server")
    }

    /// Item 6 (MODEL.md R-MODEL-30): a miscounted chat moment is corrected with
    /// `device chat --remove N`, a PN-counter: two tills correcting concurrently while one
    /// also counts converge on counted − removed, and so does the server's copy (a new till's
    /// snapshot). A till cannot take back more than it shows.
    @Test func chatMomentCorrectionsFromTwoTillsAddUp() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let a = try enrollTill(h, store: "store-a", name: "kassa-ca")
        let b = try enrollTill(h, store: "store-a", name: "kassa-cb")
        #expect(try json(["device", "chat", "--lane", "3", "--count", "5", "--db", a])["count"] as? Int == 5)
        for db in [a, b] { #expect(try CLITests.run(["device", "sync", "--db", db]).status == 0) }
        // Offline, concurrently: a takes back 2, b takes back 1 and counts 3 more.
        #expect(try json(["device", "chat", "--lane", "3", "--remove", "2", "--db", a])["count"] as? Int == 3)
        #expect(try json(["device", "chat", "--lane", "3", "--remove", "1", "--db", b])["count"] as? Int == 4)
        #expect(try json(["device", "chat", "--lane", "3", "--count", "3", "--db", b])["count"] as? Int == 7)
        let tooMany = try CLITests.run(["device", "chat", "--lane", "3", "--remove", "4", "--db", a])
        #expect(tooMany.status == 65 && tooMany.err.contains("at most 3"), "\(tooMany.err)")
        for db in [a, b, a] { #expect(try CLITests.run(["device", "sync", "--db", db]).status == 0) }
        func count(_ db: String) throws -> Int? {
            let list = try CLITests.run(["device", "list", "--kind", "chat-moment", "--db", db, "--json"])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]])
            return rows.first?["count"] as? Int
        }
        #expect(try count(a) == 5 && count(b) == 5, "5 counted + 3 counted − 2 − 1 taken back")
        let check = try h.enroll("store-a", name: "check-chat")
        defer { check.store.close() }
        let serverCopy = try #require(try check.store.records(kind: .chatMoment).first)
        #expect(serverCopy.chatMomentCount == 5 && serverCopy.count("removed") == 3, "the server's snapshot has the corrected count")
        let digests = try [a, b].map { try json(["device", "status", "--db", $0])["digest"] as? String }
        #expect(digests[0] == digests[1], "both tills converge")
    }
}

extension StoreDeviceDayTests {
    /// Item 2 (SYNC.md R-DEV-21): SIGTERM while the watch waits on a server that never answers
    /// stops it at once (no step is open during a network wait) with exit 0, and the cashier
    /// recorded meanwhile; everything is still there for the next sync.
    @Test func watchStopsOnSIGTERMWhileTheServerHangs() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let db = try enrollTill(h, store: "store-a", name: "kassa-hang")
        let stuck = try SilentListener()
        try pointTill(db, at: stuck.url)
        let watch = try ServeProcess(["--db", db], expectListening: false, command: ["device", "sync", "--watch"])
        #expect(stuck.waitForClient(), "the watch reached the stuck server: \(watch.stdout)\(watch.stderr)")
        let id = try recordSignal(db, ["--note", "terwijl de server hangt"])
        let status = watch.terminate(signal: SIGTERM)
        #expect(status == 0, "\(String(describing: status)) \(watch.stdout)\(watch.stderr)")
        #expect(watch.stdout.contains("stopped"), "\(watch.stdout)")
        stuck.close()
        try pointTill(db, at: h.baseURL)
        #expect(try CLITests.run(["device", "sync", "--db", db]).status == 0)
        #expect(try signalsOnServer(h, store: "store-a").contains(id))
    }
}
