#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OmzienHTTP
import Testing

enum TestFailure: Error, CustomStringConvertible {
    case message(String)
    var description: String {
        switch self {
        case .message(let m): return m
        }
    }
}

/// The package root, found from this file's path.
let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The directory holding the test bundle and the built executables.
let buildProductsDirectory: URL = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: exe).deletingLastPathComponent()
}()

/// Starts a server on 127.0.0.1, port 0, runs `body`, then shuts it down.
func withServer<T>(
    _ configuration: HTTPServer.Configuration = .testing(), router: Router,
    _ body: (HTTPServer, Int) throws -> T
) throws -> T {
    let server = HTTPServer(configuration: configuration, router: router)
    let port = try server.start()
    defer { server.shutdown(deadline: .seconds(5)) }
    let result = try body(server, port)
    // h11 checks every response any RawClient of this test received from this server.
    let clients = rawClientRegistry.withLock { $0.removeValue(forKey: port) ?? [] }
    if !clients.isEmpty {
        let results = try H11.check(clients.map {
            H11.Exchange(methods: $0.sentMethods, bytes: $0.received, eof: $0.sawEOF, optionalLast: true)
        })
        for (i, r) in results.enumerated() where r.error != nil || r.unparsed != 0 {
            Issue.record("h11 rejects the responses on connection \(i): \(r.error ?? "") (unparsed \(r.unparsed))")
        }
    }
    return result
}

/// Runs a program to completion.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: Data, stderr: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    let writer = Thread {
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
    }
    writer.start()
    // Read both pipes fully (concurrently) so that a chatty child cannot block.
    let errBox = DataBox()
    let errThread = Thread { errBox.set(err.fileHandleForReading.readDataToEndOfFile()) }
    errThread.start()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, stdoutData, errBox.waitAndGet())
}

final class DataBox: @unchecked Sendable {
    // Guarded by `condition`.
    private var data: Data?
    private let condition = NSCondition()
    func set(_ d: Data) {
        condition.lock()
        data = d
        condition.signal()
        condition.unlock()
    }
    func waitAndGet() -> Data {
        condition.lock()
        while data == nil { condition.wait() }
        let d = data!
        condition.unlock()
        return d
    }
}

func which(_ program: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(program)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Python with h11 importable, or nil (tests that need it then fail with a clear message).
let pythonWithH11: String? = {
    guard let python = which("python3") else { return nil }
    guard let r = try? runProcess(python, ["-c", "import h11"]), r.status == 0 else { return nil }
    return python
}()

func requirePythonWithH11() throws -> String {
    guard let p = pythonWithH11 else {
        throw TestFailure.message("python3 with h11 is required (Tools/install-deps.sh installs it)")
    }
    return p
}
