import Foundation

/// Writing results: plain text for people, JSON (sorted keys, one document) for programs.
enum Output {
    static func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("omzien: " + text + "\n").utf8))
    }

    static func json(_ value: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// A table with a header row; columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { col in ([header] + rows).map { $0[col].count }.max() ?? 0 }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        line(render(header))
        line(render(widths.map { String(repeating: "-", count: $0) }))
        for row in rows { line(render(row)) }
    }
}

/// A one-line progress bar on stderr for long work (`[#####.....] 42% step 1234`), redrawn
/// only when the percentage changes; silent when disabled or when stderr is not a terminal.
struct ProgressBar {
    private let enabled: Bool
    private var shown = -1

    init(enabled: Bool) { self.enabled = enabled && isatty(2) != 0 }

    mutating func show(fraction: Double, _ detail: String) {
        let percent = max(0, min(100, Int(fraction * 100)))
        guard enabled, percent != shown else { return }
        shown = percent
        let width = 30, filled = width * percent / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(percent)% of the log, \(detail)".utf8))
    }

    /// Ends the line (if anything was drawn).
    mutating func finish() {
        if shown >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
        shown = -1
    }
}
