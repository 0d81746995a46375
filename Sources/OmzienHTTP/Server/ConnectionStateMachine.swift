/// The life of one HTTP/1.1 connection without any I/O: it takes events (bytes read, the peer
/// closed, the socket became writable, a response is ready, a timer fired, the server drains)
/// together with the current time, and answers with the ``Action`` the event loop must perform
/// next (dispatch a request, answer a rejection, write, half-close, close, or wait for the
/// next event with this interest set and deadline). The idea is swift-nio's
/// `HTTPServerPipelineHandler`: keep-alive, pipelining, lingering close and every timeout are
/// decided here, and tests drive it with bytes and times, without sockets or sleeps.
///
/// The driver's contract: after every action except ``Action/wait(_:)`` and ``Action/close``
/// it performs the action and then asks ``next(now:)``, until the answer is `wait` or `close`.
/// After `.dispatch` or `.reject` it answers with ``respond(_:to:now:shuttingDown:date:serverName:)``
/// (at once, or later when a worker is done); after `.write` it sends the bytes of
/// ``withUnsentOutput(_:)``, reporting ``didWrite(_:now:)`` or ``writeWouldBlock()``.
///
/// States (``State``): `open` (between requests or reading one) → `awaitingResponse` (a
/// request or a rejection is with the driver; further input is buffered, not parsed) → back to
/// `open` for a keep-alive answer, or `closing` (a final answer is queued: input is dropped)
/// → `lingering` (the answer is sent and SHUT_WR done; input is discarded until EOF or the
/// linger deadline) → `closed`. `readClosed` (the peer sent EOF) is orthogonal: what was
/// received is still answered, then the connection closes without lingering.
///
/// Invariants: requests are answered strictly in order, one at a time; input is parsed only
/// in `open` while less than ``outputHighWater`` bytes are unsent (backpressure); buffered
/// input stays below two reads (reading stops once ``maxBufferedInput`` is waiting);
/// `0 <= outputOffset <= output.count`.
///
/// Deadlines (one per connection, from the state, see ``deadline``): lingering → the linger
/// deadline; output waiting → write timeout since the last progress; a request with the
/// driver → none; idle → header timeout from accept (first request) or idle timeout since the
/// last response; reading a head → `min(header, request)` timeout from its first byte;
/// reading a body → request timeout from its first byte. Trickling bytes never extends them.
struct ConnectionStateMachine {
    /// The timeouts in monotonic nanoseconds (``HTTPServer/Configuration`` explains each).
    struct Timeouts: Equatable {
        var header: UInt64
        var request: UInt64
        var idle: UInt64
        var write: UInt64
        var linger: UInt64

        init(header: UInt64, request: UInt64, idle: UInt64, write: UInt64, linger: UInt64) {
            self.header = header
            self.request = request
            self.idle = idle
            self.write = write
            self.linger = linger
        }

        init(_ c: HTTPServer.Configuration) {
            self.init(header: c.headerReadTimeout.nanoseconds, request: c.requestTimeout.nanoseconds,
                      idle: c.idleTimeout.nanoseconds, write: c.writeTimeout.nanoseconds,
                      linger: c.lingerTimeout.nanoseconds)
        }

        var shortest: UInt64 { Swift.min(header, request, idle, write, linger) }
    }

    enum State: Equatable {
        case open
        case awaitingResponse
        case closing
        case lingering(until: UInt64)
        case closed
    }

    /// A complete request, ready to be routed.
    struct Request: Equatable {
        var head: HTTPRequestHead
        var body: [UInt8]
        /// Monotonic time of its first byte.
        var start: UInt64
        var bytesIn: Int
    }

    /// Why a request is answered without its handler (then the connection closes).
    enum Rejection: Equatable {
        /// The bytes are not a valid request or exceed a limit: `error.status`.
        case malformed(HTTPParseError)
        /// The head or the body did not arrive before its deadline: 408.
        case timedOut
    }

