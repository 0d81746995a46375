import Foundation
import OmzienStore

/// A job run on a thread of its own every `interval` seconds, the first time one interval
/// after start: the server's backup schedule (R-OPS-2) and its retention purge (R-PRIV-18).
/// The job's line (if any) and any failure go to `log`; a failure is retried at the next
/// interval and never stops the server, and `DatabaseWorkerError.stopped` (the database worker stopped) ends the thread.
/// `stop()` wakes the thread and waits for it (a job under way finishes first); it is safe
/// to call more than once.
public final class PeriodicTask: Sendable {
    private let interval: Double
    private let owned = OwnedThread()

    /// `job` returns the line to log after a run, or nil for none; `failure` words a thrown error.
    public init(name: String, interval seconds: Double, log: @escaping @Sendable (String) -> Void,
                failure: @escaping @Sendable (any Error) -> String, job: @escaping @Sendable () throws -> String?) {
        interval = seconds
        owned.start(name: name) { [self] in
            self.loop(log: log, failure: failure, job: job)
        }
    }

    private func loop(log: @Sendable (String) -> Void, failure: (any Error) -> String, job: () throws -> String?) {
        while true {
            owned.wake.lock()
            let deadline = Date().addingTimeInterval(interval)
            while !owned.stopping, owned.wake.wait(until: deadline) {}
            let stop = owned.stopping
            owned.wake.unlock()
            if stop { return }
            do {
                if let line = try job() { log(line) }
            } catch DatabaseWorkerError.stopped {
                return
            } catch {
                log(failure(error))
            }
        }
    }

    public func stop() {
        owned.stop()
    }
}
