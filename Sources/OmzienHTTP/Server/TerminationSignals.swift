#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// Waits for SIGTERM / SIGINT without relying on signal masks: a C handler writes the signal
/// number to a pipe (async-signal-safe), and ``wait()`` blocks reading it. Works no matter
/// which thread the kernel delivers the signal to.
public struct TerminationSignals: Sendable {
    private let fd: Int32

    /// Installs the handlers. Until then the default action (terminate) applies.
    public init(_ signals: [Int32] = [SIGTERM, SIGINT]) throws(SystemError) {
        let fd = signals.withUnsafeBufferPointer { omzien_signal_pipe($0.baseAddress, Int32($0.count)) }
        guard fd >= 0 else { throw SystemError(call: "sigaction", errno: errno) }
        self.fd = fd
    }

    /// Blocks until one of the signals arrives; returns its number.
    public func wait() -> Int32 {
        var byte: UInt8 = 0
        do {
            // EINTR (a signal arriving while blocked here) is retried by the wrapper.
            guard case .done(1) = try Syscall.run("read(signal pipe)", { Glibc.read(fd, &byte, 1) }) else {
                preconditionFailure("the signal pipe was closed")
            }
        } catch {
            preconditionFailure("signal pipe read failed: \(error)")
        }
        return Int32(byte)
    }
}
