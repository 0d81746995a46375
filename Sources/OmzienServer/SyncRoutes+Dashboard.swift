import Foundation
import OmzienHTTP
import OmzienProtocol

extension SyncRoutes {
    /// GET /v1/reports/dashboard/{figure}?by=&threshold=&format=json|csv|svg|html&dialect=
    /// (R-WEB-30, R-WEB-37): the figure as JSON, or its table as CSV (a download) or as an HTML
    /// fragment, or its chart as SVG. Errors are problems, as everywhere.
    static func dashboard(_ service: SyncService, _ req: HTTPRequest) throws -> HTTPResponse {
        var produced: (type: String, body: [UInt8], file: String?)?
        let json = try answer(req) { () -> DashboardReport in
            let principal = try auth(service, req)
            var threshold = 5
            if let t = req.queryValue("threshold") {
                guard let n = Int(t) else { throw Problems.badRequest("threshold must be a whole number >= 5, got '\(t)'") }
                threshold = n
            }
            let figure = try req.parameter("figure")
            let format = req.queryValue("format") ?? "json"
            guard ["json", "csv", "svg", "html"].contains(format) else { throw Problems.badRequest("format must be json, csv, svg or html, got '\(format)'") }
            var dialect = CSVWriter.Dialect.excel
            if let d = req.queryValue("dialect") {
                guard let parsed = CSVWriter.Dialect(rawValue: d) else { throw Problems.badRequest("dialect must be excel or excel-nl, got '\(d)'") }
                dialect = parsed
            }
            let report = try service.dashboard(principal, figure: figure, by: req.queryValue("by"), threshold: threshold)
            let table = DashboardTable(report)
            switch format {
            case "csv": produced = ("text/csv; charset=utf-8", Array(table.csv(dialect: dialect).utf8), "omzien-\(figure).csv")
            case "svg": produced = ("image/svg+xml", Array(table.chart.svg().utf8), nil)
            case "html": produced = ("text/html; charset=utf-8", Array(table.html().utf8), nil)
            default: break
            }
            return report
        }
        guard let produced, json.status == .ok else { return json }
        var headers: HTTPHeaders = ["Content-Type": produced.type, "X-Content-Type-Options": "nosniff"]
        if let file = produced.file { headers.replaceOrAdd(name: "Content-Disposition", value: "attachment; filename=\"\(file)\"") }
        return HTTPResponse(status: .ok, headers: headers, body: produced.body)
    }
}
