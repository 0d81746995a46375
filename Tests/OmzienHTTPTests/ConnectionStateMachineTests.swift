#if canImport(Glibc)
import Glibc
#endif
@testable import OmzienHTTP
import Testing

/// The connection state machine driven with bytes and times only: no socket, no sleep.
/// Times are in nanoseconds from an arbitrary origin.
@Suite("Connection state machine")
struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine
    static let ms: UInt64 = 1_000_000
    static let timeouts = Machine.Timeouts(header: 100 * ms, request: 300 * ms, idle: 500 * ms, write: 200 * ms, linger: 50 * ms)
    static let t0: UInt64 = 1_000 * ms

    static func machine(highWater: Int = 256 * 1024, maxBuffered: Int = 64 * 1024) -> Machine {
        Machine(limits: HTTPParserLimits(), timeouts: timeouts, now: t0, maxBufferedInput: maxBuffered, outputHighWater: highWater)
    }

    static func info(_ request: Machine.Request?, keepAlive: Bool? = nil) -> RequestInfo {
        RequestInfo(method: request?.head.method ?? HTTPMethod("-"), path: "-", routeIndex: 0,
                    keepAlive: keepAlive ?? request?.head.keepAlive ?? false, isHEAD: request?.head.method == .head,
                    isHTTP10: request?.head.version.minor == 0, requestID: "id", requestStart: request?.start ?? 0,
                    bytesIn: request?.bytesIn ?? 0)
    }

    static func wait(read: Bool = true, write: Bool = false, _ deadline: UInt64) -> Machine.Action {
        .wait(Machine.Interest(read: read, write: write, deadline: deadline))
    }

    /// A small harness: feeds bytes, answers dispatched requests with "ok <target>", and sends
    /// output into `sent` (all of it, or nothing when `blocked`).
    struct Driver {
        var m = ConnectionStateMachineTests.machine()
        var sent = ""
        var dispatched: [String] = []
        var rejected: [Machine.Rejection] = []
        var halfClosed = false
        var closed = false
        var blocked = false
        var shuttingDown = false

        mutating func read(_ text: String, at now: UInt64) -> Machine.Action {
            let bytes = Array(text.utf8)
            let first = bytes.withUnsafeBufferPointer { m.bytesRead($0, now: now) }
            return drive(first, now)
        }

        /// Performs actions like the event loop until a wait or a close, answering every
        /// request at once; returns the last action.
        mutating func drive(_ first: Machine.Action, _ now: UInt64) -> Machine.Action {
            var action = first
            while true {
                switch action {
                case .dispatch(let request):
                    dispatched.append(request.head.target)
                    _ = m.respond(.text("ok \(request.head.target)"), to: ConnectionStateMachineTests.info(request), now: now,
                                  shuttingDown: shuttingDown, date: Array("D".utf8), serverName: nil)
                case .reject(let rejection, _, _, _):
                    rejected.append(rejection)
                    _ = m.respond(HTTPResponse(status: .requestTimeout), to: ConnectionStateMachineTests.info(nil), now: now,
                                  shuttingDown: shuttingDown, date: Array("D".utf8), serverName: nil)
                case .write:
                    if blocked {
                        m.writeWouldBlock()
                    } else {
                        let text = m.withUnsentOutput { String(decoding: $0, as: UTF8.self) }
                        sent += text
                        m.didWrite(text.utf8.count, now: now)
                    }
                case .halfClose:
                    halfClosed = true
                case .close:
                    closed = true
                    return action
                case .wait:
                    return action
                }
                action = m.next(now: now)
            }
        }
    }

    static let get = "GET /a HTTP/1.1\r\nHost: t\r\n\r\n"

    @Test("a new connection reads, with the header timeout from accept; silent, it is closed without an answer")
    func silentConnection() {
        var d = Driver()
        #expect(d.drive(d.m.next(now: Self.t0), Self.t0) == Self.wait(Self.t0 + 100 * Self.ms))
        #expect(d.drive(d.m.timerFired(now: Self.t0 + 99 * Self.ms), Self.t0) == Self.wait(Self.t0 + 100 * Self.ms))
        #expect(d.drive(d.m.timerFired(now: Self.t0 + 100 * Self.ms), Self.t0) == .close)
        #expect(d.sent.isEmpty)
    }

    @Test("keep-alive: answered, then idle with the idle timeout since the answer, then closed without an answer")
    func keepAliveThenIdleTimeout() {
        var d = Driver()
        let t1 = Self.t0 + 10 * Self.ms
        #expect(d.read(Self.get, at: t1) == Self.wait(t1 + 500 * Self.ms))
        #expect(d.dispatched == ["/a"] && d.sent.hasPrefix("HTTP/1.1 200 OK\r\n") && !d.sent.contains("Connection:"))
        let t2 = t1 + 100 * Self.ms
        #expect(d.read(Self.get, at: t2) == Self.wait(t2 + 500 * Self.ms))
        #expect(d.m.requestsCompleted == 2)
        #expect(d.drive(d.m.timerFired(now: t2 + 500 * Self.ms), t2) == .close)
        #expect(!d.halfClosed)
    }

    @Test("an incomplete head: deadline min(header, request) from its first byte; trickling does not extend it; 408, then linger")
    func headerTimeout() {
        var d = Driver()
        let t1 = Self.t0 + 10 * Self.ms
        #expect(d.read("GET /a HTTP/1.1\r\nHo", at: t1) == Self.wait(t1 + 100 * Self.ms))
        #expect(d.read("st: t\r\nX-Slow: a", at: t1 + 90 * Self.ms) == Self.wait(t1 + 100 * Self.ms))
        let fired = t1 + 100 * Self.ms
        let last = d.drive(d.m.timerFired(now: fired), fired)
        #expect(d.rejected == [.timedOut])
        #expect(d.sent.contains("408") && d.sent.contains("Connection: close"))
        #expect(d.halfClosed && last == Self.wait(fired + 50 * Self.ms))
        // Lingering: input is discarded; the linger deadline closes.
        #expect(d.read("more", at: fired + 10 * Self.ms) == Self.wait(fired + 50 * Self.ms))
        #expect(d.drive(d.m.timerFired(now: fired + 50 * Self.ms), fired) == .close)
        #expect(d.dispatched.isEmpty)
    }

    @Test("a slow body: deadline is the request timeout from the first byte; 408 names the request's head")
    func requestTimeout() {
        var m = Self.machine()
        let t1 = Self.t0 + 10 * Self.ms
        let bytes = Array("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc".utf8)
        #expect(bytes.withUnsafeBufferPointer { m.bytesRead($0, now: t1) } == Self.wait(t1 + 300 * Self.ms))
        guard case .reject(.timedOut, let head?, let start, let bytesIn) = m.timerFired(now: t1 + 300 * Self.ms) else {
            Issue.record("expected a 408 rejection")
            return
        }
        #expect(head.target == "/up" && start == t1 && bytesIn == bytes.count)
    }

    @Test("the lingering close ends at the peer's EOF")
    func lingerEndsAtEOF() {
        var d = Driver()
        _ = d.read("GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", at: Self.t0)
        #expect(d.halfClosed && d.sent.contains("Connection: close"))
        #expect(d.drive(d.m.peerClosed(now: Self.t0), Self.t0) == .close)
    }

    @Test("pipelining: requests in one read are dispatched one at a time and answered in order")
    func pipelining() {
        var d = Driver()
        let last = d.read("GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\nGET /3 HTTP/1.1\r\nHost: t\r\n\r\nGET /4 HTT", at: Self.t0)
        #expect(d.dispatched == ["/1", "/2", "/3"])
        let bodies = d.sent.components(separatedBy: "\r\n\r\n").filter { $0.hasPrefix("ok") }
        #expect(bodies.map { String($0.prefix(5)) } == ["ok /1", "ok /2", "ok /3"])
        // The fourth is being read: its head deadline counts from its first byte.
        #expect(last == Self.wait(Self.t0 + 100 * Self.ms))
        _ = d.read("P/1.1\r\nHost: t\r\n\r\n", at: Self.t0 + 1)
        #expect(d.dispatched == ["/1", "/2", "/3", "/4"])
    }

    @Test("a request with a worker: no deadline, input buffered (not parsed) up to one read buffer, then not read")
    func workerRequest() {
        var m = Self.machine(maxBuffered: 64)
        let two = Array((Self.get + "GET /b HTTP/1.1\r\nHost: t\r\n\r\n").utf8)
        guard case .dispatch(let first) = two.withUnsafeBufferPointer({ m.bytesRead($0, now: Self.t0) }) else {
            Issue.record("expected a dispatch")
            return
        }
        #expect(first.head.target == "/a")
        // With the worker: the second request waits in the buffer.
        #expect(m.next(now: Self.t0) == Self.wait(.max))
        let more = Array(String(repeating: "x", count: 40).utf8)
        #expect(more.withUnsafeBufferPointer { m.bytesRead($0, now: Self.t0) } == Self.wait(read: false, .max))
        _ = m.respond(.text("a"), to: Self.info(first), now: Self.t0 + 5, shuttingDown: false, date: [], serverName: nil)
        guard case .dispatch(let second) = m.next(now: Self.t0 + 5) else {
            Issue.record("expected the buffered request")
            return
        }
        #expect(second.head.target == "/b" && second.start == Self.t0 + 5)
    }

    @Test("a parse error is answered once and closes; the bytes after it are never parsed")
    func rejection() {
        var d = Driver()
        _ = d.read("GET / HTTP/1.1\r\nHost : t\r\n\r\n" + Self.get, at: Self.t0)
        #expect(d.rejected == [.malformed(.whitespaceBeforeColon)])
        #expect(d.dispatched.isEmpty && d.halfClosed)
    }

    @Test("a half-closed peer still gets every answer, then the connection closes without lingering")
    func halfClosedPeer() {
        var d = Driver()
        d.blocked = true
        _ = d.read(Self.get + Self.get, at: Self.t0)
        #expect(d.drive(d.m.peerClosed(now: Self.t0), Self.t0) == Self.wait(read: false, write: true, Self.t0 + 200 * Self.ms))
        d.blocked = false
        #expect(d.drive(d.m.writable(now: Self.t0 + 1), Self.t0 + 1) == .close)
        #expect(d.dispatched.count == 2 && !d.halfClosed)
    }

    @Test("EOF in the middle of a request: closed without an answer")
    func partialThenEOF() {
        var d = Driver()
        _ = d.read("GET /a HTTP/1.1\r\nHost", at: Self.t0)
        #expect(d.drive(d.m.peerClosed(now: Self.t0), Self.t0) == .close)
        #expect(d.sent.isEmpty)
    }

    @Test("a client that does not read: write timeout since the last progress, then closed")
    func writeStall() {
        var d = Driver()
        d.blocked = true
        let t1 = Self.t0 + 7
        #expect(d.read(Self.get, at: t1) == Self.wait(write: true, t1 + 200 * Self.ms))
        #expect(d.drive(d.m.timerFired(now: t1 + 200 * Self.ms), t1) == .close)
    }

    @Test("backpressure: parsing pauses at the output high-water mark and reading stops")
    func highWater() {
        var d = Driver()
        d.m = Self.machine(highWater: 200)
        d.blocked = true
        let last = d.read(String(repeating: Self.get, count: 5), at: Self.t0)
        #expect(d.dispatched.count == 2, "\(d.dispatched)")  // one answer is about 110 bytes: two pass 200
        #expect(last == Self.wait(read: false, write: true, Self.t0 + 200 * Self.ms))
        d.blocked = false
        #expect(d.drive(d.m.writable(now: Self.t0 + 1), Self.t0 + 1) == Self.wait(Self.t0 + 1 + 500 * Self.ms))
        #expect(d.dispatched.count == 5)
    }

    @Test("draining: an idle connection closes at once, a busy one after its answer, which says Connection: close")
    func draining() {
        var idle = Driver()
        _ = idle.read(Self.get, at: Self.t0)
        #expect(idle.m.drain(now: Self.t0) == .close)

        var m = Self.machine()
        let bytes = Array(Self.get.utf8)
        guard case .dispatch(let request) = bytes.withUnsafeBufferPointer({ m.bytesRead($0, now: Self.t0) }) else {
            Issue.record("expected a dispatch")
            return
        }
        #expect(m.drain(now: Self.t0) == Self.wait(.max))
        _ = m.respond(.text("x"), to: Self.info(request), now: Self.t0, shuttingDown: false, date: [], serverName: nil)
        #expect(m.withUnsentOutput { String(decoding: $0, as: UTF8.self) }.contains("Connection: close"))
        #expect(m.state == .closing)
    }

    @Test("a shutting-down server closes after the answer; HTTP/1.0 keep-alive is said out loud; HEAD has no body")
    func framingOfAnswers() {
        var closing = Driver()
        closing.shuttingDown = true
        _ = closing.read(Self.get, at: Self.t0)
        #expect(closing.sent.contains("Connection: close") && closing.halfClosed)

        var old = Driver()
        _ = old.read("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", at: Self.t0)
        #expect(old.sent.contains("Connection: keep-alive") && !old.halfClosed)
        _ = old.read("GET /b HTTP/1.0\r\n\r\n", at: Self.t0)
        #expect(old.sent.contains("Connection: close") && old.halfClosed)

        var head = Driver()
        _ = head.read("HEAD /a HTTP/1.1\r\nHost: t\r\n\r\n", at: Self.t0)
        #expect(head.sent.contains("Content-Length: 5\r\n") && head.sent.hasSuffix("\r\n\r\n"))
    }

    @Test("Expect: 100-continue gets the interim answer only when no body bytes came with the head")
    func expectContinue() {
        var waiting = Driver()
        _ = waiting.read("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", at: Self.t0)
        #expect(waiting.sent == "HTTP/1.1 100 Continue\r\n\r\n")
        _ = waiting.read("hi", at: Self.t0)
        #expect(waiting.dispatched == ["/e"])

        var eager = Driver()
        _ = eager.read("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", at: Self.t0)
        #expect(!eager.sent.contains("100 Continue") && eager.dispatched == ["/e"])
    }
}

/// The errno policy of the syscall wrapper, as a pure function.
@Suite("Syscall errno policy")
struct SyscallPolicyTests {
    @Test("EINTR is retried, except for close, whose descriptor is gone either way on Linux")
    func eintr() {
        #expect(Syscall.disposition(of: EINTR, for: .restartable) == .retry)
        #expect(Syscall.disposition(of: EINTR, for: .close) == .done)
    }

    @Test("EAGAIN would block; EBADF and EFAULT are bugs; a peer's errors are failures")
    func others() {
        #expect(Syscall.disposition(of: EAGAIN, for: .restartable) == .wouldBlock)
        for kind in [Syscall.Kind.restartable, .close] {
            #expect(Syscall.disposition(of: EBADF, for: kind) == .programmerError)
            #expect(Syscall.disposition(of: EFAULT, for: kind) == .programmerError)
        }
        #expect(Syscall.disposition(of: ECONNRESET, for: .restartable) == .fail)
        #expect(Syscall.disposition(of: EPIPE, for: .restartable) == .fail)
        #expect(Syscall.disposition(of: EIO, for: .close) == .fail)
    }
}