    /// The epoll interest and the timer the driver arms while waiting.
    struct Interest: Equatable {
        var read: Bool
        var write: Bool
        /// Monotonic ns at which ``timerFired(now:)`` must be called; `UInt64.max`: never.
        var deadline: UInt64
    }

    enum Action: Equatable {
        /// Route the request and answer it with ``respond(_:to:now:shuttingDown:date:serverName:)``.
        case dispatch(Request)
        /// Answer with a problem for `rejection` (the head, when one was read, names the
        /// request in the log), then the connection closes.
        case reject(Rejection, head: HTTPRequestHead?, start: UInt64, bytesIn: Int)
        /// Send ``withUnsentOutput(_:)``.
        case write
        /// All output is sent and the connection ends: shutdown(SHUT_WR), then keep reading
        /// (and discarding) until EOF or the linger deadline, so that unread request bytes do
        /// not make the kernel reset the connection before the client read the answer.
        case halfClose
        /// Close the descriptor now.
        case close
        /// Nothing to do until the next event.
        case wait(Interest)
    }

    /// Interim answer to `Expect: 100-continue` (RFC 9110 §10.1.1).
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    let timeouts: Timeouts
    /// Reading stops while this much input is buffered (one read buffer).
    let maxBufferedInput: Int
    /// Parsing further pipelined requests pauses while this much output is unsent.
    let outputHighWater: Int
    let acceptedAt: UInt64

    private(set) var state: State = .open
    /// The peer sent EOF.
    private(set) var readClosed = false
    /// When ``timerFired(now:)`` is due, as of the last ``Action/wait(_:)``.
    private(set) var deadline: UInt64 = .max
    private(set) var requestsCompleted = 0

    private var parser: HTTPRequestParser
    /// Bytes read but not parsed: only while parsing may not go on (see the invariants).
    private var pendingInput: [UInt8] = []
    private var output: [UInt8] = []
    private var outputOffset = 0
    /// The last send would have blocked; no `.write` until ``writable(now:)``.
    private var writeBlocked = false
    private var draining = false

    // The request being read.
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var requestStart: UInt64 = 0
    private var requestBytesIn = 0

    private var lastResponseAt: UInt64 = 0
    private var lastWriteProgress: UInt64 = 0

    init(limits: HTTPParserLimits, timeouts: Timeouts, now: UInt64,
         maxBufferedInput: Int = 64 * 1024, outputHighWater: Int = 256 * 1024) {
        self.parser = HTTPRequestParser(limits: limits)
        self.timeouts = timeouts
        self.acceptedAt = now
        self.maxBufferedInput = maxBufferedInput
        self.outputHighWater = outputHighWater
    }

    var unsentCount: Int { output.count - outputOffset }

    /// Between requests, nothing buffered, nothing with the driver, nothing to send.
    var isIdle: Bool {
        state == .open && parser.isAtMessageBoundary && pendingInput.isEmpty && unsentCount == 0
    }

    private var canProcess: Bool { state == .open && unsentCount < outputHighWater }

    // MARK: Events

    /// Bytes arrived. While lingering or closing they are discarded.
    mutating func bytesRead(_ input: UnsafeBufferPointer<UInt8>, now: UInt64) -> Action {
        switch state {
        case .closed:
            return .close
        case .closing, .lingering:
            return next(now: now)
        case .open, .awaitingResponse:
            if pendingInput.isEmpty && canProcess {
                // The common case: parse straight from the read buffer, copy only a rest.
                let (consumed, action) = process(input, now: now)
                if consumed < input.count && !action.isRejection {
                    pendingInput.append(contentsOf: UnsafeBufferPointer(rebasing: input[consumed...]))
                }
                if let action { return action }
            } else {
                pendingInput.append(contentsOf: input)
            }
            return next(now: now)
        }
    }

    /// The peer sent EOF: what was received is still answered, a partial request is dropped.
    mutating func peerClosed(now: UInt64) -> Action {
        if case .lingering = state { return closeNow() }
        if state == .closed { return .close }
        readClosed = true
        return next(now: now)
    }

