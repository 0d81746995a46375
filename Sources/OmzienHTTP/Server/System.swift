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
/// ``close(_:)`` is the one exception to the retry rule (see there). What happens on which
/// errno is decided by ``disposition(of:for:)``, a pure function the tests check.
enum Syscall {
    /// Which rules a call follows on failure.
    enum Kind: Equatable {
        /// Any call that can be restarted: read, send, accept, epoll_wait, shutdown, epoll_ctl...
        case restartable
        /// close(2): never restarted (see ``Syscall/close(_:)``).
        case close
    }

    /// What to do after a call failed with an errno.
    enum Disposition: Equatable {
        /// Interrupted by a signal before it did anything: call it again.
        case retry
        /// The descriptor is non-blocking and not ready (`EAGAIN`).
        case wouldBlock
        /// The call has taken effect although it reports an error (close after `EINTR`).
        case done
        /// A bug in this module (`EBADF`, `EFAULT`): trap.
        case programmerError
        /// A real failure (a peer that went away, out of resources): throw it.
        case fail
    }

    /// The errno policy of every system call in this module.
    static func disposition(of code: Int32, for kind: Kind) -> Disposition {
        switch code {
        case EBADF, EFAULT: return .programmerError
        // On Linux close(2) releases the descriptor before it can be interrupted: after EINTR
        // the fd is gone (and may already belong to another thread's new socket), so a retry
        // would at best fail with EBADF and at worst close someone else's descriptor.
        case EINTR: return kind == .close ? .done : .retry
        case EAGAIN: return kind == .close ? .fail : .wouldBlock
        default: return .fail
        }
    }

    @inline(__always)
    static func run(_ call: StaticString, _ body: () -> Int) throws(SystemError) -> IOResult {
        while true {
            let result = body()
            if result >= 0 { return .done(result) }
            let code = errno
            switch disposition(of: code, for: .restartable) {
            case .retry: continue
            case .wouldBlock: return .wouldBlock
            case .programmerError:
                preconditionFailure("\(call) failed with errno \(code): file descriptor or buffer misuse")
            case .done: return .done(0)
            case .fail: throw SystemError(call: "\(call)", errno: code)
            }
        }
    }

    /// For calls that must not fail in normal operation (epoll_ctl on our own fds).
    static func mustSucceed(_ call: StaticString, _ body: () -> Int32) {
        while true {
            if body() >= 0 { return }
            let code = errno
            if disposition(of: code, for: .restartable) == .retry { continue }
            preconditionFailure("\(call) failed with errno \(code)")
        }
    }

    /// Closes a descriptor this module owns, exactly once. Never retried: on Linux the
    /// descriptor is released even when close reports `EINTR` (see ``disposition(of:for:)``).
    /// `EBADF` (a double close) traps; any other error (`EIO` on a socket cannot lose data
    /// we still care about) is ignored, because the descriptor is gone either way.
    static func close(_ fd: Int32) {
        if Glibc.close(fd) == 0 { return }
        let code = errno
        if disposition(of: code, for: .close) == .programmerError {
            preconditionFailure("close(\(fd)) failed with errno \(code): descriptor misuse")
        }
    }

    /// `shutdown(fd, SHUT_WR)`: sends FIN after the queued output. A peer that already reset
    /// the connection (`ENOTCONN`) is not an error here; the next read or send reports it.
    static func shutdownWrite(_ fd: Int32) {
        _ = try? run("shutdown") { Int(Glibc.shutdown(fd, Int32(SHUT_WR))) }
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
