import Foundation
import OmzienProtocol

/// One dashboard figure as a person reads it (R-WEB-37): a table in Dutch (the language of
/// head office), the chart drawn from the same rows, and the table as CSV. Pure functions of
/// a `DashboardReport`: what the JSON endpoint gives is exactly what is drawn and downloaded.
public struct DashboardTable: Sendable {
    public let report: DashboardReport
    public init(_ report: DashboardReport) { self.report = report }

    /// The word for a withheld figure.
    public static let suppressed = "onderdrukt"

    public var title: String {
        switch report.figure {
        case "response-times": "Eerste contact binnen de termijn, per \(report.by == "partner" ? "partner" : "regio") en maand"
        case "feedback": "Klantfeedback: NPS per winkel, maand en ergernis"
        case "chat-moments": "Kletsmomenten per winkel en week"
        default: "Meldingen per 100 kletsmomenten, per winkel"
        }
    }

    public var header: [String] {
        switch report.figure {
        case "response-times":
            [report.by == "partner" ? "Partner" : "Regio", "Maand", "Verwijzingen", "Eerste contact mediaan (uur)", "Eerste contact p90 (uur)",
             "Beslist", "Binnen de termijn (%)"]
        case "feedback": ["Winkel", "Regio", "Maand", "Ergernis", "Respondenten", "NPS"]
        case "chat-moments": ["Winkel", "Regio", "Week", "Kletsmomenten"]
        default: ["Winkel", "Regio", "Meldingen", "Kletsmomenten", "Per 100 kletsmomenten"]
        }
    }

    /// The cells, numbers written with `decimal` as the decimal separator.
    public func rows(decimal: Character = ",") -> [[String]] {
        func n(_ v: Double?, _ digits: Int = 1) -> String {
            guard let v else { return "–" }
            let text = String(format: "%.\(digits)f", v)
            return decimal == "." ? text : text.replacingOccurrences(of: ".", with: String(decimal))
        }
        func count(_ r: DashboardReport.Row, _ v: Int?) -> String { v.map(String.init) ?? (r.suppressed ? Self.suppressed : "–") }
        return report.rows.map { r in
            switch report.figure {
            case "response-times":
                [r.group, r.period ?? "", count(r, r.count), n(r.firstContactMinutes.map { $0.p50 / 60 }), n(r.firstContactMinutes.map { $0.p90 / 60 }),
                 r.withinTarget.map { String($0.decided) } ?? "–", n(r.withinTarget.map { $0.share * 100 }, 0)]
            case "feedback":
                [r.group, r.region ?? "", r.period ?? "", Self.category(r.category), count(r, r.count), n(r.nps)]
            case "chat-moments":
                [r.group, r.region ?? "", r.period ?? "", count(r, r.count)]
            default:
                [r.group, r.region ?? "", count(r, r.count), count(r, r.chatMoments), n(r.signalsPer100ChatMoments)]
            }
        }
    }

    /// Dutch names of the irritation categories (MODEL.md section 2); an unknown one as it is.
    public static func category(_ c: String?) -> String {
        switch c {
        case "all": "alle"
        case "queue-at-till": "rij bij de kassa"
        case "out-of-stock": "uitverkocht"
        case "price-error": "prijsfout"
        case "unfriendly-service": "onvriendelijke bediening"
        case "cleanliness": "netheid"
        case "closing-time": "sluitingstijd"
        case "unreachable-by-phone": "telefonisch onbereikbaar"
        case "freshness": "versheid"
        case "other": "anders"
        default: c ?? ""
        }
    }

    public var chart: SVGChart {
        switch report.figure {
        case "response-times":
            SVGChart(title: title, unit: "%", bars: report.rows.map { .init(label: "\($0.group) \($0.period ?? "")", value: $0.withinTarget.map { $0.share * 100 }) }, range: 0...100)
        case "feedback":
            SVGChart(title: "NPS per winkel en maand", bars: report.rows.filter { $0.category == "all" }.map { .init(label: "\($0.group) \($0.period ?? "")", value: $0.nps) })
        case "chat-moments":
            SVGChart(title: title, bars: report.rows.map { .init(label: "\($0.group) \($0.period ?? "")", value: $0.count.map(Double.init)) })
        default:
            SVGChart(title: title, bars: report.rows.map { .init(label: $0.group, value: $0.signalsPer100ChatMoments) })
        }
    }

    /// The table as an HTML fragment (no style, no script: the page's CSP allows neither inline).
    public func html() -> String {
        var s = "<table class=\"omzien-figure\" data-figure=\"\(Markup.escape(report.figure))\">\n<caption>\(Markup.escape(title))</caption>\n<thead><tr>"
        s += header.map { "<th scope=\"col\">\(Markup.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for (row, cells) in zip(report.rows, rows()) {
            s += "<tr\(row.suppressed ? " class=\"suppressed\"" : "")>" + cells.map { "<td>\(Markup.escape($0))</td>" }.joined() + "</tr>\n"
        }
        s += "</tbody>\n</table>\n"
        if report.rows.contains(where: \.suppressed) {
            s += "<p class=\"omzien-note\">\(Markup.escape("Onderdrukt: minder dan \(report.threshold), of verborgen zodat niets door aftrekken te achterhalen is."))</p>\n"
        }
        return s
    }

    /// The table as CSV (CSVWriter: formulas neutralised, byte-order mark, CRLF); `excel-nl`
    /// writes decimal commas and `;`.
    public func csv(dialect: CSVWriter.Dialect = .excel) -> String {
        CSVWriter(dialect: dialect).document(header: header, rows: rows(decimal: dialect == .excelNL ? "," : "."))
    }
}