    /// The socket accepts bytes again.
    mutating func writable(now: UInt64) -> Action {
        writeBlocked = false
        return next(now: now)
    }

    /// Serializes the answer to the request of the last `.dispatch` or `.reject` and decides
    /// whether the connection stays open: only when the client allows it (`info.keepAlive`)
    /// and the server is neither draining nor shutting down. Returns the bytes serialized.
    mutating func respond(_ response: HTTPResponse, to info: RequestInfo, now: UInt64, shuttingDown: Bool,
                          date: [UInt8], serverName: String?) -> Int {
        precondition(state == .awaitingResponse, "a response without a request")
        let keepAlive = info.keepAlive && !draining && !shuttingDown
        let code = response.status.code
        let hasNoContent = code < 200 || code == 204 || code == 304
        let before = output.count
        if unsentCount == 0 { lastWriteProgress = now }
        ResponseWriter.appendHead(
            to: &output, status: response.status, headers: response.headers,
            bodyLength: hasNoContent ? nil : response.body.count, requestID: info.requestID,
            connection: keepAlive ? (info.isHTTP10 ? .keepAlive : .none) : .close,
            date: date, serverName: serverName)
        if !info.isHEAD && !hasNoContent { output.append(contentsOf: response.body) }
        requestsCompleted += 1
        lastResponseAt = now
        if keepAlive {
            state = .open
        } else {
            state = .closing
            pendingInput = []  // never parsed: the connection ends with this answer
        }
        return output.count - before
    }

    /// The deadline of the last `.wait` may have passed. A connection that is idle, lingering,
    /// blocked on output or half-closed by the peer is closed; one in the middle of a request
    /// gets 408 (slow client); one whose request is with the driver has no deadline.
    mutating func timerFired(now: UInt64) -> Action {
        guard state != .closed, deadline <= now else { return state == .closed ? .close : wait() }
        if case .lingering = state { return closeNow() }
        if unsentCount > 0 || isIdle || readClosed { return closeNow() }
        guard state == .open else { return wait() }
        let head = self.head
        self.head = nil
        body = []
        pendingInput = []
        state = .awaitingResponse
        return .reject(.timedOut, head: head, start: requestStart, bytesIn: requestBytesIn)
    }

    /// The server stops: an idle connection closes now, the others after their answer
    /// (which then carries `Connection: close`).
    mutating func drain(now: UInt64) -> Action {
        draining = true
        if state == .closed { return .close }
        if isIdle { return closeNow() }
        return wait()
    }

    // MARK: Output

