import Foundation
import OmzienStore

/// A job run on a thread of its own every `interval` seconds, the first time one interval
/// after start: the server's backup schedule (R-OPS-2) and its retention purge (R-PRIV-18).
/// The job's line (if any) and any failure go to `log`; a failure is retried at the next
/// interval and never stops the server, and `DatabaseWorkerError.stopped` (the database worker stopped) ends the thread.
/// `stop()` wakes the thread and waits for it (a job under way finishes first); it is safe
/// to call more than once.
public final class PeriodicTask: @unchecked Sendable {  // `stopped` under `wake`
    private let interval: Double
    private let wake = NSCondition()
    private var stopped = false
    private let exited = DispatchSemaphore(value: 0)

    /// `job` returns the line to log after a run, or nil for none; `failure` words a thrown error.
    public init(name: String, interval seconds: Double, log: @escaping @Sendable (String) -> Void,
                failure: @escaping @Sendable (any Error) -> String, job: @escaping @Sendable () throws -> String?) {
        interval = seconds
        let t = Thread { [self] in
            self.loop(log: log, failure: failure, job: job)
            self.exited.signal()
        }
        t.name = name
        t.start()
    }

    private func loop(log: @Sendable (String) -> Void, failure: (any Error) -> String, job: () throws -> String?) {
        while true {
            wake.lock()
            let deadline = Date().addingTimeInterval(interval)
            while !stopped, wake.wait(until: deadline) {}
            let stop = stopped
            wake.unlock()
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
        wake.lock()
        stopped = true
        wake.broadcast()
        wake.unlock()
        // The thread signals `exited` once; every caller takes the signal and passes it on.
        exited.wait()
        exited.signal()
    }
}
