import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienTestSupport
import Testing

/// Issue 13, head office's figures (Protocol/PARTNERS.md R-WEB-30..37): each figure through
/// the API, and for each the differencing attack of PRIVACY.md R-PRIV-6 played against it.
struct DashboardFiguresTests {
    static let threshold = 5

    /// A GET with a query, answering status, headers (lower-case names) and body.
    static func get(_ h: SyncHarness, _ path: String, _ query: [String: String] = [:], token: String? = nil) throws -> (status: Int, headers: [String: String], body: Data) {
        var c = URLComponents(url: h.baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { c.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        var req = URLRequest(url: c.url!)
        req.setValue("Bearer \(token ?? h.adminToken)", forHTTPHeaderField: "Authorization")
        let done = DispatchSemaphore(value: 0)
        let box = Unshared(NSMutableArray())
        URLSession.shared.dataTask(with: req) { data, response, _ in
            if let r = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (k, v) in r.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
                box.value.add([r.statusCode, headers, data ?? Data()])
            }
            done.signal()
        }.resume()
        done.wait()
        let a = try #require(box.value.firstObject as? [Any])
        return (a[0] as! Int, a[1] as! [String: String], a[2] as! Data)
    }

    static func figure(_ h: SyncHarness, _ name: String, _ query: [String: String] = [:]) throws -> DashboardReport {
        try h.admin.call("GET", "v1/reports/dashboard/\(name)", query: query, as: DashboardReport.self)
    }

    /// A remainder a caller can compute (a known total minus shown cells) is safe when it is
    /// 0 or at least the threshold.
    static func safe(_ remainder: Int) -> Bool { remainder == 0 || remainder >= threshold }

    static func recordFeedback(_ d: DeviceSync, category: String, scores: [Int], at millis: UInt64 = HybridClock.physicalNowMillis()) throws {
        for s in scores {
            let draft = FeedbackDraft(store: d.storeID, givenAt: Int64(millis), category: category, nps: Int64(s))
            try d.store.appendLocal(record: RecordRef(kind: .feedback, id: RecordID.random()), author: AuthorID(trusted: "kassa-1"), body: .changes(try draft.changes()))
        }
    }

    static func recordChats(_ d: DeviceSync, day: String, count: UInt64) throws {
        let key = try ChatMomentKey(store: d.storeID, lane: 1, day: day)
        try d.store.appendLocal(record: key.ref, author: AuthorID(trusted: "kassa-1"), body: .changes(key.increment(by: count)))
    }

    /// R-WEB-31, R-WEB-36: a region with 6 referrals this month and 2 in a later month.
    /// `response-times?by=region` shows 8, so showing this month's 6 would give the later 2 by
    /// subtraction: both months are suppressed. With 6 more later, both months show.
    @Test func responseTimesPerMonthHideTheMonthThatWouldGiveAwayASmallOne() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let d = try h.enroll("store-a", name: "till-a")
        for _ in 0..<6 { _ = try d.recordSignal(note: "n", urgency: "soon") }
        try d.sync()
        h.clock.offset.withLock { $0 = 40 * 86_400_000 }
        for _ in 0..<2 { _ = try d.recordSignal(note: "n", urgency: "soon") }
        try d.sync()
        let region = try h.admin.call("GET", "v1/reports/response-times", query: ["by": "region"], as: ResponseTimeReport.self)
        #expect(region.groups.map(\.referrals) == [8])
        var months = try Self.figure(h, "response-times")
        #expect(months.rows.count == 2)
        let shown = months.rows.compactMap(\.count).reduce(0, +)
        #expect(Self.safe(8 - shown), "region 8 minus the shown months \(months.rows.map { "\($0.period ?? ""):\($0.count.map(String.init) ?? "-")" }) leaves \(8 - shown)")
        #expect(months.rows.allSatisfy { $0.suppressed })
        #expect(months.rows.allSatisfy { $0.group == "noord" && $0.region == "noord" })

        for _ in 0..<6 { _ = try d.recordSignal(note: "n", urgency: "soon") }
        try d.sync()
        months = try Self.figure(h, "response-times", ["by": "partner"])
        #expect(months.rows.map(\.count) == [6, 8])
        #expect(months.rows.allSatisfy { $0.group == "(no partner: noord)" })
        #expect(months.targets == .standard && months.by == "partner")
        // The first month's referrals are long past a 3-day target with no contact: all decided, none within.
        #expect(months.rows.first?.withinTarget == .init(decided: 6, within: 0))
    }

