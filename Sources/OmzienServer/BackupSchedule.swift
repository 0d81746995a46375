import Foundation
import OmzienProtocol

/// `omzien serve --backup-dir DIR`: a backup every `interval`, keeping the newest `keep`
/// (R-OPS-2). The first one is taken one interval after start. A failed backup is reported
/// through `log` and retried at the next interval; it never stops the server.
/// `stop()` wakes the thread and waits for it (a backup under way finishes first).
public final class BackupSchedule: @unchecked Sendable {
    private let service: SyncService
    private let interval: Double
    private let keep: Int
    private let log: @Sendable (String) -> Void
    private let wake = NSCondition()
    private var stopped = false
    private let exited = DispatchSemaphore(value: 0)

    public init(service: SyncService, interval seconds: Double, keep: Int, log: @escaping @Sendable (String) -> Void) {
        self.service = service
        interval = seconds
        self.keep = keep
        self.log = log
        let t = Thread { [self] in
            self.loop()
            self.exited.signal()
        }
        t.name = "omzien-backup"
        t.start()
    }

    private func loop() {
        while true {
            wake.lock()
            let deadline = Date().addingTimeInterval(interval)
            while !stopped, wake.wait(until: deadline) {}
            let stop = stopped
            wake.unlock()
            if stop { return }
            do {
                let b = try service.backup(keep: keep)
                log("backup: \(b.path) (\(b.bytes) bytes)")
            } catch ServerError.shuttingDown {
                return
            } catch {
                log("backup failed: \(error)")
            }
        }
    }

    public func stop() {
        wake.lock()
        stopped = true
        wake.broadcast()
        wake.unlock()
        exited.wait()
        exited.signal()
    }
}
