import Foundation
import Synchronization

/// The one thread that owns a replica store's connection (one connection per file, see
/// `Database` and `SQLiteLibrary`). Every access to the store runs there, as a job:
/// `read { store in … }` or `write { store in … }`.
///
/// Group commit (SYNC.md R-SYNC-8): write jobs that queue up while a commit is under way run
/// together in the next transaction, each inside its own savepoint (so one failing job does
/// not undo the others), and share one COMMIT, one fsync. `write` returns only after that
/// COMMIT succeeded: an acknowledgement built from its result always means "on disk".
///
/// Storage failures (disk full, I/O error) roll the whole group transaction back in SQLite:
/// the rest of that group fails with the same error, unrun, and ``storageFailure`` says why
/// until a transaction commits again (what a health check reports, R-SYNC-15).
///
/// Jobs are `@Sendable` and return `Sendable` results, so neither the store nor its
/// `Database` or statements (none of them `Sendable`) can leave the worker's thread. A job
/// must not call its own worker again (it would wait for itself forever): that is a
/// programming error and traps, detected by thread.
///
/// Lifecycle: one lock (`wake`, an `NSCondition`) guards both the job queue and the
/// `stopped` flag, so a job is either queued before ``stop()`` (and then runs) or refused
/// with ``DatabaseWorkerError/stopped``; it can never be queued after the thread has left
/// its loop. `stop()` finishes the queued jobs and joins the thread (``OwnedThread``,
/// no polling); the thread closes the store on its way out.
///
/// `@unchecked Sendable`: the store is touched only by the worker thread; `jobs` and
/// `stopped` only under `wake`; the metrics sit behind their own `Mutex`es.
public final class DatabaseWorker: @unchecked Sendable {
    private let store: ReplicaStore
    private var jobs: [Job] = []
    /// The worker's thread; its `wake` guards `jobs` too.
    private let owned = OwnedThread()
    private var wake: NSCondition { owned.wake }
    private var stopped: Bool { owned.stopping }
    /// The worker's thread, set once before it runs its first job (re-entrancy check).
    private let thread = Mutex<Thread?>(nil)
    /// How many transactions committed, and how many write jobs they carried (metrics).
    public let commitStats = Mutex((commits: 0, writes: 0))
    /// Why the last group transaction could not commit because of the storage (disk full,
    /// I/O error), until one commits again: what `/healthz` reports (R-SYNC-15).
    public let storageFailure = Mutex<String?>(nil)
    /// The storage failure of the group transaction under way (worker thread only).
    private var groupStorageFailure: DatabaseError?
    /// How many commits carried 1, 2–4, 5–16, 17–64 and more than 64 write jobs (metrics).
    public let commitGroupSizes = Mutex([Int](repeating: 0, count: DatabaseWorker.groupSizeBounds.count + 1))
    /// Upper bounds of the commit group size buckets of ``commitGroupSizes``.
    public static let groupSizeBounds = [1, 4, 16, 64]

    /// A queued job: `run` executes the body on the worker thread and keeps its outcome;
    /// `finish` hands the caller the outcome (or the group's failure) and wakes it.
    /// `@unchecked Sendable`: made by the caller, run only on the worker thread.
    private struct Job: @unchecked Sendable {
        let isWrite: Bool
        let run: (DatabaseWorker, ReplicaStore) -> Void
        let finish: ((any Error)?) -> Void
    }

    /// Starts the worker's thread, which owns `store` from now on (and closes it when the
    /// worker stops). Use `store` only through this worker afterwards.
    public init(store: ReplicaStore) {
        self.store = store
        let started = DispatchSemaphore(value: 0)
        owned.start(name: "omzien-db") { [unowned self] in
            self.thread.withLock { $0 = Thread.current }
            started.signal()
            self.loop()
        }
        started.wait()
    }

    /// Runs `body` on the worker thread, outside any transaction, and returns its result.
    /// - Throws: ``DatabaseWorkerError/stopped`` once ``stop()`` has begun, or what `body` throws.
    public func read<T: Sendable>(_ body: @escaping @Sendable (ReplicaStore) throws -> T) throws -> T {
        try submit(isWrite: false, body)
    }