    /// R-WEB-32, R-WEB-36: in one store and month, 7 respondents on queues and 2 on
    /// cleanliness. The `all` row shows 9 and its NPS; showing the queues' 7 would give the
    /// cleanliness 2 (and their NPS) by subtraction, so both categories are suppressed.
    @Test func feedbackByCategoryHidesTheCategoryThatWouldGiveAwayASmallOne() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "noord")])
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-b", name: "till-b")
        try Self.recordFeedback(a, category: "queue-at-till", scores: [10, 10, 9, 8, 7, 3, 2])
        try Self.recordFeedback(a, category: "cleanliness", scores: [0, 1])
        try Self.recordFeedback(b, category: "queue-at-till", scores: [9, 9, 9, 9, 9, 6])
        try Self.recordFeedback(b, category: "freshness", scores: [10, 10, 10, 10, 10])
        try Self.recordFeedback(b, category: "price-error", scores: [5, 5, 5])
        try a.sync(); try b.sync()
        let report = try Self.figure(h, "feedback")
        func rows(_ store: String) -> [DashboardReport.Row] { report.rows.filter { $0.group == store } }
        let allA = try #require(rows("store-a").first { $0.category == "all" })
        #expect(allA.count == 9)
        #expect(allA.nps == -11.1, "3 promoters, 4 detractors of 9")
        let categoriesA = rows("store-a").filter { $0.category != "all" }
        #expect(categoriesA.allSatisfy { $0.suppressed }, "\(categoriesA)")
        #expect(categoriesA.allSatisfy { $0.count == nil && $0.nps == nil })
        // store-b: 14 respondents; price-error (3) is suppressed, and with it the smallest shown (freshness 5).
        let allB = try #require(rows("store-b").first { $0.category == "all" })
        #expect(allB.count == 14)
        let shownB = rows("store-b").filter { $0.category != "all" }.compactMap(\.count).reduce(0, +)
        #expect(Self.safe(14 - shownB))
        #expect(rows("store-b").first { $0.category == "queue-at-till" }?.nps == 66.7, "5 promoters, 1 detractor of 6")
        #expect(rows("store-b").first { $0.category == "freshness" }?.suppressed == true)
        for r in report.rows where !r.suppressed { #expect((r.count ?? 0) >= Self.threshold) }
    }

    /// R-WEB-33, R-WEB-34, R-WEB-36: 20 chat moments in one ISO week and 3 in the next.
    /// `signal-rate` shows the store's 23, so showing the first week's 20 would give the 3:
    /// both weeks are suppressed.
    @Test func chatMomentsPerWeekHideTheWeekThatWouldGiveAwayASmallOne() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let d = try h.enroll("store-a", name: "till-a"), e = try h.enroll("store-a", name: "till-a2")
        try Self.recordChats(d, day: "2026-11-30", count: 12)  // Monday of 2026-W49
        try Self.recordChats(e, day: "2026-12-06", count: 8)   // Sunday of 2026-W49, another device
        try Self.recordChats(d, day: "2026-12-07", count: 3)   // Monday of 2026-W50
        try d.sync(); try e.sync()
        let rate = try Self.figure(h, "signal-rate")
        #expect(rate.rows.map(\.chatMoments) == [23])
        let weeks = try Self.figure(h, "chat-moments")
        #expect(weeks.rows.map(\.period) == ["2026-W49", "2026-W50"])
        #expect(Self.safe(23 - weeks.rows.compactMap(\.count).reduce(0, +)))
        #expect(weeks.rows.allSatisfy { $0.suppressed })
        try Self.recordChats(e, day: "2026-12-08", count: 5)
        try e.sync()
        #expect(try Self.figure(h, "chat-moments").rows.map(\.count) == [20, 8])
    }

    /// R-WEB-34, R-WEB-36: the issue's attack on the signal rate: 6, 6 and 2 signals in three
    /// stores of one region, each with 50 chat moments. The signal count of a store is shown
    /// exactly when `response-times?by=store` shows the store, and the rate only with it, so
    /// the region's 14 minus the shown counts (or rates × chat moments) gives nothing small.
    @Test func signalRateHidesWhatTheResponseTimeReportHides() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "noord"), ("store-c", "noord"), ("store-d", "noord")])
        for (store, n) in [("store-a", 6), ("store-b", 6), ("store-c", 2)] {
            let d = try h.enroll(store, name: "till-\(store)")
            for _ in 0..<n { _ = try d.recordSignal(note: "n") }
            try Self.recordChats(d, day: "2026-12-01", count: 50)
            try d.sync()
        }
        let quiet = try h.enroll("store-d", name: "till-store-d")
        try Self.recordChats(quiet, day: "2026-12-01", count: 4)  // no signals, too few chat moments to show
        try quiet.sync()
        let rate = try Self.figure(h, "signal-rate")
        let stores = try h.admin.call("GET", "v1/reports/response-times", query: ["by": "store"], as: ResponseTimeReport.self)
        #expect(rate.rows.map(\.group) == ["store-a", "store-b", "store-c", "store-d"])
        for g in stores.groups {
            let row = try #require(rate.rows.first { $0.group == g.key })
            #expect(row.count == g.referrals, "\(g.key): the signal count is shown exactly when the response-time report shows it")
            #expect((row.signalsPer100ChatMoments != nil) == (g.referrals != nil))
        }
        let derived = 14 - rate.rows.compactMap(\.count).reduce(0, +)
        #expect(Self.safe(derived), "region 14 minus the shown signal counts leaves \(derived)")
        let shownRates = rate.rows.compactMap { r in r.signalsPer100ChatMoments.map { (r.group, $0) } }
        #expect(shownRates.count == 1 && shownRates[0].1 == 12, "one six shown: 6 per 50 = 12 per 100")
        let d = try #require(rate.rows.last)
        #expect(d.suppressed && d.chatMoments == nil && d.count == 0 && d.signalsPer100ChatMoments == nil, "\(d)")
    }

    /// R-WEB-36 over generated data: every shown count is at least the threshold, and every
    /// known total minus the shown cells under it is 0 or at least the threshold, in every figure.
    @Test func noSuppressedFigureIsDerivableInGeneratedDashboards() throws {
        var rng = SplitMix64(seed: 1313)
        let targets = ResponseTargets.standard
        let categories = ["queue-at-till", "out-of-stock", "cleanliness", "freshness"]
        let start: UInt64 = 1_780_000_000_000
        for round in 0..<300 {
            let t = Int.random(in: 5...7, using: &rng)
            var referrals: [ReportSuppression.Referral] = [], feedback: [DashboardFigures.Feedback] = [], chats: [DashboardFigures.ChatMoments] = []
            for r in 0..<Int.random(in: 1...3, using: &rng) {
                for s in 0..<Int.random(in: 1...4, using: &rng) {
                    let store = "s\(r)-\(s)"
                    for _ in 0..<Int.random(in: 0...14, using: &rng) {
                        let at = start + UInt64.random(in: 0...(100 * 86_400_000), using: &rng)
                        let contact: UInt64? = Bool.random(using: &rng) ? at + UInt64.random(in: 0...(9 * 86_400_000), using: &rng) : nil
                        referrals.append(.init(store: store, region: "r\(r)", partner: nil, accepted: nil, contact: contact.map { Double($0 - at) / 60_000 },
                                               submittedAt: at, urgency: "soon", clock: targets.clock(submittedAt: at, urgency: "soon", firstContactAt: contact, now: start + 120 * 86_400_000)))
                    }
                    for _ in 0..<Int.random(in: 0...30, using: &rng) {
                        feedback.append(.init(store: store, region: "r\(r)", givenAt: start + UInt64.random(in: 0...(70 * 86_400_000), using: &rng),
                                              category: categories.randomElement(using: &rng)!, nps: Int.random(in: 0...10, using: &rng)))
                    }
                    for day in 1...Int.random(in: 1...20, using: &rng) {
                        chats.append(.init(store: store, region: "r\(r)", day: String(format: "2026-11-%02d", day), count: Int.random(in: 0...4, using: &rng)))
                    }
                }
            }
            let f = DashboardFigures(threshold: t, targets: targets, referrals: referrals, feedback: feedback, chatMoments: chats)
            let all = [f.responseTimes(by: "region"), f.feedbackByCategory(), f.chatMomentsByWeek(), f.signalRate()]
            for report in all {
                for row in report.rows {
                    for n in [row.count, row.firstContactMinutes?.count, row.withinTarget?.decided, row.chatMoments].compactMap({ $0 }) where n > 0 || report.figure != "signal-rate" {
                        #expect(n >= t, "round \(round), \(report.figure) \(row.group) \(row.period ?? ""): shows \(n) < \(t)")
                    }
                    if row.suppressed && report.figure != "signal-rate" {
                        #expect(row.count == nil && row.nps == nil && row.firstContactMinutes == nil && row.withinTarget == nil, "round \(round): suppressed \(row) shows a figure")
                    }
                }
            }
            /// A total under the threshold is itself never shown, so only larger ones can be subtracted from.
            func check(_ total: Int, _ shown: [Int?], _ what: String) {
                guard total >= t else { return }
                let d = total - shown.compactMap { $0 }.reduce(0, +)
                #expect(d == 0 || d >= t, "round \(round), \(what): \(d) derivable (threshold \(t))")
            }
            // Response times: the region's totals (all, with contact, decided) minus its shown months.
            for (region, list) in Dictionary(grouping: referrals, by: \.region) where list.count >= t {
                let rows = all[0].rows.filter { $0.region == region }
                check(list.count, rows.map(\.count), "\(region) referrals")
                check(list.filter { $0.contact != nil }.count, rows.map { $0.firstContactMinutes?.count }, "\(region) first contact")
                check(list.filter { $0.clock!.isDecided }.count, rows.map { $0.withinTarget?.decided }, "\(region) decided")
            }
            // Feedback: each shown store-month total minus its shown categories.
            for row in all[1].rows where row.category == "all" && !row.suppressed {
                let cells = all[1].rows.filter { $0.group == row.group && $0.period == row.period && $0.category != "all" }
                check(row.count!, cells.map(\.count), "\(row.group) \(row.period!) feedback")
            }
            for row in all[1].rows where row.category == "all" && row.suppressed {
                #expect(!all[1].rows.contains { $0.group == row.group && $0.period == row.period && $0.category != "all" }, "round \(round): a suppressed store-month lists its categories")
            }
            // Chat moments: each store's total (known or not) minus its shown weeks.
            for (store, list) in Dictionary(grouping: chats, by: \.store) {
                check(list.map(\.count).reduce(0, +), all[2].rows.filter { $0.group == store }.map(\.count), "\(store) chat moments")
            }
            // Signal rate: the counts are the response-time report's store figures.
            let byStore = ReportSuppression(referrals, threshold: t).groups(by: "store")
            for g in byStore { #expect(all[3].rows.first { $0.group == g.key }?.count == g.referrals, "round \(round): \(g.key) signal count differs from by=store") }
        }
    }

    /// R-WEB-30: who may read the figures, and what a wrong request is told.
    @Test func figuresNeedHeadOfficeAndSayWhatIsWrong() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let d = try h.enroll("store-a", name: "till-a")
        let ho = try h.admin.call("POST", "v1/admin/headoffice-tokens", as: HeadOfficeTokenResponse.self)
        #expect(try Self.get(h, "v1/reports/dashboard/feedback", token: ho.token).status == 200)
        #expect(try Self.get(h, "v1/reports/dashboard/feedback", token: try d.store.setting("token")).status == 403)
        let unknown = try Self.get(h, "v1/reports/dashboard/loneliness")
        #expect(unknown.status == 404)
        #expect(String(decoding: unknown.body, as: UTF8.self).contains("the figures are response-times, feedback, chat-moments, signal-rate"))
        let by = try Self.get(h, "v1/reports/dashboard/feedback", ["by": "region"])
        #expect(by.status == 400 && String(decoding: by.body, as: UTF8.self).contains("feedback is per store"))
        #expect(try Self.get(h, "v1/reports/dashboard/chat-moments", ["threshold": "3"]).status == 400)
        #expect(try Self.get(h, "v1/reports/dashboard/chat-moments", ["format": "pdf"]).status == 400)
    }

    /// R-WEB-37: the same rows as CSV (a download, formula-neutral, with the byte-order mark
    /// and the Dutch dialect), as an HTML table and as an SVG chart.
    @Test func eachFigureDownloadsAsCSVAndRendersAsTableAndChart() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let d = try h.enroll("store-a", name: "till-a")
        try Self.recordFeedback(d, category: "queue-at-till", scores: [10, 9, 9, 3, 8])
        try d.sync()
        let csv = try Self.get(h, "v1/reports/dashboard/feedback", ["format": "csv", "dialect": "excel-nl"])
        #expect(csv.status == 200)
        #expect(csv.headers["content-type"] == "text/csv; charset=utf-8")
        #expect(csv.headers["content-disposition"] == "attachment; filename=\"omzien-feedback.csv\"")
        let text = String(decoding: csv.body, as: UTF8.self)
        #expect(text.hasPrefix("\u{FEFF}Winkel;Regio;Maand;Ergernis;Respondenten;NPS\r\n"), "\(text)")
        #expect(text.contains(";alle;5;40,0\r\n") && text.contains(";rij bij de kassa;5;40,0\r\n"), "\(text)")
        let svg = try Self.get(h, "v1/reports/dashboard/feedback", ["format": "svg"])
        #expect(svg.headers["content-type"] == "image/svg+xml")
        #expect(String(decoding: svg.body, as: UTF8.self).hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        let html = try Self.get(h, "v1/reports/dashboard/feedback", ["format": "html"])
        #expect(html.headers["content-type"] == "text/html; charset=utf-8")
        #expect(String(decoding: html.body, as: UTF8.self).contains("<th scope=\"col\">Ergernis</th>"))
    }
}
