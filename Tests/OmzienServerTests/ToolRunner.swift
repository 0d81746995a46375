import Foundation

/// Runs one of the repository's `Tools/` scripts from its root and returns its exit status and
/// its output (stdout and stderr together).
enum ToolRunner {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    static func run(_ script: String, _ arguments: [String], environment extra: [String: String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = root.appendingPathComponent(script)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        p.currentDirectoryURL = root
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// The last line of `output` that starts with `prefix` (a script's summary line).
    static func summary(_ output: String, prefix: String) -> String {
        output.split(separator: "\n").last { $0.hasPrefix(prefix) }.map(String.init) ?? "no summary line"
    }
}
