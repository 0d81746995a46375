#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Dispatch
import Synchronization

/// One event-loop thread: an epoll instance, its own descriptor of the listening socket, and the
/// connections it accepted.
///
/// Sendability (`@unchecked Sendable`): every mutable property except `mailbox` is touched only
/// by the loop's own thread, inside ``run()``. Other threads talk to the loop only through
/// ``post(_:)``, which appends to the `Mutex`-protected mailbox and wakes the loop through an
/// eventfd; the eventfd is closed under the same lock, so a late post can never write to a
/// closed (or reused) descriptor.
///
/// The loop is the thin driver of each connection's ``ConnectionStateMachine``: it performs
/// the system calls (read, send, shutdown, close, epoll_ctl) and the routing, feeds the results
/// back as events, and does what the machine answers (`drive`). Keep-alive, pipelining,
/// lingering close, backpressure and timeouts are the machine's decisions.
///
/// Level-triggered epoll; a connection's interest set is the one its machine asks for. Timers:
/// each connection has one deadline (from its machine); the loop scans deadlines every `tick`
/// (a fraction of the shortest timeout, 5–250 ms).
final class EventLoop: @unchecked Sendable {
    enum Message: Sendable {
        case response(token: UInt64, outcome: ServerCore.Outcome)
        /// Stop accepting, close idle connections, exit when no connection is left.
        case drain
        /// Close every connection and exit now.
        case forceClose
    }

    /// Messages from other threads. The eventfd is written only when the loop is (about to be)
    /// blocked in epoll_wait (`sleeping`), and at most once per sleep (`wakePending`); a busy
    /// loop picks messages up at its next iteration without any system call.
    private struct Mailbox {
        var messages: [Message] = []
        var closed = false
        var sleeping = false
        var wakePending = false
    }

    static let readBufferSize = 64 * 1024
    /// Processing of further pipelined requests pauses while this much output is unsent.
    static let outputHighWater = 256 * 1024
    private static let listenToken = UInt64.max
    private static let wakeToken = UInt64.max - 1

    let index: Int
    let core: ServerCore
    /// Signalled once when ``run()`` returns.
    let exited = DispatchSemaphore(value: 0)

    private let epfd: Int32
    private let wakeFD: Int32
    private let mailbox = Mutex(Mailbox())

    // Loop-thread state.
    private var listenFD: Int32
    private var connections: [Connection?] = []
    private var connectionCount = 0
    private var nextGeneration: UInt32 = 1
    private var requestCounter: UInt64 = 0
    private let readBuffer: UnsafeMutableBufferPointer<UInt8>
    private var now: UInt64 = 0
    private var dateBytes: [UInt8] = []
    private var dateSecond = 0
    private var draining = false
    private var stopping = false
    private var acceptPausedUntil: UInt64 = 0
    private var nextTimerScan: UInt64 = 0
    private var bytesInSinceFlush = 0
    private var bytesOutSinceFlush = 0

    private let timeouts: ConnectionStateMachine.Timeouts
    private let tick: UInt64

    init(index: Int, core: ServerCore, listenFD: Int32) throws(SystemError) {
        self.index = index
        self.core = core
        self.listenFD = listenFD
        let epfd = omzien_epoll_create()
        guard epfd >= 0 else { throw SystemError(call: "epoll_create1", errno: errno) }
        let wakeFD = omzien_eventfd()
        guard wakeFD >= 0 else {
            let code = errno
            Syscall.close(epfd)
            throw SystemError(call: "eventfd", errno: code)
        }
        self.epfd = epfd
        self.wakeFD = wakeFD
        readBuffer = .allocate(capacity: EventLoop.readBufferSize)
        timeouts = ConnectionStateMachine.Timeouts(core.configuration)
        tick = min(max(timeouts.shortest / 8, 5_000_000), 250_000_000)
    }

    deinit {
        readBuffer.deallocate()
    }

    /// Hands a message to the loop from any thread. A no-op after the loop exited.
    func post(_ message: Message) {
        mailbox.withLock { box in
            guard !box.closed else { return }
            box.messages.append(message)
            if box.sleeping && !box.wakePending {
                box.wakePending = true
                _ = omzien_eventfd_signal(wakeFD)
            }
        }
    }