    /// Calls `body` with the bytes still to send.
    func withUnsentOutput<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        output.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[outputOffset...])) }
    }

    /// `count` bytes of ``withUnsentOutput(_:)`` were sent.
    mutating func didWrite(_ count: Int, now: UInt64) {
        assert(count > 0 && count <= unsentCount)
        outputOffset += count
        lastWriteProgress = now
        if outputOffset == output.count {
            // Keep a small buffer for the next response; give larger ones back.
            output.removeAll(keepingCapacity: output.capacity <= 4 * 1024)
            outputOffset = 0
        }
    }

    /// The socket takes no more bytes for now: wait until ``writable(now:)``.
    mutating func writeWouldBlock() {
        writeBlocked = true
    }

    // MARK: Deciding

    /// What to do next: parse buffered input when allowed, send output, end a connection whose
    /// last answer is out (half-close and linger, or close when the peer already sent EOF),
    /// close one the peer left with nothing to answer or that is idle while draining, else wait.
    mutating func next(now: UInt64) -> Action {
        if state == .closed { return .close }
        if !pendingInput.isEmpty && canProcess {
            var input = pendingInput
            pendingInput = []  // moved out, so that parsing does not copy it
            let (consumed, action) = input.withUnsafeBufferPointer { process($0, now: now) }
            if consumed < input.count && !action.isRejection && state != .closing {
                input.removeFirst(consumed)
                pendingInput = input
            }
            if let action { return action }
        }
        if unsentCount > 0 && !writeBlocked { return .write }
        if state == .closing && unsentCount == 0 {
            if readClosed { return closeNow() }
            state = .lingering(until: now &+ timeouts.linger)
            pendingInput = []
            body = []
            return .halfClose
        }
        if readClosed && state == .open && unsentCount == 0 {
            // EOF and nothing left to answer (a partial request can never complete).
            return closeNow()
        }
        if draining && isIdle { return closeNow() }
        return wait()
    }

    private mutating func closeNow() -> Action {
        state = .closed
        return .close
    }

    private mutating func wait() -> Action {
        let interest: Interest
        if case .lingering(let until) = state {
            interest = Interest(read: true, write: false, deadline: until)
        } else {
            // Keep reading while a request is with the driver (no epoll_ctl per request in
            // the common case), but only until one read buffer's worth is waiting.
            let read = !readClosed && state != .closing && unsentCount < outputHighWater
                && pendingInput.count < maxBufferedInput
            interest = Interest(read: read, write: unsentCount > 0, deadline: currentDeadline())
        }
        deadline = interest.deadline
        return .wait(interest)
    }

    private func currentDeadline() -> UInt64 {
        if case .lingering(let until) = state { return until }
        if unsentCount > 0 { return lastWriteProgress &+ timeouts.write }
        if state == .awaitingResponse { return .max }
        if parser.isAtMessageBoundary && pendingInput.isEmpty {
            return requestsCompleted == 0 ? acceptedAt &+ timeouts.header : lastResponseAt &+ timeouts.idle
        }
        if parser.isReadingHead { return requestStart &+ Swift.min(timeouts.header, timeouts.request) }
        return requestStart &+ timeouts.request
    }

    /// Feeds `input` to the parser until it needs more bytes, a request is complete or
    /// rejected, or parsing may not go on. Returns the bytes consumed and the action, if any.
    private mutating func process(_ input: UnsafeBufferPointer<UInt8>, now: UInt64) -> (consumed: Int, action: Action?) {
        var offset = 0
        while canProcess {
            if parser.isAtMessageBoundary {
                if offset == input.count { break }
                requestStart = now
                requestBytesIn = 0
            }
            let (event, consumed) = parser.parse(UnsafeBufferPointer(rebasing: input[offset...]))
            let base = offset
            offset += consumed
            requestBytesIn += consumed
            switch event {
            case .needMore:
                return (offset, nil)
            case .head(let head):
                var expectsBody = true
                switch head.framing {
                case .none: expectsBody = false
                case .contentLength(let length):
                    expectsBody = length > 0
                    body.reserveCapacity(Swift.min(length, 64 * 1024))
                case .chunked: break
                }
                // RFC 9110 §10.1.1: send 100 (Continue) unless body bytes are already here.
                if head.expectsContinue && expectsBody && offset == input.count {
                    output.append(contentsOf: Self.continueResponse)
                }
                self.head = head
            case .body(let range):
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[(base + range.lowerBound)..<(base + range.upperBound)]))
            case .end:
                guard let head else { preconditionFailure("message end without head") }
                self.head = nil
                let request = Request(head: head, body: body, start: requestStart, bytesIn: requestBytesIn)
                body = []
                state = .awaitingResponse
                return (offset, .dispatch(request))
            case .error(let error):
                let head = self.head
                self.head = nil
                body = []
                state = .awaitingResponse
                return (offset, .reject(.malformed(error), head: head, start: requestStart, bytesIn: requestBytesIn))
            }
        }
        return (offset, nil)
    }
}

extension ConnectionStateMachine.Action? {
    /// A rejected request: the rest of the input is never parsed.
    fileprivate var isRejection: Bool {
        if case .reject? = self { return true }
        return false
    }
}
