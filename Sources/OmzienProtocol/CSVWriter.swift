import Foundation

/// CSV for people who open it in a spreadsheet (the partner CLI's export and the web inbox's
/// CSV download write through this one type) (issue 11 leak 7, PRIVACY.md R-PRIV-7).
///
/// - Formula injection: a field that starts with `=`, `+`, `-`, `@`, a tab or a carriage
///   return is written with a leading `'` (the OWASP advice), so that a note
///   `=HYPERLINK(...)` or a contact `+31 6 ...` is shown as text and never run.
/// - RFC 4180 quoting: a field holding the separator, a quote, CR or LF is quoted, quotes doubled.
/// - The output starts with a UTF-8 byte-order mark, so that a spreadsheet reads accents right.
/// - `excel-nl` uses `;` as the separator (what a Dutch-locale spreadsheet expects); the
///   default `excel` uses `,`.
public struct CSVWriter: Sendable {
    public enum Dialect: String, CaseIterable, Sendable {
        case excel, excelNL = "excel-nl"
        public var separator: Character { self == .excelNL ? ";" : "," }
    }

    public static let byteOrderMark = "\u{FEFF}"
    public let dialect: Dialect
    public init(dialect: Dialect) { self.dialect = dialect }

    /// One field, neutralised and quoted.
    public func field(_ raw: String) -> String {
        var s = raw
        if let first = s.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { s = "'" + s }
        let needsQuotes = s.contains { $0 == dialect.separator || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        return needsQuotes ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    public func line(_ fields: [String]) -> String { fields.map(field).joined(separator: String(dialect.separator)) }

    /// ISO 8601 in the machine's local time zone, with its offset (`2026-12-03T10:15:00+01:00`).
    public static func isoLocal(_ ms: Int64, timeZone: TimeZone = .current) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = timeZone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// The referral export's lines (header first), as `partner pull --csv`, `partner list
    /// --csv` and the web inbox's download write them; the caller adds the byte-order mark.
    public func referralLines(_ referrals: [ReferralView], timeZone: TimeZone = .current) -> [String] {
        var lines = [line(["id", "store", "region", "observedAt", "urgency", "status", "epoch", "indicators", "consent", "contact",
                           "outcome", "declineReason", "erased", "note"])]
        for r in referrals {
            lines.append(line([r.id, r.store, r.region, r.observedAt.map { Self.isoLocal($0, timeZone: timeZone) } ?? "", r.urgency ?? "", r.status ?? "",
                               r.epoch.map(String.init) ?? "", (r.indicators ?? []).joined(separator: "+"), r.consent ?? "", r.contact ?? "",
                               r.outcome ?? "", r.declineReason ?? "", r.erased == true ? "true" : "", r.note ?? ""]))
        }
        return lines
    }
}
