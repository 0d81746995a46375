import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import Testing

/// Issue 13, response-time targets (Protocol/PARTNERS.md R-PART-30..34).
struct DashboardTargetsTests {
    /// Milliseconds of a wall-clock time in Europe/Amsterdam.
    static func amsterdam(_ text: String) -> UInt64 {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Europe/Amsterdam")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return UInt64(f.date(from: text)!.timeIntervalSince1970 * 1000)
    }

    /// R-PART-31: working days are Monday to Friday, the clock time is kept, a weekend
    /// submission counts from Monday 00:00, a daylight-saving change does not shift the hour.
    @Test(arguments: [
        ("2026-12-03 15:00", "urgent", "2026-12-04 15:00"),   // Thursday + 1
        ("2026-12-04 15:00", "urgent", "2026-12-07 15:00"),   // Friday + 1 = Monday
        ("2026-12-05 10:00", "urgent", "2026-12-08 00:00"),   // Saturday: from Monday 00:00, + 1 = Tuesday 00:00
        ("2026-12-06 23:59", "soon", "2026-12-10 00:00"),     // Sunday + 3 = Thursday 00:00
        ("2026-12-07 09:30", "routine", "2026-12-21 09:30"),  // Monday + 10 = Monday two weeks on
        ("2026-10-23 15:00", "soon", "2026-10-28 15:00"),     // across the end of summer time (25 October)
        ("2026-12-07 09:30", "unknown", "2026-12-21 09:30"),  // an unknown urgency gets the routine target
    ])
    func deadlinesCountWorkingDaysInTheStoresTimeZone(submitted: String, urgency: String, due: String) {
        #expect(ResponseTargets.standard.deadline(submittedAt: Self.amsterdam(submitted), urgency: urgency) == Self.amsterdam(due))
    }

    /// R-PART-30: the time zone is configurable; 23:30 on a Friday in UTC is already Saturday
    /// in Amsterdam, so the two give different deadlines.
    @Test func theTimeZoneDecidesWhatAWorkingDayIs() throws {
        let fridayLateUTC: UInt64 = 1_796_427_000_000  // 2026-12-04 23:30 UTC, Saturday 00:30 in Amsterdam
        var utc = ResponseTargets.standard
        utc.timeZone = "UTC"
        #expect(utc.deadline(submittedAt: fridayLateUTC, urgency: "urgent") == fridayLateUTC + 3 * 86_400_000)  // Monday 23:30 UTC
        #expect(ResponseTargets.standard.deadline(submittedAt: fridayLateUTC, urgency: "urgent") == Self.amsterdam("2026-12-08 00:00"))
        #expect(throws: ResponseTargets.InvalidTargets.timeZone("Mars/Olympus")) { _ = try ResponseTargets(urgentDays: 1, soonDays: 3, routineDays: 10, timeZone: "Mars/Olympus").validated() }
        #expect(throws: ResponseTargets.InvalidTargets.days(urgency: "soon", 0)) { _ = try ResponseTargets(urgentDays: 1, soonDays: 0, routineDays: 10, timeZone: "UTC").validated() }
    }

    /// R-PART-33: the four states of a response clock; only `open` is undecided.
    @Test func theResponseClockSaysOpenOverdueMetInTimeOrMetLate() {
        let t = ResponseTargets.standard, s = Self.amsterdam("2026-12-03 15:00"), due = Self.amsterdam("2026-12-04 15:00")
        #expect(t.clock(submittedAt: s, urgency: "urgent", firstContactAt: nil, now: due) == ResponseClock(deadline: due, state: .open))
        #expect(t.clock(submittedAt: s, urgency: "urgent", firstContactAt: nil, now: due + 1).state == .overdue)
        #expect(t.clock(submittedAt: s, urgency: "urgent", firstContactAt: due, now: due + 99).state == .metInTime)
        #expect(t.clock(submittedAt: s, urgency: "urgent", firstContactAt: due + 1, now: due + 99).state == .metLate)
        #expect(!t.clock(submittedAt: s, urgency: "urgent", firstContactAt: nil, now: s).isDecided)
        #expect(t.clock(submittedAt: s, urgency: "urgent", firstContactAt: nil, now: due + 1).isDecided)
    }

    /// R-PART-30, R-PART-32, R-PART-34 through the API: seven urgent referrals in a store;
    /// three contacted at once (in time), then a week passes: one contacted late, one only
    /// accepted (not contact), one declined, one untouched. All seven are decided, three in time;
    /// the first-contact percentiles (four contacted) stay suppressed while the share shows.
    @Test func theReportGivesTheShareWithinTargetNextToThePercentiles() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        let d = try h.enroll("store-a", name: "till-a")
        let signals = try (0..<7).map { _ in try d.recordSignal(note: "n", urgency: "urgent") }
        try d.sync()
        func post(_ i: Int, _ state: String, reason: String? = nil) throws {
            _ = try wz.call("POST", "v1/partner/referrals/\(signals[i].id)/status", body: ReferralUpdateRequest(state: state, declineReason: reason), as: ReferralView.self)
        }
        for i in 0..<3 { try post(i, "contact-attempted") }
        var report = try h.admin.call("GET", "v1/reports/response-times", query: ["by": "store"], as: ResponseTimeReport.self)
        #expect(report.targets == .standard)
        #expect(report.groups.first?.withinTarget == nil, "3 decided is under the threshold: no share yet")
        h.clock.offset.withLock { $0 = 8 * 86_400_000 }  // past any one-working-day deadline
        try post(3, "accepted"); try post(3, "in-contact")  // late
        try post(4, "accepted")                             // accepted is not contact: overdue
        try post(5, "declined", reason: "not our area")     // declined is not contact: overdue
        report = try h.admin.call("GET", "v1/reports/response-times", query: ["by": "store"], as: ResponseTimeReport.self)
        let g = try #require(report.groups.first)
        #expect(g.referrals == 7)
        #expect(g.firstContactMinutes == nil, "only 4 were contacted: under the threshold")
        #expect(g.acceptedMinutes?.count == 5)
        #expect(g.withinTarget == .init(decided: 7, within: 3), "3 in time, 1 late, 3 overdue (accepted only, declined, untouched)")
        let region = try #require(try h.admin.call("GET", "v1/reports/response-times", query: ["by": "region"], as: ResponseTimeReport.self).groups.first)
        #expect(region.withinTarget == g.withinTarget)
    }

    /// R-PART-30: `serve` refuses an unknown time zone and a target out of range, naming them.
    @Test func serveRefusesTargetsItCannotMeasure() throws {
        let zone = try CLITests.run(["serve", "--db", ":memory:", "--target-time-zone", "Mars/Olympus"])
        #expect(zone.status == 64)
        #expect(zone.err.contains("'Mars/Olympus' is not a time zone"), "\(zone.err)")
        let days = try CLITests.run(["serve", "--db", ":memory:", "--target-urgent", "0"])
        #expect(days.status == 64)
        #expect(days.err.contains("--target-urgent must be a whole number in 1...60"), "\(days.err)")
    }
}
