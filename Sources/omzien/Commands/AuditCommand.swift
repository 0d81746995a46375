import Foundation
import OmzienProtocol
import OmzienServer
import OmzienStore

struct AuditVerifyCommand: Command {
    static let name = "audit verify"
    static let summary = "check the partner audit log's hash chain and name any altered entry"
    static let declaration = Declaration(
        options: [.text("db", "PATH", "the server database or a copy of it", required: true),
                  .text("key-file", "FILE", "the server secret: without it the chain cannot be checked, and whoever edits the database cannot recompute it",
                        default: .described("PATH.server-key")),
                  .text("head-file", "FILE", "the head kept outside the database", default: .described("PATH.audit-head, if present")),
                  .text("expect-head", "SEQ:HASH", "a head printed earlier (the 'head' of a previous run): the log must still hold entry SEQ with hash HASH"),
                  .flag("json", "print the result as JSON")],
        about: """
        Reads the audit log of a server database (stop the server first, or verify a copy: the
        database has one connection at a time) and checks every entry's keyed hash, the links
        between entries, the sequence numbers and the head: the one in the database, the head
        file the server writes beside it, and a head you noted earlier. Exit status 1 names the
        first entry that was edited, deleted or reordered, or the entries cut off the end.
        """)
    let db: String, json: Bool, keyFile: String, headFile: String?, expectHead: AuditLog.Head?

    init(_ args: inout ArgumentReader) throws {
        db = args.string("db")
        json = args.flag("json")
        keyFile = args.value("key-file") ?? ServerSecret.path(besideDatabase: db)
        headFile = args.value("head-file")
        if let text = args.value("expect-head") {
            guard let head = AuditLog.parseHead(text) else {
                throw CLIError.usage("--expect-head must be SEQUENCE:HASH (64 hex digits), as 'audit verify' printed it; got '\(text)'", command: Self.name)
            }
            expectHead = head
        } else {
            expectHead = nil
        }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else { throw CLIError.usage("no database at '\(db)'", command: Self.name) }
        let database = try Database(path: db, options: .init(readOnly: true))
        defer { database.close() }
        guard try database.firstRow("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'") != nil else {
            throw CLIError.dataError("'\(db)' is not a server database (it has no audit log; a device's database has none): give --db the server's database or a copy of it")
        }
        let secret: ServerSecret
        do { secret = try ServerSecret.load(at: keyFile) } catch {
            throw CLIError.io("\(error); the audit chain is keyed by the server secret (give it with --key-file)")
        }
        let entries = try AuditLog.entries(database)
        var anchors: [(AuditLog.Head, String)] = []
        let headPath = headFile ?? AuditLog.headFile(besideDatabase: db)
        do {
            if let fileHead = try AuditLog.readHeadFile(headPath) { anchors.append((fileHead, "the head file \(headPath)")) }
            else if headFile != nil { throw CLIError.io("no head file at '\(headPath)'") }
        } catch let e as AuditFileError { throw CLIError.dataError(e.description) }
        if let expectHead { anchors.append((expectHead, "the expected head")) }
        let problems = AuditLog.verify(entries, key: secret.key(for: "audit-chain"), head: try AuditLog.head(database), anchors: anchors)
        let head = entries.last.map { "\($0.seq):\($0.hash.hex)" }
        if json {
            try Output.json(["entries": entries.count, "intact": problems.isEmpty, "problems": problems, "head": head ?? NSNull(), "anchors": anchors.map(\.1)])
        } else if problems.isEmpty {
            Output.line("Audit log intact: \(entries.count) entries, chain and head verified\(anchors.isEmpty ? " (no head outside the database to compare with)" : " against " + anchors.map(\.1).joined(separator: " and ")).")
            if let head { Output.line("head \(head)  (note it: 'audit verify --expect-head \(head)' later proves nothing before it was cut or rewritten)") }
        } else {
            for p in problems { Output.line("ALTERED: " + p) }
        }
        if !problems.isEmpty { throw CLIError.failure("the audit log was altered (\(problems.count.counted("problem")))") }
    }
}
