import Foundation
import OmzienProtocol
@testable import OmzienServer
import Testing

/// Issue 13, the dashboard's charts and tables (Protocol/PARTNERS.md R-WEB-35, R-WEB-37):
/// drawn by the server as SVG, rendered here by a real renderer (rsvg-convert, as the
/// timeline's tests do) and checked by their pixels.
@Suite(.serialized)
struct DashboardChartTests {
    let renderer = try! TimelineTests()

    func render(_ svg: String) throws -> PNGImage {
        let file = renderer.dir.appendingPathComponent(UUID().uuidString + ".svg")
        try svg.write(to: file, atomically: true, encoding: .utf8)
        return try renderer.render(file.path)
    }

    static let report = DashboardReport(figure: "feedback", by: "store", threshold: 5, targets: .standard, rows: [
        .init(group: "store-1", region: "noord", period: "2026-11", category: "all", suppressed: false, count: 12, nps: 40),
        .init(group: "store-1", region: "noord", period: "2026-11", category: "queue-at-till", suppressed: true),
        .init(group: "store-2", region: "noord", period: "2026-11", category: "all", suppressed: true),
        .init(group: "store-3", region: "zuid", period: "2026-11", category: "all", suppressed: false, count: 9, nps: -20),
        .init(group: "store-4", region: "zuid", period: "2026-11", category: "all", suppressed: false, count: 30, nps: 80),
    ])

    /// R-WEB-37: bars stand where the layout says, in their colours: positive up from the zero
    /// line, negative (an NPS below zero) down from it, a suppressed figure a pale full column.
    @Test func barsAreDrawnWhereAndHowTheFiguresSay() throws {
        let chart = DashboardTable(Self.report).chart
        #expect(chart.bars.map(\.value) == [40, nil, -20, 80], "one bar per store-month (the 'all' rows)")
        let l = chart.layout
        let png = try render(chart.svg())
        try Data(chart.svg().utf8).write(to: URL(fileURLWithPath: "/tmp/omzien-dashboard-chart.svg"))
        #expect(png.width == l.width && png.height == l.height)
        func at(_ i: Int, _ v: Double) -> (Int, Int) { (l.centerX(i), Int(l.y(v).rounded())) }
        let zero = l.y(0)
        // Bar 0 (40): filled between the zero line and 40, white above it.
        #expect(png.is(l.centerX(0), Int((zero + l.y(40)) / 2), SVGChart.positive))
        #expect(png.is(l.centerX(0), Int(l.y(60)), "#ffffff"))
        // Bar 1: suppressed, pale over the whole plot height (also where a value of 80 would be).
        #expect(png.is(l.centerX(1) - 10, Int(l.y(75)), SVGChart.withheld))
        #expect(png.is(l.centerX(1) - 10, Int(l.y(-15)), SVGChart.withheld))
        // Bar 2 (-20): below the zero line in the other colour, nothing above it.
        #expect(png.is(l.centerX(2), Int((zero + l.y(-20)) / 2), SVGChart.negative))
        #expect(png.is(l.centerX(2), Int(l.y(20)), "#ffffff"))
        // Bar 3 (80), the highest: up to the top of the plot.
        #expect(png.is(at(3, 79).0, at(3, 79).1, SVGChart.positive))
        #expect(png.is(l.centerX(3), Int(l.y(40)), SVGChart.positive))
        // Exactly one pale column, three bars.
        #expect(png.components(SVGChart.withheld).count == 1)
        #expect(png.components(SVGChart.positive).count == 2 && png.components(SVGChart.negative).count == 1)
    }

    /// R-WEB-37: every label is escaped in the chart and the table; a label that tries to open
    /// a script or close an attribute stays text, and the SVG still renders.
    @Test func hostileLabelsStayText() throws {
        let hostile = "<script>alert(1)</script>\" onload=\"x' & é"
        let chart = SVGChart(title: hostile, unit: "<b>", bars: [.init(label: hostile, value: 3), .init(label: String(repeating: "x", count: 2000), value: nil)],
                             referenceLine: (5, hostile))
        let svg = chart.svg()
        #expect(!svg.contains("<script") && !svg.contains("\" onload") && !svg.contains("<b>"))
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x&#39; &amp; é"))
        let png = try render(svg)
        #expect(png.components(SVGChart.positive).count == 1)
        var report = Self.report
        report.rows[0].group = hostile
        let html = DashboardTable(report).html()
        #expect(!html.contains("<script") && html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x&#39; &amp; é</td>"))
        #expect(!html.contains("style=") && !html.contains("on"+"click"))
    }

