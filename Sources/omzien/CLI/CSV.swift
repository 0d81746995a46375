import Foundation

/// CSV for people who open it in a spreadsheet (issue 11 leak 7, PRIVACY.md R-PRIV-7).
///
/// - Formula injection: a field that starts with `=`, `+`, `-`, `@`, a tab or a carriage
///   return is written with a leading `'` (the OWASP advice), so that a note
///   `=HYPERLINK(...)` or a contact `+31 6 ...` is shown as text and never run.
/// - RFC 4180 quoting: a field holding the separator, a quote, CR or LF is quoted, quotes doubled.
/// - The output starts with a UTF-8 byte-order mark, so that a spreadsheet reads accents right.
/// - `excel-nl` uses `;` as the separator (what a Dutch-locale spreadsheet expects); the
///   default `excel` uses `,`.
struct CSVWriter {
    enum Dialect: String, CaseIterable {
        case excel, excelNL = "excel-nl"
        var separator: Character { self == .excelNL ? ";" : "," }
    }

    static let byteOrderMark = "\u{FEFF}"
    let dialect: Dialect

    static func dialect(_ name: String?, command: String) throws -> Dialect {
        guard let name else { return .excel }
        guard let d = Dialect(rawValue: name) else {
            throw CLIError.usage("--csv-dialect must be \(Dialect.allCases.map(\.rawValue).joined(separator: " or ")), got '\(name)'", command: command)
        }
        return d
    }

    /// One field, neutralised and quoted.
    func field(_ raw: String) -> String {
        var s = raw
        if let first = s.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { s = "'" + s }
        let needsQuotes = s.contains { $0 == dialect.separator || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        return needsQuotes ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    func line(_ fields: [String]) -> String { fields.map(field).joined(separator: String(dialect.separator)) }

    /// ISO 8601 in the machine's local time zone, with its offset (`2026-12-03T10:15:00+01:00`).
    static func isoLocal(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = .current
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
