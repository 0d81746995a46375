import Foundation
#if canImport(Glibc)
import Glibc
#endif
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Online backup (Protocol/SYNC.md R-OPS-2). The server's one connection owns the file, so a
/// backup is a job on the database thread (`VACUUM INTO`, see `Database.backup(to:)`): a
/// consistent copy as of one moment between two group commits, while devices keep pushing
/// (their writes wait for the copy). Backups go to `Configuration.backupDirectory`, default
/// `<database>.backups/`, named `server-<UTC time>.sqlite`, mode 0600 in a 0700 directory.
/// Every erasure made after a backup was taken is applied to it as well (`BackupScrubber`,
/// PRIVACY.md R-PRIV-34).
extension SyncService {
    /// `POST /v1/admin/backups`: admin only.
    public func backup(_ principal: Principal) throws -> BackupResponse {
        try requireAdmin(principal)
        return try backup(keep: nil)
    }

    /// Takes a backup now; with `keep`, then deletes all but the newest `keep` backups in the
    /// directory (only files named like ours).
    public func backup(keep: Int?) throws -> BackupResponse {
        let directory = try backupDirectory()
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } else if !isDirectory.boolValue {
            throw Problem("backup-failed", status: 503, title: "Backup failed", detail: "the backup directory '\(directory)' is not a directory")
        }
        let takenAt = now
        var path = (directory as NSString).appendingPathComponent("server-\(Self.backupStamp(takenAt)).sqlite")
        var n = 1
        while FileManager.default.fileExists(atPath: path) {
            n += 1
            path = (directory as NSString).appendingPathComponent("server-\(Self.backupStamp(takenAt))-\(n).sqlite")
        }
        let target = path
        let bytes: Int64
        do {
            // Written as `….partial` and renamed when complete, in the same job: the backup
            // scrubber (R-PRIV-34) never opens a file SQLite is still writing.
            bytes = try worker.read { store in
                let partial = target + ".partial"
                let n = try store.database.backup(to: partial)
                guard rename(partial, target) == 0 else {
                    let reason = String(cString: strerror(errno))
                    unlink(partial)
                    throw Problem("backup-failed", status: 503, title: "Backup failed", detail: "could not rename '\(partial)' to '\(target)': \(reason)")
                }
                return n
            }
        } catch let e as DatabaseError {
            throw Problem("backup-failed", status: 503, title: "Backup failed", detail: "could not write the backup to '\(target)': \(e.message)")
        }
        if let keep { Self.pruneBackups(in: directory, keep: keep) }
        return BackupResponse(path: target, bytes: bytes, takenAt: takenAt)
    }

    func backupDirectory() throws -> String {
        if let d = configuration.backupDirectory { return d }
        return try worker.read { store in store.database.path } + ".backups"
    }

    /// `20261202T161503.123Z`: sorts by time, safe in a file name.
    static func backupStamp(_ millis: UInt64) -> String {
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return f.string(from: date)
    }

    /// Deletes all but the newest `keep` files named `server-*.sqlite` in `directory`, with
    /// their side files; never while the backup scrubber works on the directory.
    static func pruneBackups(in directory: String, keep: Int) {
        BackupScrubber.directoryLock.lock()
        defer { BackupScrubber.directoryLock.unlock() }
        for name in BackupScrubber.backupNames(in: directory).dropLast(max(keep, 1)) {
            let p = (directory as NSString).appendingPathComponent(name)
            for file in [p, p + "-wal", p + "-shm", p + ".lock"] { try? FileManager.default.removeItem(atPath: file) }
        }
    }
}