    /// R-WEB-35: the table, the CSV and the chart come from the same suppressed rows: a
    /// suppressed row is "onderdrukt" in the table and the CSV and a pale column in the chart,
    /// and no figure appears in one that the JSON withholds.
    @Test func tableCSVAndChartShowExactlyWhatTheJSONShows() throws {
        let t = DashboardTable(Self.report)
        let rows = t.rows()
        #expect(rows.count == Self.report.rows.count)
        #expect(rows[1] == ["store-1", "noord", "2026-11", "rij bij de kassa", "onderdrukt", "–"])
        #expect(rows[2] == ["store-2", "noord", "2026-11", "alle", "onderdrukt", "–"])
        #expect(rows[3] == ["store-3", "zuid", "2026-11", "alle", "9", "-20,0"])
        let csv = t.csv()
        #expect(csv.hasPrefix("\u{FEFF}Winkel,Regio,Maand,Ergernis,Respondenten,NPS\r\n"))
        #expect(csv.contains("store-3,zuid,2026-11,alle,9,'-20.0\r\n"), "a leading - is neutralised (R-PRIV-7)\n\(csv)")
        #expect(csv.contains("store-2,noord,2026-11,alle,onderdrukt,–\r\n"))
        let html = t.html()
        #expect(html.components(separatedBy: "<tr class=\"suppressed\">").count == 3)
        #expect(html.contains("Onderdrukt: minder dan 5"))
        #expect(t.chart.bars[1].value == nil)
    }

    /// R-WEB-37 with PRIVACY.md R-PRIV-7: the server's CSV uses the CLI's writer, formulas neutralised.
    @Test func csvDownloadsNeverRunAFormula() {
        var report = Self.report
        report.rows[0].group = "=HYPERLINK(\"http://x\";\"klik\")"
        report.rows[0].region = "@SUM(A1)"
        let csv = DashboardTable(report).csv(dialect: .excelNL)
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://x\"\";\"\"klik\"\")\";'@SUM(A1);2026-11;alle;12;40,0\r\n"), "\(csv)")
    }

    /// What the first look at the page's charts showed (rendered with rsvg-convert): a long
    /// title ran off the right edge, the first rotated label off the left one, a share chart
    /// whose figures were all withheld had a scale of "0% to 1%", an NPS of 45.5 topped a scale
    /// at 45.5. Now nothing is cut at an edge, a share runs 0-100 %, a scale ends on a round
    /// number, and a chart with only withheld figures prints no scale but a legend.
    @Test func titlesAndLabelsFitScalesAreRoundAndWithheldChartsHaveNoScale() throws {
        let title = DashboardTable(DashboardReport(figure: "response-times", by: "region", threshold: 5, targets: .standard, rows: [])).title
        let chart = SVGChart(title: title, unit: "%", bars: [.init(label: "(no partner: noord-oost) 2026-12", value: 40), .init(label: "zuid 2026-12", value: nil)], range: 0...100)
        let narrow = SVGChart(title: "NPS per winkel en maand", bars: [.init(label: "store-a 2026-12", value: 45.5), .init(label: "store-b 2026-12", value: nil)])
        for c in [chart, narrow] {
            let png = try render(c.svg())
            for x in [0, png.width - 1] {
                #expect((0..<png.height).allSatisfy { png.is(x, $0, "#ffffff") }, "\(c.title): column \(x) is blank, no text runs off the picture")
            }
        }
        #expect(chart.layout.high == 100 && chart.layout.low == 0)
        #expect(SVGChart(title: "NPS", bars: [.init(label: "a", value: 45.5), .init(label: "b", value: -12)]).layout.high == 50)
        #expect(SVGChart(title: "NPS", bars: [.init(label: "a", value: 45.5), .init(label: "b", value: -12)]).layout.low == -20)
        #expect([9, 80, 0.3, 1, 120].map(SVGChart.roundedUp) == [10, 100, 0.5, 1, 200])
        let withheld = SVGChart(title: "Kletsmomenten", bars: [.init(label: "store-a 2026-W49", value: nil)]).svg()
        #expect(!withheld.contains(">1<") && !withheld.contains(">0<"), "no made-up scale")
        #expect(withheld.contains(SVGChart.withheldLegend))
        #expect(!SVGChart(title: "x", bars: [.init(label: "a", value: 3)]).svg().contains(SVGChart.withheldLegend), "no legend without a pale column")
    }
}
