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
/// Level-triggered epoll. A connection's interest set follows its state (see
/// `updateInterest`): while a request is with a worker it keeps reading until one read buffer
/// (`readBufferSize`) is waiting; a client that does not read its responses is not read from
/// (backpressure). Buffered input never exceeds two reads.
///
/// Timeouts: each connection has one deadline derived from its state (`updateDeadline`); the
/// loop scans deadlines every `tick` (a fraction of the shortest timeout, 5–250 ms).
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
    private static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

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

    // Timeouts in nanoseconds.
    private let headerTimeout: UInt64
    private let requestTimeout: UInt64
    private let idleTimeout: UInt64
    private let writeTimeout: UInt64
    private let lingerTimeout: UInt64
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
            Glibc.close(epfd)
            throw SystemError(call: "eventfd", errno: code)
        }
        self.epfd = epfd
        self.wakeFD = wakeFD
        readBuffer = .allocate(capacity: EventLoop.readBufferSize)
        let c = core.configuration
        headerTimeout = c.headerReadTimeout.nanoseconds
        requestTimeout = c.requestTimeout.nanoseconds
        idleTimeout = c.idleTimeout.nanoseconds
        writeTimeout = c.writeTimeout.nanoseconds
        lingerTimeout = c.lingerTimeout.nanoseconds
        let shortest = [headerTimeout, requestTimeout, idleTimeout, writeTimeout, lingerTimeout].min()!
        tick = min(max(shortest / 8, 5_000_000), 250_000_000)
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
            let n = tokens.withUnsafeMutableBufferPointer { t in
                events.withUnsafeMutableBufferPointer { e in
                    omzien_epoll_wait(epfd, t.baseAddress, e.baseAddress, Int32(maxEvents), timeout)
                }
            }
            let mailArrived = mailbox.withLock { box -> Bool in
                box.sleeping = false
                return !box.messages.isEmpty
            }
            if n < 0 {
                if errno == EINTR { continue }
                preconditionFailure("epoll_wait failed with errno \(errno)")
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
            Glibc.close(listenFD)
            listenFD = -1
        }
        mailbox.withLock { box in
            box.closed = true
            box.messages = []
            Glibc.close(wakeFD)
        }
        Glibc.close(epfd)
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
            let fd = omzien_accept(listenFD, &address, address.count)
            if fd < 0 {
                switch errno {
                case EAGAIN: return
                case EINTR, ECONNABORTED, EPROTO, EPERM: continue
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: out of resources. Stop accepting for a
                    // moment instead of spinning on a listening socket that stays readable.
                    pauseAccepting()
                    return
                }
            }
            let metrics = core.metrics
            if metrics.openConnections.add(1, ordering: .relaxed).oldValue >= core.configuration.maxConnections {
                metrics.openConnections.subtract(1, ordering: .relaxed)
                metrics.rejectedConnections.add(1, ordering: .relaxed)
                core.connectionLimitResponse.withUnsafeBytes { _ = omzien_send(fd, $0.baseAddress, $0.count) }
                Glibc.close(fd)
                continue
            }
            metrics.acceptedConnections.add(1, ordering: .relaxed)
            let remote = address.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let conn = Connection(
                fd: fd, generation: nextGeneration, remoteAddress: remote,
                limits: core.configuration.limits, now: now)
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
            updateDeadline(conn)
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
                pump(conn)
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
            Glibc.close(listenFD)
            listenFD = -1
            acceptPausedUntil = 0
        }
        for case let conn? in connections where conn.isIdle { close(conn) }
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
            flush(conn)
            if conn.isClosed { return }
        }
        if events & OMZIEN_EPOLLIN != 0 {
            readable(conn)
            if conn.isClosed { return }
        }
        pump(conn)
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
            if conn.lingering {
                close(conn)
            } else {
                conn.readClosed = true
            }
            return
        }
        bytesInSinceFlush += n
        if conn.lingering { return }  // discarded
        let input = UnsafeBufferPointer(rebasing: readBuffer[0..<n])
        if conn.pendingInput.isEmpty && canProcess(conn) {
            let consumed = process(conn, input)
            if consumed < n && !conn.isClosed && !conn.closeAfterWrite {
                conn.pendingInput.append(contentsOf: UnsafeBufferPointer(rebasing: input[consumed...]))
            }
        } else if !conn.closeAfterWrite {
            conn.pendingInput.append(contentsOf: input)
        }
    }

    private func canProcess(_ conn: Connection) -> Bool {
        conn.inFlight == nil && !conn.closeAfterWrite && !conn.lingering && conn.unsentCount < EventLoop.outputHighWater
    }

    /// Processes buffered input and flushes output until neither makes progress, then updates
    /// the connection's interest set and deadline.
    private func pump(_ conn: Connection) {
        while !conn.isClosed {
            if !conn.pendingInput.isEmpty && canProcess(conn) {
                let consumed = conn.pendingInput.withUnsafeBufferPointer { process(conn, $0) }
                if conn.isClosed { return }
                if conn.closeAfterWrite || consumed == conn.pendingInput.count {
                    conn.pendingInput = []  // also frees the storage: idle connections hold no buffers
                } else {
                    conn.pendingInput.removeFirst(consumed)
                }
            }
            flush(conn)
            if conn.isClosed { return }
            if conn.pendingInput.isEmpty || !canProcess(conn) { break }
        }
        if conn.readClosed && !conn.lingering && conn.inFlight == nil && conn.unsentCount == 0 {
            // EOF and nothing left to answer (a partial request can never complete).
            close(conn)
            return
        }
        if draining && conn.isIdle {
            close(conn)
            return
        }
        updateInterest(conn)
        updateDeadline(conn)
    }

    /// Feeds `input` to the connection's parser until it needs more bytes or may not go on.
    /// Returns the number of bytes consumed.
    private func process(_ conn: Connection, _ input: UnsafeBufferPointer<UInt8>) -> Int {
        var offset = 0
        while canProcess(conn) {
            if conn.parser.isAtMessageBoundary {
                if offset == input.count { break }
                conn.requestStart = now
                conn.requestBytesIn = 0
            }
            let (event, consumed) = conn.parser.parse(UnsafeBufferPointer(rebasing: input[offset...]))
            let base = offset
            offset += consumed
            conn.requestBytesIn += consumed
            switch event {
            case .needMore:
                return offset
            case .head(let head):
                var expectsBody = true
                switch head.framing {
                case .none: expectsBody = false
                case .contentLength(let length):
                    expectsBody = length > 0
                    conn.body.reserveCapacity(min(length, 64 * 1024))
                case .chunked: break
                }
                // RFC 9110 §10.1.1: send 100 (Continue) unless body bytes are already here.
                if head.expectsContinue && expectsBody && offset == input.count {
                    conn.output.append(contentsOf: EventLoop.continueResponse)
                }
                conn.head = head
            case .body(let range):
                conn.body.append(contentsOf: UnsafeBufferPointer(rebasing: input[(base + range.lowerBound)..<(base + range.upperBound)]))
            case .end:
                dispatch(conn)
            case .error(let error):
                let info = rejectionInfo(conn)
                let context = RequestContext(remoteAddress: conn.remoteAddress, requestID: info.requestID, eventLoop: index)
                queueResponse(conn, core.problem(error.status, error.description, context, error: "rejected: \(error)"), info)
                return offset
            }
        }
        return offset
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

    private func rejectionInfo(_ conn: Connection) -> Connection.InFlight {
        let info = Connection.InFlight(
            method: conn.head?.method ?? HTTPMethod("-"), path: "-", routeIndex: core.metrics.unmatchedRoute,
            keepAlive: false, isHEAD: false, isHTTP10: false, requestID: makeRequestID(conn.head?.headers),
            requestStart: conn.requestStart, bytesIn: conn.requestBytesIn)
        conn.head = nil
        conn.body = []
        return info
    }

    /// A complete request: route it, then answer at once or hand it to a worker.
    private func dispatch(_ conn: Connection) {
        guard let head = conn.head else { preconditionFailure("message end without head") }
        conn.head = nil
        let body = conn.body
        conn.body = []
        let requestID = makeRequestID(head.headers)
        let context = RequestContext(remoteAddress: conn.remoteAddress, requestID: requestID, eventLoop: index)
        var info = Connection.InFlight(
            method: head.method, path: "-", routeIndex: core.metrics.unmatchedRoute, keepAlive: head.keepAlive,
            isHEAD: head.method == .head, isHTTP10: head.version.minor == 0, requestID: requestID,
            requestStart: conn.requestStart, bytesIn: conn.requestBytesIn)
        switch core.route(head: head, body: body, context: context) {
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

    /// Serializes a response into the connection's output, records metrics and the log line.
    private func queueResponse(_ conn: Connection, _ outcome: ServerCore.Outcome, _ info: Connection.InFlight) {
        let response = outcome.response
        let keepAlive = info.keepAlive && !draining && !core.isShuttingDown && !conn.closeAfterWrite
        let code = response.status.code
        let hasNoContent = code < 200 || code == 204 || code == 304
        let before = conn.output.count
        if conn.unsentCount == 0 { conn.lastWriteProgress = now }
        ResponseWriter.appendHead(
            to: &conn.output, status: response.status, headers: response.headers,
            bodyLength: hasNoContent ? nil : response.body.count, requestID: info.requestID,
            connection: keepAlive ? (info.isHTTP10 ? .keepAlive : .none) : .close,
            date: dateBytes, serverName: core.configuration.serverName)
        if !info.isHEAD && !hasNoContent { conn.output.append(contentsOf: response.body) }
        let bytesOut = conn.output.count - before
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
        conn.requestsCompleted += 1
        conn.lastResponseAt = now
        if !keepAlive { conn.closeAfterWrite = true }
    }

    /// Writes as much output as the socket takes. When a closing response is fully sent,
    /// starts the lingering close.
    private func flush(_ conn: Connection) {
        while conn.outputOffset < conn.output.count {
            let result: IOResult
            do {
                result = try Syscall.run("send") {
                    conn.output.withUnsafeBytes { buf in
                        omzien_send(conn.fd, buf.baseAddress! + conn.outputOffset, buf.count - conn.outputOffset)
                    }
                }
            } catch {
                close(conn)  // EPIPE, ECONNRESET: the peer is gone.
                return
            }
            guard case .done(let n) = result else { break }
            conn.outputOffset += n
            bytesOutSinceFlush += n
            conn.lastWriteProgress = now
        }
        if conn.outputOffset > 0 && conn.outputOffset == conn.output.count {
            // Keep a small buffer for the next response; give larger ones back.
            conn.output.removeAll(keepingCapacity: conn.output.capacity <= 4 * 1024)
            conn.outputOffset = 0
        }
        if conn.unsentCount == 0 && conn.closeAfterWrite && !conn.lingering {
            startLingeringClose(conn)
        }
    }

    private func startLingeringClose(_ conn: Connection) {
        if conn.readClosed {
            close(conn)
            return
        }
        _ = Glibc.shutdown(conn.fd, Int32(SHUT_WR))
        conn.lingering = true
        conn.lingerDeadline = now + lingerTimeout
        conn.pendingInput = []
        conn.body = []
    }

    private func updateInterest(_ conn: Connection) {
        var want: UInt32 = 0
        if conn.lingering {
            want = OMZIEN_EPOLLIN
        } else {
            // Keep reading while a request is with a worker (no epoll_ctl per request in the
            // common case), but only until one read buffer's worth is waiting.
            let mayRead = !conn.readClosed && !conn.closeAfterWrite
                && conn.unsentCount < EventLoop.outputHighWater && conn.pendingInput.count < EventLoop.readBufferSize
            if mayRead { want |= OMZIEN_EPOLLIN }
            if conn.unsentCount > 0 { want |= OMZIEN_EPOLLOUT }
        }
        if want != conn.interest {
            Syscall.mustSucceed("epoll_ctl") { omzien_epoll_ctl(epfd, OMZIEN_EPOLL_CTL_MOD, conn.fd, want, conn.token) }
            conn.interest = want
        }
    }

    /// One deadline per connection, from its state:
    /// lingering → linger timeout; output blocked → write timeout since the last progress;
    /// request with a worker → none; idle → header timeout from accept (first request) or
    /// idle timeout since the last response; reading a head → header timeout (and request
    /// timeout) from its first byte; reading a body → request timeout from its first byte.
    private func updateDeadline(_ conn: Connection) {
        if conn.lingering {
            conn.deadline = conn.lingerDeadline
        } else if conn.unsentCount > 0 {
            conn.deadline = conn.lastWriteProgress &+ writeTimeout
        } else if conn.inFlight != nil {
            conn.deadline = .max
        } else if conn.parser.isAtMessageBoundary && conn.pendingInput.isEmpty {
            conn.deadline = conn.requestsCompleted == 0
                ? conn.acceptedAt &+ headerTimeout : conn.lastResponseAt &+ idleTimeout
        } else if conn.parser.isReadingHead {
            conn.deadline = conn.requestStart &+ min(headerTimeout, requestTimeout)
        } else {
            conn.deadline = conn.requestStart &+ requestTimeout
        }
    }

    private func scanTimers() {
        nextTimerScan = now + tick
        for case let conn? in connections where conn.deadline <= now {
            if conn.lingering || conn.unsentCount > 0 || conn.isIdle || conn.readClosed {
                close(conn)
            } else if conn.inFlight == nil {
                // A request that is not complete in time (slow client): 408, then close.
                let info = rejectionInfo(conn)
                let context = RequestContext(remoteAddress: conn.remoteAddress, requestID: info.requestID, eventLoop: index)
                queueResponse(conn, core.problem(.requestTimeout, "The request was not received in time.", context,
                                                 error: "request timeout"), info)
                conn.pendingInput = []
                pump(conn)
            }
        }
    }

    private func close(_ conn: Connection) {
        guard !conn.isClosed else { return }
        conn.isClosed = true
        connections[Int(conn.fd)] = nil
        connectionCount -= 1
        core.metrics.openConnections.subtract(1, ordering: .relaxed)
        // Closing the only descriptor removes it from the epoll set.
        Glibc.close(conn.fd)
    }
}