    // MARK: The loop

    func run() {
        let maxEvents = 256
        var tokens = [UInt64](repeating: 0, count: maxEvents)
        var events = [UInt32](repeating: 0, count: maxEvents)
        Syscall.mustSucceed("epoll_ctl") { omzien_epoll_ctl(epfd, OMZIEN_EPOLL_CTL_ADD, wakeFD, OMZIEN_EPOLLIN, EventLoop.wakeToken) }
        Syscall.mustSucceed("epoll_ctl") { omzien_epoll_ctl(epfd, OMZIEN_EPOLL_CTL_ADD, listenFD, OMZIEN_EPOLLIN | OMZIEN_EPOLLEXCLUSIVE, EventLoop.listenToken) }
        updateClock()
        nextTimerScan = now + tick

        while !stopping {
            let hasMail = mailbox.withLock { box -> Bool in
                if !box.messages.isEmpty { return true }
                box.sleeping = true
                return false
            }
            let timeout = hasMail ? 0 : nextTimeoutMillis()
            // EINTR is retried by the wrapper (with the same timeout: at worst one tick late).
            let result = Result { () throws(SystemError) -> IOResult in
                try Syscall.run("epoll_wait") {
                    Int(tokens.withUnsafeMutableBufferPointer { t in
                        events.withUnsafeMutableBufferPointer { e in
                            omzien_epoll_wait(epfd, t.baseAddress, e.baseAddress, Int32(maxEvents), timeout)
                        }
                    })
                }
            }
            let mailArrived = mailbox.withLock { box -> Bool in
                box.sleeping = false
                return !box.messages.isEmpty
            }
            guard case .success(.done(let n)) = result else {
                // EINVAL or ENOMEM on our own epoll instance: nothing a peer can cause.
                preconditionFailure("epoll_wait failed: \(result)")
            }
            updateClock()
            for i in 0..<Int(n) {
                switch tokens[i] {
                case EventLoop.listenToken: acceptConnections()
                case EventLoop.wakeToken: break  // drained below
                default: handleEvent(token: tokens[i], events: events[i])
                }
                if stopping { break }
            }
            if mailArrived || hasMail { drainMailbox() }
            if acceptPausedUntil != 0 && now >= acceptPausedUntil { resumeAccepting() }
            if now >= nextTimerScan { scanTimers() }
            flushByteCounters()
            if draining && connectionCount == 0 { break }
        }

        for case let conn? in connections { close(conn) }
        flushByteCounters()
        if listenFD >= 0 {
            Syscall.close(listenFD)
            listenFD = -1
        }
        mailbox.withLock { box in
            box.closed = true
            box.messages = []
            Syscall.close(wakeFD)
        }
        Syscall.close(epfd)
        exited.signal()
    }

    private func nextTimeoutMillis() -> Int32 {
        var wakeAt = UInt64.max
        if connectionCount > 0 { wakeAt = nextTimerScan }
        if acceptPausedUntil != 0 { wakeAt = min(wakeAt, acceptPausedUntil) }
        if wakeAt == .max { return -1 }
        if wakeAt <= now { return 0 }
        return Int32(min((wakeAt - now + 999_999) / 1_000_000, 1000))
    }

    private func updateClock() {
        now = monotonicNanos()
        let second = Int(time(nil))
        if second != dateSecond {
            dateSecond = second
            dateBytes = ResponseWriter.imfFixdate(second)
        }
    }

    private func flushByteCounters() {
        if bytesInSinceFlush > 0 {
            core.metrics.bytesIn.add(bytesInSinceFlush, ordering: .relaxed)
            bytesInSinceFlush = 0
        }
        if bytesOutSinceFlush > 0 {
            core.metrics.bytesOut.add(bytesOutSinceFlush, ordering: .relaxed)
            bytesOutSinceFlush = 0
        }
    }

    // MARK: Accepting

