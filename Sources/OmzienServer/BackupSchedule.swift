import Foundation
import OmzienProtocol

/// `omzien serve --backup-dir DIR`: a backup every `interval`, keeping the newest `keep`
/// (R-OPS-2). The first one is taken one interval after start. A failed backup is reported
/// through `log` and retried at the next interval; it never stops the server.
/// `stop()` wakes the thread and waits for it (a backup under way finishes first).
public enum BackupSchedule {
    public static func start(service: SyncService, interval seconds: Double, keep: Int, log: @escaping @Sendable (String) -> Void) -> PeriodicTask {
        PeriodicTask(name: "omzien-backup", interval: seconds, log: log, failure: { "backup failed: \($0)" }) {
            let b = try service.backup(keep: keep)
            return "backup: \(b.path) (\(b.bytes) bytes)"
        }
    }
}
