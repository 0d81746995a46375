import Foundation

/// A thread of its own that sleeps on a condition until there is work or it is asked to
/// stop: the one lifecycle of the database worker and of the server's periodic tasks.
///
/// `wake` guards ``stopping`` and whatever the owner keeps beside it (the worker's job
/// queue), so "queued before the stop" and "refused after it" can never overlap. ``stop()``
/// sets the flag, wakes the thread and joins it: the body sees ``stopping`` the next time it
/// holds `wake`, finishes what it must and returns. Safe to call more than once and from
/// several threads.
public final class OwnedThread: @unchecked Sendable {  // `stopping` only under `wake`
    /// The condition the thread waits on; hold it to read ``stopping`` or the owner's state.
    public let wake = NSCondition()
    private var _stopping = false
    private let exited = DispatchSemaphore(value: 0)

    public init() {}

    /// True once ``stop()`` has begun. Read with `wake` held.
    public var stopping: Bool { _stopping }

    /// Starts `body` on a new thread named `name`; `body` returns when it has seen ``stopping``.
    public func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let t = Thread { [self] in
            body()
            exited.signal()
        }
        t.name = name
        t.start()
    }

    /// Asks the thread to stop and waits until its body has returned.
    public func stop() {
        wake.lock()
        _stopping = true
        wake.broadcast()
        wake.unlock()
        // The thread signals `exited` once; every caller takes the signal and passes it on.
        exited.wait()
        exited.signal()
    }
}
