import Foundation
import OmzienProtocol
import OmzienServer
import OmzienStore

/// A new admin token (R-OPS-6): with `--db` on the server host while the server is stopped
/// (every admin token lost or expired), else from the running server with the current one.
struct AdminTokenCommand: Command {
    static let name = "admin token"
    static let summary = "issue a new admin token (and revoke the old ones): online, or on the server host with --db"
    static let declaration = Declaration(
        options: [.text("db", "PATH", "the server database: issue the token on the server host, the server stopped (no --server, --token or --token-file then)"),
                  .integer("days", "1-365", in: 1...365, "how long the token is valid", default: 90),
                  .flag("revoke-others", "revoke every earlier admin token at once")] + AdminContext.options,
        about: """
        Issues an admin token valid for --days (default 90). --revoke-others revokes every
        earlier admin token at once (a lost or leaked token), the one used for this call too.

        Online (no --db): asks the running server, with the current admin token; prints the
        new token once. On the server host (--db PATH, the server stopped: a database has one
        connection at a time, and its lock refuses a second opener with exit 69): for when
        every admin token is lost or expired; writes the token to PATH.admin-token (mode 0600,
        replacing the file). A server that starts without any valid admin token issues one
        itself and writes that file.
        """)
    let db: String?, days: Int, revokeOthers: Bool, json: Bool, context: AdminContext?

    init(_ args: inout ArgumentReader) throws {
        db = args.value("db")
        days = args.integer("days")
        revokeOthers = args.flag("revoke-others")
        if db == nil {
            context = try AdminContext(&args)
            json = context?.json ?? false
        } else {
            context = nil
            json = args.flag("json")
        }
    }

    func run() throws {
        if let context {
            let t = try context.call("POST", "v1/admin/admin-tokens", body: AdminTokenRequest(tokenDays: days, revokeOthers: revokeOthers), as: AdminTokenResponse.self)
            return try context.print(t) {
                Output.line("New admin token (shown once; keep it secret): \(t.token)")
                Output.line("It expires \(ExpiryText.utc(t.expiresAt))." + (t.revokedOthers ? " Every earlier admin token is revoked, the one you used too." : " Earlier admin tokens work until they expire."))
            }
        }
        let db = self.db ?? ""
        guard FileManager.default.fileExists(atPath: db) else { throw CLIError.usage("no server database at '\(db)'", command: Self.name) }
        let service: SyncService
        do {
            service = try SyncService(path: db)
        } catch let e as DatabaseError where e.reason == .alreadyOpenInAnotherProcess {
            throw CLIError.unavailable("'\(db)' is open in another process (is 'omzien serve' running on it?). A database has one connection at a time: stop the server, run this, start it again; or, with a valid admin token, run 'omzien admin token' without --db against the running server.")
        }
        defer { service.stop() }
        let issued = try service.issueAdminToken(days: days, revokingOthers: revokeOthers)
        let file = db + ".admin-token"
        try? FileManager.default.removeItem(atPath: file)
        guard FileManager.default.createFile(atPath: file, contents: Data((issued.token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError.io("could not write '\(file)'; the new token is: \(issued.token)")
        }
        if json {
            try Output.json(["tokenFile": file, "revokedOthers": revokeOthers, "expiresAt": issued.expiresAt] as [String: Any])
        } else {
            Output.line("Wrote a new admin token to \(file) (keep it secret); it expires \(ExpiryText.utc(issued.expiresAt))." + (revokeOthers ? " Every earlier admin token is revoked." : ""))
        }
    }
}
