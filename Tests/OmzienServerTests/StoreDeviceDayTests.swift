import Foundation
import OmzienClient
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
