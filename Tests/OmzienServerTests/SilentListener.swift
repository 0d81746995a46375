import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP listener that accepts connections and never answers: a server that is
/// stuck. `accepted` counts the connections taken; they stay open until `close()` (or deinit).
final class SilentListener: @unchecked Sendable {  // counters under `lock`
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var clients: [Int32] = []
    private var closed = false

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread { [weak self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0, let self else { return }
                self.lock.lock()
                if self.closed { Glibc.close(client) } else { self.clients.append(client) }
                self.lock.unlock()
            }
        }.start()
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    var accepted: Int { lock.lock(); defer { lock.unlock() }; return clients.count }

    /// Waits up to `seconds` until a client connected; whether one did.
    func waitForClient(seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, accepted == 0 { usleep(10_000) }
        return accepted > 0
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        for c in clients { Glibc.close(c) }
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    deinit { close() }
}
