import Foundation
import OmzienServer
import OmzienStore

struct AdminTokenCommand: Command {
    static let name = "admin token"
    static let summary = "on the server host, server stopped: issue a new admin token (and revoke the old ones)"
    static let usage = """
        usage: omzien admin token --db PATH [--revoke-others] [--json]

        Opens the server database directly (so the server must be stopped: a database has one
        connection at a time, and its lock refuses a second opener with exit 69), issues a new
        admin token, writes it to PATH.admin-token (mode 0600, replacing the file) and prints
        where. --revoke-others revokes every earlier admin token (lost or leaked).
          --db PATH         the server database
        """
    static let valueOptions: Set<String> = ["db"]
    let db: String, revokeOthers: Bool, json: Bool

    init(_ args: inout ArgumentReader) throws {
        db = try args.requiredOption("db", "the server database")
        revokeOthers = args.flag("revoke-others")
        json = args.flag("json")
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else { throw CLIError.usage("no server database at '\(db)'", command: Self.name) }
        let service: SyncService
        do {
            service = try SyncService(path: db)
        } catch let e as DatabaseError where e.reason == .alreadyOpenInAnotherProcess {
            throw CLIError.unavailable("'\(db)' is open in another process (is 'omzien serve' running on it?). A database has one connection at a time: stop the server, run this, start it again.")
        }
        defer { service.stop() }
        let token = try service.issueAdminToken(revokingOthers: revokeOthers)
        let file = db + ".admin-token"
        try? FileManager.default.removeItem(atPath: file)
        guard FileManager.default.createFile(atPath: file, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError.io("could not write '\(file)'; the new token is: \(token)")
        }
        if json {
            try Output.json(["tokenFile": file, "revokedOthers": revokeOthers] as [String: Any])
        } else {
            Output.line("Wrote a new admin token to \(file) (keep it secret)." + (revokeOthers ? " Every earlier admin token is revoked." : ""))
        }
    }
}
