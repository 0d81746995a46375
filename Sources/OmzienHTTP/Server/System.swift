#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// A failed system call: the call's name and errno.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    public let call: String
    public let errno: Int32
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }
    public var description: String {
        "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The result of a non-blocking system call.
enum IOResult: Equatable {
    case done(Int)
    case wouldBlock
}

/// The one wrapper all system calls of this module go through (the swift-nio rule):
/// retry on `EINTR`, map `EAGAIN` to ``IOResult/wouldBlock``, trap on `EBADF` and `EFAULT`
/// (those are bugs in this module, never caused by a peer), throw ``SystemError`` for the rest.
enum Syscall {
    @inline(__always)
    static func run(_ call: StaticString, _ body: () -> Int) throws(SystemError) -> IOResult {
        while true {
            let result = body()
            if result >= 0 { return .done(result) }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN: return .wouldBlock
            case EBADF, EFAULT:
                preconditionFailure("\(call) failed with errno \(code): file descriptor or buffer misuse")
            default:
                throw SystemError(call: "\(call)", errno: code)
            }
        }
    }

    /// For calls that must not fail in normal operation (epoll_ctl on our own fds, close).
    static func mustSucceed(_ call: StaticString, _ body: () -> Int32) {
        while true {
            if body() >= 0 { return }
            let code = errno
            if code == EINTR { continue }
            preconditionFailure("\(call) failed with errno \(code)")
        }
    }
}

/// Nanoseconds on the monotonic clock.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

extension Duration {
    /// Whole nanoseconds, clamped to 0...UInt64.max / 2.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        if seconds > 1_000_000_000 { return UInt64.max / 2 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}

/// A joinable POSIX thread for blocking work (event loops, workers). Swift concurrency is not
/// used for socket work: its cooperative pool must never block.
final class OSThread: @unchecked Sendable {
    // `handle` is written once in `spawn` before the thread object is shared, then only read.
    private var handle = pthread_t()

    private final class Box {
        let body: @Sendable () -> Void
        let name: String
        init(_ body: @escaping @Sendable () -> Void, name: String) {
            self.body = body
            self.name = name
        }
    }

    static func spawn(name: String, _ body: @escaping @Sendable () -> Void) -> OSThread {
        let thread = OSThread()
        let box = Unmanaged.passRetained(Box(body, name: name)).toOpaque()
        let rc = pthread_create(&thread.handle, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            omzien_set_thread_name(box.name)
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        return thread
    }

    func join() {
        pthread_join(handle, nil)
    }

    func detach() {
        pthread_detach(handle)
    }
}

/// The number of online CPUs (at least 1).
func onlineProcessorCount() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