    private func acceptConnections() {
        guard listenFD >= 0 else { return }
        var address = [CChar](repeating: 0, count: 64)
        for _ in 0..<16 {
            let accepted: IOResult
            do {
                accepted = try Syscall.run("accept") { Int(omzien_accept(listenFD, &address, address.count)) }
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO, EPERM: continue  // that one connection is gone
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: out of resources. Stop accepting for a
                    // moment instead of spinning on a listening socket that stays readable.
                    pauseAccepting()
                    return
                }
            }
            guard case .done(let acceptedFD) = accepted else { return }
            let fd = Int32(acceptedFD)
            let metrics = core.metrics
            if metrics.openConnections.add(1, ordering: .relaxed).oldValue >= core.configuration.maxConnections {
                metrics.openConnections.subtract(1, ordering: .relaxed)
                metrics.rejectedConnections.add(1, ordering: .relaxed)
                core.connectionLimitResponse.withUnsafeBytes { response in
                    _ = try? Syscall.run("send") { omzien_send(fd, response.baseAddress, response.count) }
                }
                Syscall.close(fd)
                continue
            }
            metrics.acceptedConnections.add(1, ordering: .relaxed)
            let remote = address.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let conn = Connection(
                fd: fd, generation: nextGeneration, remoteAddress: remote,
                machine: ConnectionStateMachine(
                    limits: core.configuration.limits, timeouts: timeouts, now: now,
                    maxBufferedInput: EventLoop.readBufferSize, outputHighWater: EventLoop.outputHighWater))
            nextGeneration = nextGeneration &+ 1
            let slot = Int(fd)
            if slot >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: max(slot + 1 - connections.count, 64)))
            }
            connections[slot] = conn
            connectionCount += 1
            Syscall.mustSucceed("epoll_ctl") {
                omzien_epoll_ctl(epfd, OMZIEN_EPOLL_CTL_ADD, fd, OMZIEN_EPOLLIN, conn.token)
            }
            conn.interest = OMZIEN_EPOLLIN
            drive(conn, conn.machine.next(now: now))
        }
    }

    private func pauseAccepting() {
        guard listenFD >= 0, acceptPausedUntil == 0 else { return }
        Syscall.mustSucceed("epoll_ctl") { omzien_epoll_ctl(epfd, OMZIEN_EPOLL_CTL_DEL, listenFD, 0, 0) }
        acceptPausedUntil = now + 100_000_000
    }

    private func resumeAccepting() {
        acceptPausedUntil = 0
        guard listenFD >= 0 else { return }
        Syscall.mustSucceed("epoll_ctl") {
            omzien_epoll_ctl(epfd, OMZIEN_EPOLL_CTL_ADD, listenFD, OMZIEN_EPOLLIN | OMZIEN_EPOLLEXCLUSIVE, EventLoop.listenToken)
        }
    }

    // MARK: Mailbox

    private func drainMailbox() {
        var batch: [Message] = []
        mailbox.withLock { box in
            swap(&batch, &box.messages)
            if box.wakePending {
                box.wakePending = false
                _ = omzien_eventfd_drain(wakeFD)
            }
        }
        for message in batch {
            switch message {
            case .response(let token, let outcome):
                guard let conn = connection(for: token), let info = conn.inFlight else { continue }
                conn.inFlight = nil
                queueResponse(conn, outcome, info)
                drive(conn, conn.machine.next(now: now))
            case .drain:
                beginDraining()
            case .forceClose:
                stopping = true
            }
        }
    }

    private func beginDraining() {
        guard !draining else { return }
        draining = true
        if listenFD >= 0 {
            if acceptPausedUntil == 0 {
                Syscall.mustSucceed("epoll_ctl") { omzien_epoll_ctl(epfd, OMZIEN_EPOLL_CTL_DEL, listenFD, 0, 0) }
            }
            Syscall.close(listenFD)
            listenFD = -1
            acceptPausedUntil = 0
        }
        for case let conn? in connections { drive(conn, conn.machine.drain(now: now)) }
    }

    private func connection(for token: UInt64) -> Connection? {
        let slot = Int(token & 0xFFFF_FFFF)
        guard slot < connections.count, let conn = connections[slot], conn.generation == UInt32(token >> 32) else {
            return nil
        }
        return conn
    }

    // MARK: Connection events

    private func handleEvent(token: UInt64, events: UInt32) {
        guard let conn = connection(for: token) else { return }
        if events & OMZIEN_EPOLLERR != 0 || (events & OMZIEN_EPOLLHUP != 0 && events & OMZIEN_EPOLLIN == 0) {
            close(conn)
            return
        }
        if events & OMZIEN_EPOLLOUT != 0 {
            drive(conn, conn.machine.writable(now: now))
            if conn.isClosed { return }
        }
        if events & OMZIEN_EPOLLIN != 0 {
            readable(conn)
        }
    }

    private func readable(_ conn: Connection) {
        let result: IOResult
        do {
            result = try Syscall.run("read") { Glibc.read(conn.fd, readBuffer.baseAddress, readBuffer.count) }
        } catch {
            close(conn)  // ECONNRESET and friends: the peer is gone.
            return
        }
        guard case .done(let n) = result else { return }
        if n == 0 {
            drive(conn, conn.machine.peerClosed(now: now))
            return
        }
        bytesInSinceFlush += n
        drive(conn, conn.machine.bytesRead(UnsafeBufferPointer(rebasing: readBuffer[0..<n]), now: now))
    }

    /// Performs what the connection's state machine asks, feeding back the results, until it
    /// waits (then its interest set and deadline are applied) or the connection is closed.
    private func drive(_ conn: Connection, _ first: ConnectionStateMachine.Action) {
        var action = first
        while true {
            switch action {
            case .dispatch(let request):
                dispatch(conn, request)
            case .reject(let rejection, let head, let start, let bytesIn):
                let info = RequestInfo(
                    method: head?.method ?? HTTPMethod("-"), path: "-", routeIndex: core.metrics.unmatchedRoute,
                    keepAlive: false, isHEAD: false, isHTTP10: false, requestID: makeRequestID(head?.headers),
                    requestStart: start, bytesIn: bytesIn)
                let context = RequestContext(remoteAddress: conn.remoteAddress, requestID: info.requestID, eventLoop: index)
                let outcome = switch rejection {
                case .malformed(let error):
                    core.problem(error.status, error.description, context, error: "rejected: \(error)")
                case .timedOut:
                    // A request that is not complete in time (slow client).
                    core.problem(.requestTimeout, "The request was not received in time.", context, error: "request timeout")
                }
                queueResponse(conn, outcome, info)
            case .write:
                guard flush(conn) else {
                    close(conn)  // EPIPE, ECONNRESET: the peer is gone.
                    return
                }
            case .halfClose:
                Syscall.shutdownWrite(conn.fd)
            case .close:
                close(conn)
                return
            case .wait(let interest):
                updateInterest(conn, interest)
                return
            }
            action = conn.machine.next(now: now)
        }
    }

    private func makeRequestID(_ headers: HTTPHeaders?) -> String {
        requestCounter &+= 1
        if let incoming = headers?["X-Request-Id"], EventLoop.isAcceptableRequestID(incoming) { return incoming }
        return "\(core.requestIDPrefix)-\(index)-\(String(requestCounter, radix: 16))"
    }

    /// A client- or proxy-supplied request id is kept when it is 1–64 characters of
    /// `[A-Za-z0-9._-]` (safe in logs and headers); otherwise a new one is made.
    static func isAcceptableRequestID(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty && utf8.count <= 64 else { return false }
        return utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F
        }
    }

    /// A complete request: route it, then answer at once or hand it to a worker.
    private func dispatch(_ conn: Connection, _ request: ConnectionStateMachine.Request) {
        let head = request.head
        let requestID = makeRequestID(head.headers)
        let context = RequestContext(remoteAddress: conn.remoteAddress, requestID: requestID, eventLoop: index)
        var info = RequestInfo(
            method: head.method, path: "-", routeIndex: core.metrics.unmatchedRoute, keepAlive: head.keepAlive,
            isHEAD: head.method == .head, isHTTP10: head.version.minor == 0, requestID: requestID,
            requestStart: request.start, bytesIn: request.bytesIn)
        switch core.route(head: head, body: request.body, context: context) {
        case .immediate(let outcome, let routeIndex, let path):
            info.routeIndex = routeIndex
            info.path = path
            queueResponse(conn, outcome, info)
        case .handler(let job, .eventLoop):
            info.routeIndex = job.routeIndex
            info.path = job.path
            queueResponse(conn, core.execute(job), info)
        case .handler(let job, .workerPool):
            info.routeIndex = job.routeIndex
            info.path = job.path
            conn.inFlight = info
            let token = conn.token
            let core = self.core
            core.metrics.requestsInProgress.add(1, ordering: .relaxed)
            let submitted = core.pool!.submit { [self] in
                let outcome = core.execute(job)
                core.metrics.requestsInProgress.subtract(1, ordering: .relaxed)
                post(.response(token: token, outcome: outcome))
            }
            if !submitted {
                core.metrics.requestsInProgress.subtract(1, ordering: .relaxed)
                conn.inFlight = nil
                queueResponse(conn, core.problem(.serviceUnavailable, "The server is shutting down.", context), info)
            }
        }
    }

    /// Hands a response to the connection's machine (which serializes it), records metrics and
    /// the log line.
    private func queueResponse(_ conn: Connection, _ outcome: ServerCore.Outcome, _ info: RequestInfo) {
        let response = outcome.response
        let bytesOut = conn.machine.respond(
            response, to: info, now: now, shuttingDown: core.isShuttingDown, date: dateBytes,
            serverName: core.configuration.serverName)
        let code = response.status.code
        let finished = monotonicNanos()
        let seconds = Double(finished &- info.requestStart) / 1e9
        core.metrics.record(loop: index, route: info.routeIndex, status: code, seconds: seconds)
        if let log = core.configuration.requestLog {
            log.write(RequestLogEntry(
                timestamp: wallClockSeconds(), requestID: info.requestID, method: info.method.rawValue,
                path: String(info.path.utf8.prefix(512)) ?? "-", route: core.metrics.routeLabels[info.routeIndex],
                status: code, durationSeconds: seconds, bytesIn: info.bytesIn, bytesOut: bytesOut,
                remoteAddress: conn.remoteAddress, error: outcome.error))
        }
    }

    /// Sends as much output as the socket takes. Returns false when the peer is gone.
    private func flush(_ conn: Connection) -> Bool {
        while conn.machine.unsentCount > 0 {
            let result: IOResult
            do {
                result = try Syscall.run("send") {
                    conn.machine.withUnsentOutput { omzien_send(conn.fd, $0.baseAddress, $0.count) }
                }
            } catch {
                return false
            }
            guard case .done(let n) = result, n > 0 else {
                conn.machine.writeWouldBlock()
                break
            }
            conn.machine.didWrite(n, now: now)
            bytesOutSinceFlush += n
        }
        return true
    }

    private func updateInterest(_ conn: Connection, _ interest: ConnectionStateMachine.Interest) {
        var want: UInt32 = 0
        if interest.read { want |= OMZIEN_EPOLLIN }
        if interest.write { want |= OMZIEN_EPOLLOUT }
        if want != conn.interest {
            Syscall.mustSucceed("epoll_ctl") { omzien_epoll_ctl(epfd, OMZIEN_EPOLL_CTL_MOD, conn.fd, want, conn.token) }
            conn.interest = want
        }
    }

    private func scanTimers() {
        nextTimerScan = now + tick
        for case let conn? in connections where conn.machine.deadline <= now {
            drive(conn, conn.machine.timerFired(now: now))
        }
    }

    private func close(_ conn: Connection) {
        guard !conn.isClosed else { return }
        conn.isClosed = true
        connections[Int(conn.fd)] = nil
        connectionCount -= 1
        core.metrics.openConnections.subtract(1, ordering: .relaxed)
        // Closing the only descriptor removes it from the epoll set.
        Syscall.close(conn.fd)
    }
}
