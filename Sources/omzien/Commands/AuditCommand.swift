import Foundation
import OmzienServer
import OmzienStore

struct AuditVerifyCommand: Command {
    static let name = "audit verify"
    static let summary = "check the partner audit log's hash chain and name any altered entry"
    static let usage = """
        usage: omzien audit verify --db PATH [--json]

        Reads the audit log of a server database (stop the server first, or verify a copy: the
        database has one connection at a time) and checks every entry's hash, the links
        between entries, the sequence numbers and the recorded head. Exit status 1 names the
        first entry that was edited, deleted or reordered.
        """
    static let valueOptions: Set<String> = ["db"]
    let db: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        db = try args.requiredOption("db", "the server database or a copy of it")
        json = args.flag("json")
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else { throw CLIError.usage("no database at '\(db)'", command: Self.name) }
        let database = try Database(path: db, options: .init(readOnly: true))
        defer { database.close() }
        guard try database.firstRow("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'") != nil else {
            throw CLIError.dataError("'\(db)' is not a server database (it has no audit log; a device's database has none): give --db the server's database or a copy of it")
        }
        let entries = try AuditLog.entries(database)
        let problems = AuditLog.verify(entries, head: try AuditLog.head(database))
        if json {
            try Output.json(["entries": entries.count, "intact": problems.isEmpty, "problems": problems])
        } else if problems.isEmpty {
            Output.line("Audit log intact: \(entries.count) entries, chain and head verified.")
        } else {
            for p in problems { Output.line("ALTERED: " + p) }
        }
        if !problems.isEmpty { throw CLIError.failure("the audit log was altered (\(problems.count) problem\(problems.count == 1 ? "" : "s"))") }
    }
}
