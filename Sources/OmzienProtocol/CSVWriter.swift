import Foundation

/// CSV for people who open it in a spreadsheet (issue 11 leak 7, PRIVACY.md R-PRIV-7), shared by
/// the CLI's exports and the server's dashboard downloads (R-WEB-37).
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

    /// A whole document: the byte-order mark, a header line, the rows, CRLF line ends.
    public func document(header: [String], rows: [[String]]) -> String {
        Self.byteOrderMark + ([line(header)] + rows.map(line)).map { $0 + "\r\n" }.joined()
    }

    /// ISO 8601 in the machine's local time zone, with its offset (`2026-12-03T10:15:00+01:00`).
    public static func isoLocal(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = .current
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
