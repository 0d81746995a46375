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
