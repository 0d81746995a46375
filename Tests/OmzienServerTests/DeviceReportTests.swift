import Foundation
import OmzienClient
import OmzienProtocol
import Testing

/// Issue 13, "the store sees its results" (PARTNERS.md R-WEB-38): `omzien device report`,
/// end to end with the built binary, from the till's own data, offline.
@Suite(.serialized)
struct DeviceReportTests {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-devreport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func omzien(_ args: [String]) throws -> String {
        let r = try CLITests.run(args)
        #expect(r.status == 0, "omzien \(args.joined(separator: " ")): \(r.err)")
        return r.out
    }

    /// R-WEB-38: three urgent signals, one only picked up and one contacted by the partner; feedback
    /// in two categories; chat moments in two weeks. After the sync, with the server gone, the
    /// till reports them (JSON and text). A draft and another store's data are not counted.
    @Test func theTillReportsItsOwnResultsOffline() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        let code = try h.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self).code
        let db = dir.appendingPathComponent("kassa-1.sqlite").path
        _ = try omzien(["device", "enroll", "--server", h.baseURL.absoluteString, "--code", code, "--db", db, "--author", "kassa-1"])
        var ids: [String] = []
        for _ in 0..<3 {
            let out = try omzien(["device", "signal", "--db", db, "--indicators", "withdrawn", "--urgency", "urgent", "--json"])
            ids.append(try #require((try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])?["id"] as? String))
        }
        _ = try omzien(["device", "signal", "--db", db, "--indicators", "withdrawn", "--draft"])
        for (category, nps) in [("queue-at-till", 10), ("queue-at-till", 9), ("queue-at-till", 3), ("cleanliness", 7)] {
            _ = try omzien(["device", "feedback", "--db", db, "--category", category, "--nps", "\(nps)"])
        }
        _ = try omzien(["device", "chat", "--db", db, "--lane", "1", "--count", "4", "--day", "2026-12-01"])
        _ = try omzien(["device", "chat", "--db", db, "--lane", "2", "--count", "3", "--day", "2026-12-03"])
        _ = try omzien(["device", "chat", "--db", db, "--lane", "1", "--count", "2", "--day", "2026-11-27"])
        // Another store's till: none of this is store-a's.
        let other = try h.enroll("store-b", name: "till-b")
        _ = try other.recordSignal(note: "n", urgency: "urgent")
        try other.sync()
        _ = try omzien(["device", "sync", "--db", db])
        _ = try wz.call("POST", "v1/partner/referrals/\(ids[0])/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
        _ = try wz.call("POST", "v1/partner/referrals/\(ids[1])/status", body: ReferralUpdateRequest(state: "contact-attempted"), as: ReferralView.self)
        _ = try omzien(["device", "sync", "--db", db])
        h.stop()  // offline from here on

        let json = try #require(try JSONSerialization.jsonObject(with: Data(try omzien(["device", "report", "--db", db, "--json"]).utf8)) as? [String: Any])
        #expect(json["store"] as? String == "store-a")
        let signals = try #require(json["signals"] as? [String: Any])
        #expect(signals["submitted"] as? Int == 3, "the draft is not a signal yet")
        #expect(signals["pickedUp"] as? Int == 2, "accepted, and contact-attempted (which is past accepted)")
        #expect(signals["contacted"] as? Int == 1)
        let pick = try #require(signals["medianHoursToPickUp"] as? Double)
        #expect(pick >= 0 && pick < 1, "picked up within the test run: \(pick)")
        let within = try #require(signals["withinTarget"] as? [String: Any])
        #expect(within["decided"] as? Int == 1 && within["within"] as? Int == 1, "the contacted one, in time; the others are still open")
        #expect(signals["open"] as? Int == 2)
        let feedback = try #require(json["feedback"] as? [[String: Any]])
        #expect(feedback.map { $0["category"] as? String } == ["all", "cleanliness", "queue-at-till"])
        #expect(feedback.map { $0["respondents"] as? Int } == [4, 1, 3])
        #expect(feedback.map { $0["nps"] as? Double } == [25, 0, 33.3], "all: 2 promoters, 1 detractor of 4; queues: 2 and 1 of 3")
        let chat = try #require(json["chatMoments"] as? [String: Any])
        #expect(chat["total"] as? Int == 9)
        let weeks = try #require(chat["weeks"] as? [[String: Any]])
        #expect(weeks.map { $0["week"] as? String } == ["2026-W48", "2026-W49"] && weeks.map { $0["count"] as? Int } == [2, 7])

        let text = try omzien(["device", "report", "--db", db])
        #expect(text.contains("Signals: 3 submitted, 2 picked up by the welfare partner, 1 contacted, 0 declined."), "\(text)")
        #expect(text.contains("contacted within the target: 1 of 1 (100%); 2 still within their time"), "\(text)")
        #expect(text.contains("queue-at-till") && text.contains("33.3"), "\(text)")
        #expect(text.contains("Chat moments: 9 in all.") && text.contains("2026-W48"), "\(text)")
    }

    /// R-WEB-38: a careless user: no database, a database without a store.
    @Test func aMissingDatabaseIsToldWhatToDo() throws {
        let r = try CLITests.run(["device", "report", "--db", dir.appendingPathComponent("none.sqlite").path])
        #expect(r.status == 64)
        #expect(r.err.contains("enroll first with 'omzien device enroll' or pass --db"), "\(r.err)")
    }
}
