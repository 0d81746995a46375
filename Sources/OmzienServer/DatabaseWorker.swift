import Foundation
import OmzienStore
import OmzienServerStore
import Synchronization

/// The one thread that owns the server's database connection (one connection per file,
/// see `Database`). Every database access of the server runs here, as a job.
///
/// Group commit (R-SYNC-8): write jobs that queue up while a commit is under way run
/// together in the next transaction, each inside its own savepoint (so one failing push
/// does not undo the others), and share one COMMIT, one fsync. A caller's `write` returns
/// only after that COMMIT succeeded: an acknowledgement always means "on disk".
///
/// Lifecycle: one lock (`wake`, an `NSCondition`) guards both the job queue and the `stopped`
/// flag, so a job is either queued before `stop()` (and then runs) or refused with
/// `ServerError.shuttingDown`; it can never be queued after the thread has left its loop.
/// `stop()` finishes the queued jobs and joins the thread (it waits on `exited`, no polling).
///
/// `@unchecked Sendable`: the store is touched only by the worker thread; `jobs` and
/// `stopped` only under `wake`.
public final class DatabaseWorker: @unchecked Sendable {
    private let store: ReplicaStore
    private var jobs: [Job] = []
    private var stopped = false
    private let wake = NSCondition()
    private let exited = DispatchSemaphore(value: 0)
    /// How many transactions committed, and how many write jobs they carried (metrics).
    public let commitStats = Mutex((commits: 0, writes: 0))
    /// Why the last group transaction could not commit because of the storage (disk full,
    /// I/O error), until one commits again: what `/healthz` reports (R-SYNC-15).
    public let storageFailure = Mutex<String?>(nil)
    private let batchStorageFailure = Mutex<DatabaseError?>(nil)
    /// How many commits carried 1, 2–4, 5–16, 17–64 and more than 64 write jobs (metrics).
    public let commitGroupSizes = Mutex([Int](repeating: 0, count: DatabaseWorker.groupSizeBounds.count + 1))
    /// Upper bounds of the commit group size buckets of ``commitGroupSizes``.
    public static let groupSizeBounds = [1, 4, 16, 64]

    /// `@unchecked Sendable`: a job is created by the caller and run only on the database thread.
    private struct Job: @unchecked Sendable {
        let isWrite: Bool
        let run: (ReplicaStore) -> Void
        let finish: ((any Error)?) -> Void
    }

    public init(store: ReplicaStore) {
        self.store = store
        let t = Thread { [unowned self] in
            self.loop()
            self.exited.signal()
        }
        t.name = "omzien-db"
        t.start()
    }

    /// Runs `body` on the database thread, outside any transaction, and returns its result.
    /// - Throws: `ServerError.shuttingDown` once ``stop()`` has begun.
    public func read<T>(_ body: @escaping (ReplicaStore) throws -> T) throws -> T {
        try submit(isWrite: false, body)
    }

    /// Runs `body` in the next group transaction; returns once it is durably committed.
    /// - Throws: `ServerError.shuttingDown` once ``stop()`` has begun.
    public func write<T>(_ body: @escaping (ReplicaStore) throws -> T) throws -> T {
        try submit(isWrite: true, body)
    }

    private func submit<T>(isWrite: Bool, _ body: @escaping (ReplicaStore) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = ResultBox<T>()
        let job = Job(isWrite: isWrite, run: { store in
            // After a storage failure SQLite has rolled the whole group transaction back
            // (SQLITE_FULL, SQLITE_IOERR): the rest of the group fails with it, unrun.
            if isWrite, let failed = self.batchStorageFailure.withLock({ $0 }) {
                outcome.value = .failure(failed)
                return
            }
            let r = Result { isWrite ? try store.atomically { try body(store) } : try body(store) }
            if case let .failure(e) = r, isWrite {
                try? store.reload()
                if let d = e as? DatabaseError, d.isStorageFailure { self.batchStorageFailure.withLock { $0 = d } }
            }
            outcome.value = r
        }, finish: { error in
            if let error { outcome.value = .failure(error) }
            done.signal()
        })
        wake.lock()
        guard !stopped else {
            wake.unlock()
            throw ServerError.shuttingDown
        }
        jobs.append(job)
        wake.signal()
        wake.unlock()
        done.wait()
        return try outcome.value!.get()
    }

    /// Refuses new jobs, finishes the queued ones, then joins the thread (which closes the
    /// store). Safe to call more than once and from several threads.
    public func stop() {
        wake.lock()
        stopped = true
        wake.broadcast()
        wake.unlock()
        // The thread signals `exited` once; every caller takes the signal and passes it on.
        exited.wait()
        exited.signal()
    }

    private func loop() {
        while true {
            wake.lock()
            while jobs.isEmpty && !stopped { wake.wait() }
            let batch = jobs
            jobs = []
            let finished = batch.isEmpty && stopped
            wake.unlock()
            if finished { break }
            for job in batch where !job.isWrite {
                job.run(store)
                job.finish(nil)
            }
            let writes = batch.filter(\.isWrite)
            guard !writes.isEmpty else { continue }
            do {
                try store.database.transaction {
                    for job in writes { job.run(store) }
                }
                commitStats.withLock { $0.commits += 1; $0.writes += writes.count }
                let failure = batchStorageFailure.withLock { f in defer { f = nil }; return f }
                storageFailure.withLock { $0 = failure?.description }
                let bucket = Self.groupSizeBounds.firstIndex { writes.count <= $0 } ?? Self.groupSizeBounds.count
                commitGroupSizes.withLock { $0[bucket] += 1 }
                try? store.checkpointAfterErase()  // erased bytes leave the WAL once committed
                for job in writes { job.finish(nil) }
            } catch {
                let failure = batchStorageFailure.withLock { f in defer { f = nil }; return f }
                let reported: any Error = failure ?? error
                if let e = reported as? DatabaseError, e.isStorageFailure { storageFailure.withLock { $0 = e.description } }
                try? store.reload()
                for job in writes { job.finish(reported) }
            }
        }
        store.close()
    }
}

/// A job's result: written on the database thread before the job's semaphore is signalled,
/// read by the caller only after waiting on it; the semaphore orders the two.
private final class ResultBox<T>: @unchecked Sendable {
    var value: Result<T, any Error>?
}
