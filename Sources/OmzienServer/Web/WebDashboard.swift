import Foundation
import OmzienHTTP
import OmzienProtocol

/// Head office's page (`/web/dashboard`, head-office accounts only; R-WEB-39): every figure
/// of section 12 as a chart drawn by the server (inline SVG, no script) with its table beside
/// it and a CSV download of that table. The figures come from `SyncService.dashboard`, the
/// JSON endpoint's own code, so the page shows exactly the suppressed rows the API answers
/// (R-WEB-35): no second computation, no second suppression.
enum WebDashboard {
    /// One figure on the page: which report, grouped how.
    struct Figure: Sendable, Equatable {
        let name: String
        let by: String?
        /// The CSV download on the page (the session's, not the bearer-token API's).
        var csvPath: String { "/web/dashboard/\(name)/csv" + (by.map { "?by=\($0)" } ?? "") }
    }

    /// The page's figures, in the order of the issue: response times per region and per
    /// partner, feedback with the NPS, chat moments per week, signals per 100 chat moments.
    static let figures: [Figure] = [
        Figure(name: "response-times", by: "region"), Figure(name: "response-times", by: "partner"),
        Figure(name: "feedback", by: nil), Figure(name: "chat-moments", by: nil), Figure(name: "signal-rate", by: nil),
    ]

    static func page(service: SyncService, person: Person, csrf: String) throws -> HTML {
        var sections: [HTML] = []
        for figure in figures {
            let table = DashboardTable(try service.dashboard(.person(person), figure: figure.name, by: figure.by))
            sections.append("""
                <section class="figuur" data-figure="\(figure.name)">
                <h2>\(table.title)</h2>
                <div class="figuur-inhoud"><div class="grafiek">\(HTML(table.chart))</div><div class="tabel">\(HTML(table))</div></div>
                <p><a href="\(figure.csvPath)">Download de tabel als CSV</a> · \
                <a href="\(figure.csvPath + (figure.by == nil ? "?" : "&"))dialect=excel-nl">CSV voor Nederlandse Excel (;)</a></p>
                </section>
                """)
        }
        return WebPages.layout(title: "Dashboard hoofdkantoor", person: person, csrf: csrf, """
            <p>Alle cijfers over alle gegevens die de server heeft. Groepen met minder dan 5 eenheden worden niet getoond, \
            en ook niet wat daaruit door aftrekken te achterhalen zou zijn (“onderdrukt”), zodat niemand herleidbaar is.</p>
            \(WebPages.targets(service.configuration.responseTargets))
            \(sections)
            """)
    }

    /// The CSV of one figure for a signed-in head-office person (`GET
    /// /web/dashboard/{figure}/csv?by=&dialect=`): the same table as on the page.
    static func csv(service: SyncService, person: Person, figure: String, query: HTTPRequest) throws -> HTTPResponse {
        let dialect = CSVWriter.Dialect(rawValue: query.queryValue("dialect") ?? "excel") ?? .excel
        let table = DashboardTable(try service.dashboard(.person(person), figure: figure, by: query.queryValue("by")))
        return HTTPResponse(status: .ok, headers: ["Content-Type": "text/csv; charset=utf-8",
                                                   "Content-Disposition": "attachment; filename=\"omzien-\(table.report.figure)-\(table.report.by).csv\""],
                            body: Array(table.csv(dialect: dialect).utf8))
    }
}
