import Foundation
import OmzienCompression
#if canImport(Glibc)
import Glibc
#endif

/// The simulation's wire in its loopback mode (issue 15, "a slower mode over loopback"): one
/// HTTP/1.1 exchange per connection to the real server on 127.0.0.1, written and read byte
/// by byte on a blocking socket, so that the server's parser, its connection handling and
/// its answers on the wire are in the run. A connection can be cut half-way: after part of
/// the request (the server must not act on it) or after part of the answer (the server did
/// act; the client cannot know).
enum LoopbackWire {
    enum Cut: Equatable {
        case none
        /// Close after this many bytes of the request.
        case request(afterBytes: Int)
        /// Close after this many bytes of the answer.
        case answer(afterBytes: Int)
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// One exchange. Returns nil when the connection was cut (by `cut` or by the server).
    static func exchange(port: Int, method: String, target: String, headers: [(String, String)], body: [UInt8], cut: Cut) throws -> (status: Int, body: [UInt8])? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failed(description: "connect to 127.0.0.1:\(port): errno \(errno)") }

        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var request = Array(head.utf8) + body
        if case let .request(n) = cut { request = Array(request.prefix(max(1, min(n, request.count - 1)))) }
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, request.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return nil }
            sent += n
        }
        if case .request = cut { return nil }

        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            answer.append(contentsOf: buffer[0..<n])
            if case let .answer(limit) = cut, answer.count >= limit { return nil }
        }
        if case .answer = cut { return nil }
        return try parse(answer)
    }

    /// Status and body of one HTTP/1.1 answer read to the end of the connection.
    static func parse(_ bytes: [UInt8]) throws -> (status: Int, body: [UInt8])? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { bytes[$0..<$0 + 4].elementsEqual(separator) }) else { return nil }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, lines[0].hasPrefix("HTTP/1.1 "), let status = Int(statusParts[1]) else {
            throw Failed(description: "not an HTTP/1.1 status line: \(lines[0].prefix(80))")
        }
        var body = Array(bytes[(end + 4)...])
        var length: Int?
        var chunked = false
        var gzipped = false
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "content-length": length = Int(parts[1])
            case "transfer-encoding": chunked = parts[1].lowercased().contains("chunked")
            case "content-encoding": gzipped = parts[1].lowercased() == "gzip"
            default: break
            }
        }
        if chunked { body = try dechunk(body) } else if let length {
            guard body.count >= length else { return nil }  // the server closed early
            body = Array(body.prefix(length))
        }
        if gzipped { body = try Compression.inflate(body, format: .gzip, maxOutput: 256 << 20) }
        return (status, body)
    }

    static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let lineEnd = (i..<max(i, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }),
                  let size = Int(String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) else {
                throw Failed(description: "a broken chunk header at byte \(i)")
            }
            if size == 0 { return out }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { throw Failed(description: "a chunk runs past the end") }
            out.append(contentsOf: bytes[start..<start + size])
            i = start + size + 2
        }
        return out
    }
}
