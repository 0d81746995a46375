import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import Testing

/// Issue 11 leak 7 (Protocol/PRIVACY.md R-PRIV-7): the partner's CSV export never runs what a
/// cashier typed as a formula, and opens right in a Dutch spreadsheet.
struct CSVExportTests {
    @Test func formulasAreNeutralisedAndTheFileOpensRightInADutchSpreadsheet() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let till = try h.enroll("store-a", name: "till-a")
        let observed: UInt64 = 1_764_756_000_000  // 2026-12-03T10:00:00Z
        let ref = RecordRef(kind: .signal, id: RecordID.random())
        let draft = SignalDraft(store: "store-a", observedAt: Int64(observed), reporter: "kassa-1", indicators: ["withdrawn"],
                                note: "=HYPERLINK(\"http://evil.example\";\"klik\")", consent: "given", contact: "+31 6 1234 5678")
        try till.store.appendLocal(record: ref, author: AuthorID(trusted: "kassa-1"), body: .changes(try draft.changes()))
        let second = try till.recordSignal(note: "@SUM(1;2) en; een puntkomma")
        try till.sync()
        let env = ["OMZIEN_SERVER": h.baseURL.absoluteString, "OMZIEN_PARTNER_TOKEN": created.token]
        for (args, separator) in [(["partner", "list", "--csv"], ","), (["partner", "list", "--csv-dialect", "excel-nl"], ";")] {
            let r = try CLITests.run(args, environment: env)
            #expect(r.status == 0, "\(r.err)")
            #expect(r.out.hasPrefix("\u{FEFF}id\(separator)store\(separator)region"), "BOM and header with '\(separator)': \(r.out.prefix(40))")
            let lines = r.out.split(separator: "\n").map(String.init)
            let first = try #require(lines.first { $0.hasPrefix(ref.id.rawValue) })
            // Every field of the row: none starts with a formula character.
            let fields = Self.split(first, separator: Character(separator))
            for f in fields { #expect(!["=", "+", "-", "@", "\t", "\r"].contains(f.first ?? " "), "a field starts like a formula: \(f)") }
            #expect(fields.contains("'+31 6 1234 5678"), "the contact is text: \(fields)")
            #expect(fields.contains("'=HYPERLINK(\"http://evil.example\";\"klik\")"), "the note is text: \(fields)")
            #expect(fields.contains(CSVTime.isoLocal(observed)), "observedAt in ISO 8601 local time: \(fields)")
            let other = try #require(lines.first { $0.hasPrefix(second.id.rawValue) })
            #expect(Self.split(other, separator: Character(separator)).contains("'@SUM(1;2) en; een puntkomma"), "\(other)")
        }
        #expect(try CLITests.run(["partner", "list", "--csv-dialect", "libreoffice"], environment: env).status == 64)
    }

    /// RFC 4180 fields of one line.
    static func split(_ line: String, separator: Character) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var chars = Array(line.replacingOccurrences(of: "\u{FEFF}", with: "")), i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" { if i + 1 < chars.count, chars[i + 1] == "\"" { current.append("\""); i += 1 } else { quoted = false } } else { current.append(c) }
            } else if c == "\"" { quoted = true } else if c == separator { fields.append(current); current = "" } else { current.append(c) }
            i += 1
        }
        fields.append(current)
        chars.removeAll()
        return fields
    }
}

/// The expected time text, computed independently of the CLI's formatter.
enum CSVTime {
    static func isoLocal(_ ms: UInt64) -> String {
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let offset = TimeZone.current.secondsFromGMT(for: date)
        let zone = offset == 0 ? "Z" : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 3600, abs(offset) % 3600 / 60)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!) + zone
    }
}
