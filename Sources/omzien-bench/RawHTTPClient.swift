#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A minimal blocking HTTP/1.1 keep-alive client over one TCP connection, for the load side
/// of the sync benchmark: simulated devices cost the 2 shared cores as little as possible, so
/// the figure is the server's. It reads responses framed by Content-Length only (all the
/// server's JSON answers are).
final class RawHTTPClient {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { close(fd); throw BenchError("connect: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Sends a POST and returns (status, body).
    func post(path: String, token: String, body: [UInt8]) throws -> (Int, [UInt8]) {
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        try write(Array(head.utf8) + body)
        return try readResponse()
    }

    private func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchError("send: \(errno)") }
            sent += n
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw BenchError("recv: connection closed") }
        buffer += chunk[0..<n]
    }

    private func readResponse() throws -> (Int, [UInt8]) {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            if buffer.count >= 4, let i = (0...(buffer.count - 4)).first(where: { buffer[$0..<$0 + 4].elementsEqual(crlf2) }) { end = i } else { try fill() }
        }
        let head = String(decoding: buffer[0..<end!], as: UTF8.self)
        let status = Int(head.split(separator: " ")[1]) ?? 0
        let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        let start = end! + 4
        while buffer.count < start + length { try fill() }
        let body = Array(buffer[start..<start + length])
        buffer.removeFirst(start + length)
        return (status, body)
    }
}
