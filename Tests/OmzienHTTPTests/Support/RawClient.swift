#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OmzienHTTP
import Synchronization

/// Every RawClient by server port, so that `withServer` can check all their traffic with h11.
let rawClientRegistry = Mutex<[Int: [RawClient]]>([:])

/// A blocking TCP client for tests that need exact bytes on the wire. Every read has a safety
/// timeout (default 10 s) so that a server bug makes a test fail instead of hang; no test
/// asserts on time.
///
/// `@unchecked Sendable`: a test may send from one thread while it reads on another; `send`
/// touches only the immutable `fd`, and the buffers are used only by the reading thread.
final class RawClient: @unchecked Sendable {
    let fd: Int32
    let port: Int
    /// Everything sent (possibly from another thread).
    private let sentBytes = Mutex<[UInt8]>([])
    private var buffer: [UInt8] = []
    /// Everything received so far (for h11 checks).
    private(set) var received: [UInt8] = []
    private(set) var sawEOF = false
    private(set) var sawReset = false

    enum ClientError: Error { case connect(Int32), timeout, closed }

    init(port: Int, timeoutSeconds: Int = 10) throws {
        self.port = port
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            let e = errno
            Glibc.close(fd)
            throw ClientError.connect(e)
        }
        rawClientRegistry.withLock { $0[port, default: []].append(self) }
    }

    private var isClosed = false
    deinit { close() }

    func close() {
        if !isClosed {
            isClosed = true
            Glibc.close(fd)
        }
    }

    /// Sends all bytes; returns false if the peer closed or reset first.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        sentBytes.withLock { $0 += bytes }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    func shutdownWrite() { Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// The methods of the requests sent, in order (parsed with our parser, generous limits),
    /// plus one "GET" for a response to a request that was rejected, partial or not sent.
    var sentMethods: [String] {
        let bytes = sentBytes.withLock { $0 }
        var methods: [String] = []
        for outcome in parseWhole(bytes, limits: HTTPParserLimits(maxRequestLineBytes: 1 << 20, maxHeaderBytes: 1 << 20,
                                                                   maxHeaderCount: 10_000, maxBodyBytes: 1 << 30)) {
            if case .head(let head) = outcome { methods.append(head.method.rawValue) }
        }
        return methods + ["GET"]
    }

    /// Reads once into the buffer. Returns false on EOF or reset; throws on timeout.
    private func fill() throws -> Bool {
        if sawEOF { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer += chunk[0..<n]
                received += chunk[0..<n]
                return true
            }
            if n == 0 {
                sawEOF = true
                return false
            }
            if errno == EINTR { continue }
            if errno == EAGAIN { throw ClientError.timeout }
            sawReset = true
            sawEOF = true
            return false
        }
    }

    /// Reads one response (see ``TestResponse``). `isHEAD` suppresses the body.
    func readResponse(isHEAD: Bool = false) throws -> TestResponse {
        while true {
            if let (response, used) = TestResponse.parse(buffer, isHEAD: isHEAD) {
                buffer.removeFirst(used)
                return response
            }
            guard try fill() else { throw ClientError.closed }
        }
    }

    /// Reads until the server closes; returns the bytes not yet consumed by `readResponse`.
    func readUntilClose() throws -> [UInt8] {
        while try fill() {}
        let rest = buffer
        buffer = []
        return rest
    }

    /// True when the server closed the connection (after any remaining bytes).
    func isClosedByServer() throws -> Bool {
        _ = try readUntilClose()
        return sawEOF
    }
}

/// A response as the tests see it (parsed leniently; h11 does the strict check).
struct TestResponse: CustomStringConvertible {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    var description: String { "\(status) \(headers) \(String(decoding: body, as: UTF8.self))" }
    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TestFailure.message("body is not a JSON object: \(text)")
        }
        return object
    }

    /// Parses one response from the start of `bytes`; nil if incomplete.
    static func parse(_ bytes: [UInt8], isHEAD: Bool) -> (TestResponse, Int)? {
        let marker: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == marker }) else {
            return nil
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        let bodyStart = end + 4
        var length = 0
        if !isHEAD && status >= 200 && status != 204 && status != 304 {
            length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        }
        guard bytes.count >= bodyStart + length else { return nil }
        return (TestResponse(status: status, headers: headers, body: Array(bytes[bodyStart..<(bodyStart + length)])),
                bodyStart + length)
    }
}
