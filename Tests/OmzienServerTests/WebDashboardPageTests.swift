import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
@testable import OmzienServer
import Testing

/// Head office's page (PARTNERS.md R-WEB-39): every figure of section 12 as an inline SVG chart
/// with its table beside it and a CSV download, all made from the rows the JSON endpoint
/// answers (the same suppression, R-WEB-35).
@Suite(.serialized)
struct WebDashboardPageTests {
    /// Two stores in noord with signals, feedback and chat moments: enough for shown rows and,
    /// in store-b, a category and a week that must stay suppressed.
    func world() throws -> WebPageTests.World {
        let w = try WebPageTests().world()
        let b = try w.h.enroll("store-b", name: "till-b")
        for _ in 0..<6 { _ = try w.device.recordSignal(note: "n", urgency: "urgent") }
        try DashboardFiguresTests.recordFeedback(w.device, category: "queue-at-till", scores: [10, 10, 9, 8, 7, 3])
        try DashboardFiguresTests.recordFeedback(w.device, category: "freshness", scores: [10, 9, 9, 9, 2])
        try DashboardFiguresTests.recordFeedback(b, category: "cleanliness", scores: [1, 2])
        try DashboardFiguresTests.recordChats(w.device, day: "2026-11-30", count: 40)
        try DashboardFiguresTests.recordChats(w.device, day: "2026-12-07", count: 2)
        try DashboardFiguresTests.recordChats(b, day: "2026-12-07", count: 9)
        try w.device.sync(); try b.sync()
        return w
    }

    @Test func theDashboardShowsAChartATableAndACSVForEveryFigureFromTheAPIsRows() throws {
        let w = try world()
        let anna = try w.signedIn("anna")
        let page = try anna.get("/web/dashboard")
        #expect(page.status == 200)
        let body = page.body
        #expect(body.components(separatedBy: "<section class=\"figuur\"").count - 1 == WebDashboard.figures.count)
        #expect(body.components(separatedBy: "<svg ").count - 1 == WebDashboard.figures.count, "one chart per figure")
        #expect(body.components(separatedBy: "<table class=\"omzien-figure\"").count - 1 == WebDashboard.figures.count, "one table per figure")
        #expect(!body.contains("<script") && !body.contains("style="), "no script, no inline style (CSP)")
        #expect(body.contains("dringend 1 werkdag, binnenkort 3 werkdagen, regulier 10 werkdagen"), "the active targets")
        for figure in WebDashboard.figures {
            // What the page shows is the API's report, drawn and tabled: the same suppressed rows.
            let report = try w.h.server.service.dashboard(.admin, figure: figure.name, by: figure.by)
            let table = DashboardTable(report)
            #expect(body.contains(HTML(table).description), "\(figure.name) by \(figure.by ?? "store"): the API's table")
            #expect(body.contains(HTML(table.chart).description), "\(figure.name): the API's chart")
            #expect(body.contains("href=\"\(HTML.escape(figure.csvPath))\""))
            let csv = try anna.get(figure.csvPath)
            #expect(csv.status == 200 && csv.headers["content-type"]?.hasPrefix("text/csv") == true)
            #expect(csv.headers["content-disposition"]?.hasPrefix("attachment") == true)
            #expect(csv.body == table.csv(), "\(figure.csvPath)")
        }
        // store-b's two cleanliness answers and its 9 chat moments stay withheld on the page too.
        let feedback = try w.h.server.service.dashboard(.admin, figure: "feedback")
        #expect(feedback.rows.contains { $0.group == "store-b" && $0.suppressed })
        #expect(body.contains("onderdrukt"))
        let nl = try anna.get("/web/dashboard/feedback/csv?dialect=excel-nl")
        #expect(nl.body.hasPrefix("\u{FEFF}Winkel;Regio;Maand"))
        let (entries, _) = try w.h.server.service.auditEntries(.admin)
        #expect(entries.filter { $0.actor == "headoffice:anna" }.map(\.action).contains("dashboard-export"))
    }

    /// An unknown figure or grouping is a page that says so, not a 500; a worker and a visitor
    /// without a session get no CSV.
    @Test func aCSVOfAnUnknownFigureSaysSoAndOnlyHeadOfficeGetsOne() throws {
        let w = try world()
        let anna = try w.signedIn("anna")
        let unknown = try anna.get("/web/dashboard/salaries/csv")
        #expect(unknown.status == 404 && unknown.body.contains("no dashboard figure"))
        let badBy = try anna.get("/web/dashboard/feedback/csv?by=region")
        #expect(badBy.status == 400 && badBy.body.contains("per store"))
        #expect(try w.signedIn("eline").get("/web/dashboard/feedback/csv").status == 403)
        #expect(try w.client().get("/web/dashboard/feedback/csv").status == 303)
    }

    /// R-WEB-37: a chart without any figure says so instead of drawing an empty plot with a
    /// made-up scale.
    @Test func aChartWithoutFiguresSaysThereAreNone() throws {
        let svg = SVGChart(title: "Leeg", bars: []).svg()
        #expect(svg.contains(SVGChart.noData))
        #expect(!svg.contains(">1<"), "no axis numbers for no data")
        let w = try WebPageTests().world()
        let page = try w.signedIn("anna").get("/web/dashboard").body
        #expect(page.components(separatedBy: SVGChart.noData).count - 1 == WebDashboard.figures.count)
    }
}
