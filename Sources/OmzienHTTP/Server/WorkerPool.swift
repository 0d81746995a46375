import Dispatch
import Synchronization

/// A fixed set of threads running handlers that may block.
///
/// Sendability: the queue sits in a `Mutex`; a counting semaphore wakes one thread per job.
final class WorkerPool: Sendable {
    typealias Job = @Sendable () -> Void

    private struct Queue {
        var items: [Job?] = []
        var head = 0
        var stopped = false

        mutating func push(_ job: Job?) { items.append(job) }

        mutating func pop() -> Job?? {
            guard head < items.count else { return nil }
            let job = items[head]
            items[head] = nil
            head += 1
            if head >= 1024 && head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return .some(job)
        }
    }

    private let queue = Mutex(Queue())
    private let available = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let threads = Mutex<[OSThread]>([])
    let threadCount: Int

    init(threads count: Int, name: String) {
        precondition(count > 0)
        threadCount = count
        var started: [OSThread] = []
        for i in 0..<count {
            started.append(OSThread.spawn(name: "\(name)-\(i)") { [self] in run() })
        }
        threads.withLock { $0 = started }
    }

    /// Queues `job`. Returns false when the pool is stopped.
    @discardableResult
    func submit(_ job: @escaping Job) -> Bool {
        let accepted = queue.withLock { q -> Bool in
            if q.stopped { return false }
            q.push(job)
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    private func run() {
        while true {
            available.wait()
            let next = queue.withLock { $0.pop() }
            guard let slot = next, let job = slot else { break }  // nil slot: stop marker
            job()
        }
        finished.signal()
    }

    /// Lets queued jobs finish, then stops the threads. Waits until `deadline` (monotonic ns)
    /// for them; threads still busy after it (a handler that hangs) are detached.
    func stop(deadline: UInt64) {
        let count = queue.withLock { q -> Int in
            if q.stopped { return 0 }
            q.stopped = true
            for _ in 0..<threadCount { q.push(nil) }
            return threadCount
        }
        for _ in 0..<count { available.signal() }
        let all = threads.withLock { t -> [OSThread] in
            let copy = t
            t = []
            return copy
        }
        var exited = 0
        for _ in all {
            let now = monotonicNanos()
            let wait = deadline > now ? deadline - now : 0
            if finished.wait(timeout: .now() + .nanoseconds(Int(min(wait, UInt64(Int.max))))) == .timedOut { break }
            exited += 1
        }
        if exited == all.count {
            all.forEach { $0.join() }
        } else {
            all.forEach { $0.detach() }
        }
    }
}
