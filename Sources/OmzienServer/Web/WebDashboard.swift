import Foundation
import OmzienHTTP
import OmzienProtocol

/// Head office's page (`/web/dashboard`, head-office accounts only). The place where the
/// dashboard of the reports work mounts (issue 13: charts and tables of response times,
/// NPS, chat moments). Until that lands it shows the response-time report that exists
/// (PARTNERS.md R-PART-11), through the same code and suppression as the API.
enum WebDashboard {
    static func page(service: SyncService, person: Person, csrf: String, query: HTTPRequest) throws -> HTML {
        var sections: [HTML] = []
        for (by, label) in [("region", "Per regio"), ("partner", "Per welzijnspartner"), ("store", "Per winkel")] {
            let report = try service.responseTimes(.headOffice, by: by)
            let rows: [HTML] = report.groups.map { g in
                if g.suppressed { return "<tr><th scope=\"row\">\(g.key)</th><td colspan=\"3\">onderdrukt (te weinig meldingen)</td></tr>" }
                func minutes(_ p: ResponseTimeReport.Percentiles?) -> String {
                    guard let p else { return "–" }
                    return "\(WebPages.duration(UInt64(p.p50 * 60_000))) / \(WebPages.duration(UInt64(p.p90 * 60_000)))"
                }
                return "<tr><th scope=\"row\">\(g.key)</th><td>\(g.referrals ?? 0)</td><td>\(minutes(g.acceptedMinutes))</td><td>\(minutes(g.firstContactMinutes))</td></tr>"
            }
            sections.append("""
                <h2>\(label)</h2>
                <table><thead><tr><th scope="col">Groep</th><th scope="col">Meldingen</th><th scope="col">Tot aangenomen (mediaan / p90)</th>\
                <th scope="col">Tot eerste contact (mediaan / p90)</th></tr></thead><tbody>\(rows)</tbody></table>
                """)
        }
        return WebPages.layout(title: "Dashboard hoofdkantoor", person: person, csrf: csrf, """
            <p>Reactietijden vanaf het indienen van een melding. Groepen met minder dan 5 meldingen worden niet getoond, zodat niemand herleidbaar is.</p>
            \(sections)
            """)
    }
}
