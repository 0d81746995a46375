import Foundation
import Testing
@testable import OmzienStore

/// A fresh directory under the system temporary directory, removed with everything in it
/// when the value is deinitialized.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Where a test's database lives; tests that make sense for both run once per setup.
enum Storage: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case disk

    var testDescription: String { rawValue }

    /// Opens a database of this kind, runs `body`, closes it and removes its files.
    func withDatabase<T>(options: Database.Options = .init(), _ body: (Database) throws -> T) throws -> T {
        switch self {
        case .memory:
            let db = try Database(path: ":memory:", options: options)
            defer { db.close() }
            return try body(db)
        case .disk:
            let directory = try TemporaryDirectory()
            let db = try Database(path: directory.path("test.sqlite"), options: options)
            defer { db.close() }
            return try body(db)
        }
    }
}

/// Writes a real database file (WAL checkpointed away, so the main file is complete) with
/// one table `t` of `rows` rows and an index, and returns its bytes.
func makeRealDatabaseBytes(rows: Int = 3000) throws -> [UInt8] {
    let directory = try TemporaryDirectory()
    let path = directory.path("real.sqlite")
    let db = try Database(path: path)
    try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, data BLOB NOT NULL); CREATE INDEX t_name ON t(name)")
    try db.transaction {
        for i in 0..<rows {
            try db.execute("INSERT INTO t (name, data) VALUES (?, ?)",
                           [.text("name \(i)"), .blob((0..<50).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) })])
        }
    }
    db.close()
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// A child process running a small Python program, talked to line by line.
final class PythonProcess {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered = Data()

    init(_ script: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    /// The next line the child printed (without the newline), or nil at end of output.
    func readLine() -> String? {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[buffered.startIndex..<newline], as: UTF8.self)
                buffered = Data(buffered[buffered.index(after: newline)...])
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return buffered.isEmpty ? nil : String(decoding: buffered, as: UTF8.self) }
            buffered.append(chunk)
        }
    }

    /// Closes the child's stdin and waits for it to exit.
    func finish() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// Holds an exclusive `flock` on `argv[1]` until stdin closes; prints "locked", or "busy"
/// when someone else holds it. The same mechanism `Database` uses across processes.
let flockHolderScript = """
import fcntl, sys
f = open(sys.argv[1], 'a')
try:
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print('busy', flush=True)
    sys.exit(0)
print('locked', flush=True)
sys.stdin.read()
"""
