import Foundation
import OmzienStore
import Synchronization

/// The one thread that owns the server's database connection (one connection per file,
/// see `Database`). Every database access of the server runs here, as a job.
///
/// Group commit (R-SYNC-8): write jobs that queue up while a commit is under way run
/// together in the next transaction, each inside its own savepoint (so one failing push
/// does not undo the others), and share one COMMIT, one fsync. A caller's `write` returns
/// only after that COMMIT succeeded: an acknowledgement always means "on disk".
///
/// `@unchecked Sendable`: the store is touched only by the worker thread; the job queue is
/// behind `Mutex` and a condition variable.
public final class DatabaseWorker: @unchecked Sendable {
    private let store: ReplicaStore
    private let jobs = Mutex<[Job]>([])
    private let wake = NSCondition()
    private var thread: Thread?
    private let stopped = Mutex(false)
    /// How many transactions committed, and how many write jobs they carried (metrics).
    public let commitStats = Mutex((commits: 0, writes: 0))
    /// Why the last group transaction could not commit because of the storage (disk full,
    /// I/O error), until one commits again: what `/healthz` reports (R-SYNC-15).
    public let storageFailure = Mutex<String?>(nil)
    private let batchStorageFailure = Mutex<DatabaseError?>(nil)

    /// `@unchecked Sendable`: a job is created by the caller and run only on the database thread.
    private struct Job: @unchecked Sendable {
        let isWrite: Bool
        let run: (ReplicaStore) -> Void
        let finish: ((any Error)?) -> Void
    }

    public init(store: ReplicaStore) {
        self.store = store
        let t = Thread { [unowned self] in self.loop() }
        t.name = "omzien-db"
        thread = t
        t.start()
    }

    /// Runs `body` on the database thread, outside any transaction, and returns its result.
    public func read<T>(_ body: @escaping (ReplicaStore) throws -> T) throws -> T {
        try submit(isWrite: false, body)
    }

    /// Runs `body` in the next group transaction; returns once it is durably committed.
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
        guard !stopped.withLock({ $0 }) else { throw ServerError.shuttingDown }
        jobs.withLock { $0.append(job) }
        wake.lock(); wake.signal(); wake.unlock()
        done.wait()
        return try outcome.value!.get()
    }

    /// Finishes queued jobs, then stops the thread and closes the store.
    public func stop() {
        stopped.withLock { $0 = true }
        wake.lock(); wake.signal(); wake.unlock()
        while thread?.isFinished == false { usleep(1000) }
    }

    private func loop() {
        while true {
            wake.lock()
            while jobs.withLock({ $0.isEmpty }) && !stopped.withLock({ $0 }) { wake.wait() }
            wake.unlock()
            let batch = jobs.withLock { queue -> [Job] in defer { queue = [] }; return queue }
            if batch.isEmpty && stopped.withLock({ $0 }) { break }
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