    /// Runs `body` in the next group transaction, in a savepoint of its own; returns once
    /// that transaction is durably committed. If `body` throws, only its own work is undone.
    /// - Throws: ``DatabaseWorkerError/stopped`` once ``stop()`` has begun, what `body`
    ///   throws, or the `DatabaseError` that kept the group from committing.
    public func write<T: Sendable>(_ body: @escaping @Sendable (ReplicaStore) throws -> T) throws -> T {
        try submit(isWrite: true, body)
    }

    /// Whether the caller runs on this worker's thread (inside one of its jobs).
    private var isOnWorkerThread: Bool {
        thread.withLock { $0 } === Thread.current
    }

    private func submit<T: Sendable>(isWrite: Bool, _ body: @escaping @Sendable (ReplicaStore) throws -> T) throws -> T {
        precondition(!isOnWorkerThread, "a database job called its own worker again: it would wait for itself forever; do the work inside the running job")
        let done = DispatchSemaphore(value: 0)
        let outcome = ResultBox<T>()
        let job = Job(isWrite: isWrite, run: { worker, store in
            outcome.value = isWrite ? worker.runWrite(body, on: store) : Result { try body(store) }
        }, finish: { error in
            if let error { outcome.value = .failure(error) }
            done.signal()
        })
        wake.lock()
        guard !stopped else {
            wake.unlock()
            throw DatabaseWorkerError.stopped
        }
        jobs.append(job)
        wake.signal()
        wake.unlock()
        done.wait()
        return try outcome.value!.get()
    }

    /// One write job inside the group transaction (worker thread only).
    private func runWrite<T>(_ body: (ReplicaStore) throws -> T, on store: ReplicaStore) -> Result<T, any Error> {
        // After a storage failure SQLite has rolled the whole group transaction back
        // (SQLITE_FULL, SQLITE_IOERR): the rest of the group fails with it, unrun.
        if let failed = groupStorageFailure { return .failure(failed) }
        let result = Result { try store.atomically { try body(store) } }
        if case let .failure(error) = result {
            try? store.reload()
            if let e = error as? DatabaseError, e.isStorageFailure { groupStorageFailure = e }
        }
        return result
    }

    /// Refuses new jobs, finishes the queued ones, then joins the thread (which closes the
    /// store). Safe to call more than once and from several threads.
    public func stop() {
        owned.stop()
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
                job.run(self, store)
                job.finish(nil)
            }
            let writes = batch.filter(\.isWrite)
            if !writes.isEmpty { commit(writes) }
        }
        store.close()
    }

    /// Runs one group of write jobs in one transaction and answers them after its COMMIT.
    private func commit(_ writes: [Job]) {
        do {
            try store.database.transaction {
                for job in writes { job.run(self, store) }
            }
            commitStats.withLock { $0.commits += 1; $0.writes += writes.count }
            let failure = groupStorageFailure
            groupStorageFailure = nil
            storageFailure.withLock { $0 = failure?.description }
            let bucket = Self.groupSizeBounds.firstIndex { writes.count <= $0 } ?? Self.groupSizeBounds.count
            commitGroupSizes.withLock { $0[bucket] += 1 }
            try? store.checkpointAfterErase()  // erased bytes leave the WAL once committed
            for job in writes { job.finish(nil) }
        } catch {
            let failure = groupStorageFailure
            groupStorageFailure = nil
            let reported: any Error = failure ?? error
            if let e = reported as? DatabaseError, e.isStorageFailure { storageFailure.withLock { $0 = e.description } }
            try? store.reload()
            for job in writes { job.finish(reported) }
        }
    }
}

/// Why a ``DatabaseWorker`` refused a job.
public enum DatabaseWorkerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// ``DatabaseWorker/stop()`` has begun: the worker takes no new jobs.
    case stopped

    public var description: String {
        switch self {
        case .stopped: "the database worker has stopped and takes no new jobs"
        }
    }
}

/// A job's result: written on the worker thread before the job's semaphore is signalled,
/// read by the caller only after waiting on it; the semaphore orders the two.
private final class ResultBox<T>: @unchecked Sendable {
    var value: Result<T, any Error>?
}
