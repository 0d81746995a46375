import Foundation
import Testing

/// `omzien --help` and every command's `--help`, from the built binary, against the golden
/// files in `Golden/help/` (one per command, words joined by `-`; `omzien.txt` for the list).
/// Help is derived from each command's declaration, so a changed option shows up here as a
/// diff to review. `OMZIEN_WRITE_GOLDEN=1` re-records the files on purpose (then review
/// `git diff Tests/OmzienServerTests/Golden`).
struct GoldenHelpTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/help")
    static let rerecord = ProcessInfo.processInfo.environment["OMZIEN_WRITE_GOLDEN"] == "1"

    /// Compares `text` with the golden file `name`.txt, or writes it when re-recording.
    static func check(_ text: String, against name: String) throws {
        let file = directory.appendingPathComponent("\(name).txt")
        if rerecord {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let golden = try #require(try? String(contentsOf: file, encoding: .utf8), "no golden file \(file.lastPathComponent): record it with OMZIEN_WRITE_GOLDEN=1")
        #expect(text == golden, "\(name) --help differs from \(file.lastPathComponent) (re-record on purpose with OMZIEN_WRITE_GOLDEN=1)")
    }

    @Test func theCommandListMatchesItsGoldenFile() throws {
        let list = try CLITests.run(["--help"])
        #expect(list.status == 0)
        try Self.check(list.out, against: "omzien")
    }

    @Test func everyCommandsHelpMatchesItsGoldenFile() throws {
        let names = try CLITests.registeredCommands()
        #expect(names.count >= 40)
        for name in names {
            let help = try CLITests.run(name.split(separator: " ").map(String.init) + ["--help"])
            #expect(help.status == 0, "\(name): exit \(help.status)")
            try Self.check(help.out, against: name.replacingOccurrences(of: " ", with: "-"))
        }
        // A golden file without its command is a command that went away: remove the file on purpose.
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".txt") }
        let expected = Set(names.map { $0.replacingOccurrences(of: " ", with: "-") + ".txt" } + ["omzien.txt"])
        #expect(Set(files) == expected, "golden files without a command: \(Set(files).subtracting(expected).sorted())")
    }
}
