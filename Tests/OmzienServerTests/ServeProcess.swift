import Foundation

/// `omzien serve` as a child process, started through `sh` with umask 022 (the usual
/// default, so file modes are the product's doing), on a free loopback port. Its stdout and
/// stderr are collected; `terminate(signal:)` sends a signal and waits for the exit status.
/// A server still running when the test ends is killed (`deinit`).
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    private let out = Pipe(), err = Pipe()
    private let collected = NSLock()
    private var outText = "", errText = ""
    private(set) var port = 0

    /// Starts `omzien serve ARGS` and waits (up to 20 s) until it prints its port, unless
    /// `expectListening` is false (then it only starts it; see `waitForExit`).
    /// `command` runs another long-lived command instead (`["device", "sync", "--watch"]`);
    /// `prefix`: a command that runs the binary (e.g. `faketime -f +181d`).
    init(_ args: [String], expectListening: Bool = true, command: [String] = ["serve"], prefix: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let quoted = (prefix + [CLITests.binary.path] + command + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        process.arguments = ["-c", "umask 022; exec " + quoted.joined(separator: " ")]
        process.standardOutput = out
        process.standardError = err
        // Blocking reads on two plain threads, not `readabilityHandler`: a dispatch source on
        // a pipe whose other end goes away with the child has crashed libdispatch's manager
        // thread (Bad pointer dereference in _dispatch_event_loop_drain) under load.
        for (pipe, isOut) in [(out, true), (err, false)] {
            let handle = pipe.fileHandleForReading
            let thread = Thread { [collected = self.collected, weak self] in
                while true {
                    let d = handle.availableData
                    if d.isEmpty { break }
                    collected.lock()
                    if isOut { self?.outText += String(decoding: d, as: UTF8.self) } else { self?.errText += String(decoding: d, as: UTF8.self) }
                    collected.unlock()
                }
            }
            thread.start()
        }
        try process.run()
        guard expectListening else { return }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, process.isRunning {
            if let range = stdout.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
               let p = Int(stdout[range].split(separator: ":").last!) {
                port = p
                return
            }
            usleep(10_000)
        }
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "serve did not start: \(stdout) \(stderr)"])
    }

    var stdout: String { collected.lock(); defer { collected.unlock() }; return outText }
    var stderr: String { collected.lock(); defer { collected.unlock() }; return errText }
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Waits up to `seconds` until `stdout` contains `text`; whether it does.
    func waitForOutput(_ text: String, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stdout.contains(text) { return true }
            usleep(10_000)
        }
        return stdout.contains(text)
    }

    /// Waits up to `seconds` for the process to exit; its status, or nil if it is still running.
    func waitForExit(seconds: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        usleep(50_000)  // the last output
        return process.terminationStatus
    }

    /// Sends `signal` and waits for the exit status (nil: still running after 20 s).
    func terminate(signal: Int32 = SIGTERM) -> Int32? {
        // A prefix that forks (the `faketime` wrapper) runs the server as its child: signal
        // that one, or it outlives the test holding the output pipes.
        for child in Self.children(of: process.processIdentifier) { kill(child, signal) }
        kill(process.processIdentifier, signal)
        return waitForExit()
    }

    static func children(of pid: Int32) -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    deinit {
        if process.isRunning {
            for child in Self.children(of: process.processIdentifier) { kill(child, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
