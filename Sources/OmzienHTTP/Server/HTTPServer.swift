#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Dispatch
import Synchronization

/// An HTTP/1.1 server on non-blocking POSIX sockets and epoll.
///
/// ```swift
/// var router = Router()
/// router.get("/v1/things/:id") { request, context in
///     try .json(Thing(id: request.parameter("id")))
/// }
/// let server = HTTPServer(configuration: .init(), router: router)
/// let port = try server.start()          // returns the bound port (port 0 → ephemeral)
/// ...
/// server.shutdown(deadline: .seconds(10))
/// ```
///
/// Threads: ``Configuration/eventLoopThreads`` event loops (each its own epoll instance and
/// its own descriptor of the one listening socket, registered with EPOLLEXCLUSIVE; no
/// SO_REUSEPORT, so a port in use is refused; connections stay on the loop that accepted them) and a
/// worker pool of ``Configuration/workerThreads`` for handlers (see ``HandlerExecution``).
/// Requests on one connection are answered strictly in order; while one is with a worker the
/// connection's further pipelined requests wait.
///
/// Lifecycle: `initial → running → shuttingDown → stopped`, guarded by a `Mutex`.
/// ``shutdown(deadline:)`` stops accepting, closes idle connections, lets requests in flight
/// finish (their responses carry `Connection: close`) until the deadline, then closes what is
/// left. ``run(shutdownDeadline:onStart:)`` does all of that on SIGTERM or SIGINT.
public final class HTTPServer: Sendable {
    public let configuration: Configuration
    private let router: Router

    private enum State: Sendable {
        case initial
        case running(Running)
        case shuttingDown
        case stopped
    }

    private struct Running: Sendable {
        var core: ServerCore
        var loops: [EventLoop]
        var threads: [OSThread]
        var port: Int
    }

    private let state = Mutex<State>(.initial)

    public init(configuration: Configuration = Configuration(), router: Router) {
        precondition(configuration.eventLoopThreads > 0, "eventLoopThreads must be positive")
        precondition((0...65535).contains(configuration.port), "port out of range")
        self.configuration = configuration
        self.router = router
    }

    /// Binds, starts the threads and returns the bound port.
    /// - Throws: ``SystemError`` when the address cannot be bound.
    /// - Precondition: called once.
    @discardableResult
    public func start() throws(SystemError) -> Int {
        try state.withLock { (state: inout State) throws(SystemError) -> Int in
            guard case .initial = state else { preconditionFailure("HTTPServer.start() called twice") }
            // One listening socket, bound without SO_REUSEPORT, so that a second server (of
            // another database) cannot bind the same port and split the requests: it gets
            // EADDRINUSE. Each event loop registers its own dup of it (EPOLLEXCLUSIVE).
            var bound: Int32 = 0
            let first = omzien_listen_tcp(configuration.host, UInt16(configuration.port), Int32(configuration.backlog), 0, &bound)
            if first < 0 { throw SystemError(call: "listen(\(configuration.host):\(configuration.port))", errno: errno) }
            let port = Int(bound)
            var fds: [Int32] = [first]
            for _ in 1..<configuration.eventLoopThreads {
                do throws(SystemError) {
                    guard case .done(let fd) = try Syscall.run("fcntl(F_DUPFD_CLOEXEC)", { Int(fcntl(first, F_DUPFD_CLOEXEC, 0)) })
                    else { preconditionFailure("fcntl does not block") }
                    fds.append(Int32(fd))
                } catch {
                    fds.forEach { Syscall.close($0) }
                    throw SystemError(call: "dup(listening socket)", errno: error.errno)
                }
            }
            let core = ServerCore(configuration: configuration, router: router)
            var loops: [EventLoop] = []
            do throws(SystemError) {
                for (i, fd) in fds.enumerated() { loops.append(try EventLoop(index: i, core: core, listenFD: fd)) }
            } catch {
                fds.forEach { Syscall.close($0) }
                core.pool?.stop(deadline: 0)
                throw error
            }
            let threads = loops.map { loop in OSThread.spawn(name: "omzien-http-\(loop.index)") { loop.run() } }
            state = .running(Running(core: core, loops: loops, threads: threads, port: port))
            return port
        }
    }

    /// The bound port while running.
    public var port: Int? {
        state.withLock { if case .running(let r) = $0 { return r.port } else { return nil } }
    }

    /// The current `/metrics` text while running, else nil.
    public var metricsText: String? {
        state.withLock { if case .running(let r) = $0 { return r.core.metrics.render() } else { return nil } }
    }

    /// Stops accepting, finishes requests in flight within `deadline`, closes everything and
    /// joins the threads. Blocks the caller. Safe to call more than once and from any thread
    /// except an event loop or a handler.
    public func shutdown(deadline: Duration = .seconds(10)) {
        let running: Running? = state.withLock { state in
            switch state {
            case .running(let r):
                state = .shuttingDown
                return r
            case .initial:
                state = .stopped
                return nil
            case .shuttingDown, .stopped:
                return nil
            }
        }
        guard let running else { return }
        let end = monotonicNanos() &+ deadline.nanoseconds
        running.core.beginShutdown()
        for loop in running.loops { loop.post(.drain) }
        for loop in running.loops {
            let now = monotonicNanos()
            let wait = end > now ? end - now : 0
            if loop.exited.wait(timeout: .now() + .nanoseconds(Int(min(wait, UInt64(Int.max))))) == .timedOut { break }
        }
        for loop in running.loops { loop.post(.forceClose) }
        for thread in running.threads { thread.join() }
        running.core.pool?.stop(deadline: max(end, monotonicNanos() &+ 100_000_000))
        state.withLock { $0 = .stopped }
    }

    /// Starts, calls `onStart` with the port, blocks until SIGTERM or SIGINT, then shuts down
    /// gracefully. Returns the signal number; the caller then exits 0.
    @discardableResult
    public func run(shutdownDeadline: Duration = .seconds(10), onStart: (Int) -> Void = { _ in }) throws(SystemError) -> Int32 {
        let signals = try TerminationSignals()
        let port = try start()
        onStart(port)
        let signal = signals.wait()
        shutdown(deadline: shutdownDeadline)
        return signal
    }
}
