import Foundation
import OmzienProtocol
import OmzienServer
import OmzienStore

/// Opens a server database file directly, for the commands that run on the server host
/// while the server is stopped (`admin restore`, `admin token`). One connection per file:
/// while `omzien serve` has it open, its lock refuses us, and we say so.
enum ServerDatabaseFile {
    static func open(_ path: String, readOnly: Bool = false, command: String) throws -> Database {
        do {
            return try Database(path: path, options: .init(readOnly: readOnly))
        } catch let e as DatabaseError where e.reason == .alreadyOpenInAnotherProcess {
            throw CLIError.unavailable("'\(path)' is open in another process (is 'omzien serve' running on it?). A database has one connection at a time: stop the server first, or use the admin endpoint while it runs.")
        } catch let e as DatabaseError {
            throw CLIError.dataError("cannot open '\(path)': \(e)")
        }
    }
}

struct AdminBackupCommand: Command {
    static let name = "admin backup"
    static let summary = "take an online backup of the running server's database (written on the server host)"
    static let declaration = Declaration(options: AdminContext.options, about: """
        Asks the running server for a consistent copy of its database (VACUUM INTO on its one
        connection; devices keep syncing). The file is written on the server host, in the
        directory of 'serve --backup-dir' (default: DATABASE.backups/), mode 0600; the answer
        says where. Restore with 'omzien admin restore FILE --db DATABASE' (server stopped).
        """)
    let context: AdminContext
    init(_ args: inout ArgumentReader) throws { context = try AdminContext(&args) }
    func run() throws {
        let b = try context.call("POST", "v1/admin/backups", as: BackupResponse.self)
        try context.print(b) { Output.line("Backup written on the server host: \(b.path) (\(b.bytes) bytes).") }
    }
}

struct AdminRestoreCommand: Command {
    static let name = "admin restore"
    static let summary = "replace a stopped server's database with a backup (checks it first)"
    static let declaration = Declaration(
        arguments: [Argument("BACKUP", "the backup file")],
        options: [.text("db", "PATH", "the server database to replace (created if missing)", required: true),
                  .flag("json", "print the result as JSON")],
        about: """
        On the server host, with the server stopped: checks that BACKUP is an intact server
        database (integrity_check, the server's tables), keeps the current database as
        PATH.before-restore-TIME.sqlite, then copies BACKUP into PATH through PATH's one
        connection (SQLite's backup API; WAL and lock handled). Start the server again
        afterwards. Devices that sent operations after the backup was taken notice that the
        server holds less of their log and send those operations again (R-OPS-3).
        """)
    let backup: String, db: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        backup = args.positional()
        db = args.string("db")
        json = args.flag("json")
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: backup) else { throw CLIError.usage("no backup at '\(backup)'", command: Self.name) }
        let source: Database
        do {
            source = try Database(path: backup, options: .init(readOnly: true, checkOnOpen: .schema))
        } catch {
            throw CLIError.dataError("'\(backup)' is not a readable database: \(error)")
        }
        defer { source.close() }
        let check = (try? source.integrityCheck()) ?? ["the check itself failed"]
        guard check == ["ok"] else { throw CLIError.dataError("'\(backup)' is damaged (integrity_check: \(check.prefix(3).joined(separator: "; "))); not restored") }
        let replica = try? source.firstRow("SELECT value FROM replica_meta WHERE key = 'replica'")?.first?.text
        let hasServerTables = (try? source.firstRow("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'principals'")) != nil
        guard replica == SyncService.serverReplica.rawValue, hasServerTables else {
            throw CLIError.dataError("'\(backup)' is not a server database (it is a device's or something else); not restored")
        }
        let target = try ServerDatabaseFile.open(db, command: Self.name)
        defer { target.close() }
        var kept: String?
        let targetHasData = (try? target.firstRow("SELECT 1 FROM sqlite_master LIMIT 1")) != nil
        // The highest feed position the replaced database handed out (devices hold pull
        // cursors up to it). Nil when there is none (restore onto a new host).
        let replacedHead = (try? target.firstRow("SELECT max(pos) FROM ops")?.first?.int64) ?? nil
        if targetHasData {
            // Two restores in one second would name the same file: the second gets "-2", ...
            var aside = db + ".before-restore-\(Self.stamp()).sqlite"
            var n = 1
            while FileManager.default.fileExists(atPath: aside) {
                n += 1
                aside = db + ".before-restore-\(Self.stamp())-\(n).sqlite"
            }
            do { try target.backup(to: aside) } catch { throw CLIError.io("could not keep the current database as '\(aside)': \(error); nothing restored") }
            kept = aside
        }
        do { try target.replaceContents(with: source) } catch { throw CLIError.io("restore failed: \(error)" + (kept.map { "; the previous database is in '\($0)'" } ?? "")) }
        // Pull cursors are feed positions. Operations that devices send again after the
        // restore must get positions beyond every cursor handed out before, or a device would
        // skip them: so every position of the restored feed moves past the replaced
        // database's head (or by 2^40 when that is unknown). A device then pulls the restored
        // feed once more from its cursor (applying is idempotent) and misses nothing (R-OPS-3).
        let backupHead = (try? target.firstRow("SELECT max(pos) FROM ops")?.first?.int64) ?? nil ?? 0
        let shift = replacedHead.map { max($0, backupHead) + 1 } ?? (Int64(1) << 40)
        do {
            try target.transaction {
                try target.execute("UPDATE ops SET pos = pos + ?", [.integer(shift)])
                try target.execute("UPDATE feed SET pos = pos + ?", [.integer(shift)])
            }
        } catch {
            throw CLIError.io("restore failed while moving the feed positions: \(error)" + (kept.map { "; the previous database is in '\($0)'" } ?? ""))
        }
        let after = (try? target.integrityCheck()) ?? []
        guard after == ["ok"] else { throw CLIError.failure("the restored database fails integrity_check: \(after.prefix(3)); the previous one is in '\(kept ?? "-")'") }
        let operations = (try? target.firstRow("SELECT count(*) FROM ops")?.first?.int64) ?? 0
        // PRIVACY.md R-PRIV-15: every erasure made after the backup was taken is made again,
        // from the erasure ledger beside the database, before anyone can read the restored file.
        target.close()
        let reapplied: Int
        do {
            let service = try SyncService(path: db)
            reapplied = service.erasuresReapplied
            service.stop()
        } catch {
            throw CLIError.failure("restored, but the erasure ledger '\(db).erasures' could not be re-applied: \(error). Do not start the server before it is: fix or restore the ledger file and run the restore again" + (kept.map { "; the previous database is in '\($0)'" } ?? ""))
        }
        if json {
            try Output.json(["restored": db, "from": backup, "previous": kept ?? "", "operations": "\(operations)", "erasuresReapplied": reapplied])
        } else {
            Output.line("Restored \(db) from \(backup): \(operations) operations, integrity ok; re-applied \(reapplied) erasures from the erasure ledger.")
            if let kept { Output.line("The database it replaced is kept as \(kept).") }
            Output.line("Start the server again; devices resend what the backup lacks.")
        }
    }

    static func stamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: Date())
    }
}
