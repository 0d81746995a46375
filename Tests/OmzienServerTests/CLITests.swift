import Foundation
import Testing

/// Runs the built `omzien` binary and checks its output and exit status.
struct CLITests {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("omzien")
    }

    static func run(_ args: [String], environment: [String: String] = [:], prefix: [String] = []) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = prefix.isEmpty ? binary : URL(fileURLWithPath: prefix[0])
        p.arguments = prefix.isEmpty ? args : Array(prefix.dropFirst()) + [binary.path] + args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test func theDemoConvergesAndSaysSo() throws {
        let r = try Self.run(["demo", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(json["converged"] as? Bool == true)
        #expect(json["crossStoreLeak"] as? Bool == false)
        let counts = try #require(json["chatMoments"] as? [String: Int])
        #expect(counts == ["store-12": 7, "store-31": 4])
        let conflicts = try #require((json["signal"] as? [String: Any])?["conflicts"] as? [[String: String]])
        #expect(conflicts.map { $0["field"] } == ["note"])
    }

    @Test func usageErrorsNameTheProblemAndExit64() throws {
        let unknown = try Self.run(["device", "list", "--colour"])
        #expect(unknown.status == 64)
        #expect(unknown.err.contains("--colour"))
        let missing = try Self.run(["device", "feedback", "--category", "queue-at-till"])
        #expect(missing.status == 64)
        #expect(missing.err.contains("--nps"))
        let range = try Self.run(["serve", "--port", "70000"])
        #expect(range.status == 64)
        #expect(range.err.contains("--port"))
        let command = try Self.run(["frobnicate"])
        #expect(command.status == 64)
        // The value without its option name, as a person types it after 'admin store add ID'.
        for (args, hint) in [(["admin", "enroll", "store-a"], "did you mean --store store-a?"),
                             (["device", "enroll", "ABCD-EFGH-JKLM-NPQR", "--server", "http://127.0.0.1:9"], "did you mean --code ABCD-EFGH-JKLM-NPQR?")] {
            let stray = try Self.run(args)
            #expect(stray.status == 64 && stray.err.contains(hint), "\(args): \(stray.err)")
        }
    }

    /// `omzien partner --help` is how a person asks what the partner commands are: the group's
    /// commands with their summaries, exit 0 (it was "'partner' needs a subcommand", exit 64).
    @Test func aGroupOfCommandsAnswersHelpWithItsCommands() throws {
        let partner = try Self.run(["partner", "--help"])
        #expect(partner.status == 0 && partner.out.contains("partner pull") && partner.out.contains("partner update"), "\(partner.out)\(partner.err)")
        #expect(!partner.out.contains("device sync") && !partner.out.contains("admin"), "only the group: \(partner.out)")
        let quarantine = try Self.run(["admin", "quarantine", "-h"])
        #expect(quarantine.status == 0 && quarantine.out.contains("admin quarantine release") && !quarantine.out.contains("admin enroll"), "\(quarantine.out)")
        let bare = try Self.run(["admin", "quarantine"])
        #expect(bare.status == 64 && bare.err.contains("'admin quarantine' needs a subcommand: list, release"), "\(bare.err)")
    }

    /// The command names as `omzien --help` lists them: its list is `CommandRegistry.all`
    /// (main.swift), so a command added to the registry is checked here without a test edit.
    static func registeredCommands() throws -> [String] {
        let list = try run(["--help"])
        let lines = list.out.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "commands:") else { return [] }
        return lines[(start + 1)...].prefix { $0.hasPrefix("  ") }.compactMap { line in
            line.dropFirst(2).components(separatedBy: "  ").first.map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    @Test func everyCommandOfTheRegistryHasHelp() throws {
        let list = try Self.run(["--help"])
        #expect(list.status == 0)
        let names = try Self.registeredCommands()
        #expect(names.count >= 40, "the registry lists \(names.count) commands: \(names)")
        for name in ["demo", "serve", "admin enroll", "device sync", "partner list", "partner note", "partner notes", "admin headoffice-token list"] {
            #expect(names.contains(name), "--help lists \(name)")
        }
        for name in names {
            let words = name.split(separator: " ").map(String.init)
            for flag in ["--help", "-h"] {
                let help = try Self.run(words + [flag])
                #expect(help.status == 0, "\(name) \(flag): exit \(help.status) \(help.err)")
                #expect(help.out.hasPrefix("usage: omzien \(name)"), "\(name) \(flag): \(help.out.prefix(80))")
                #expect(help.err.isEmpty, "\(name) \(flag) writes to stderr: \(help.err)")
            }
            // The usage names only options the command reads: an unknown option is refused with 64.
            let unknown = try Self.run(words + ["--no-such-option"])
            #expect(unknown.status == 64, "\(name) --no-such-option: exit \(unknown.status) \(unknown.err)")
        }
    }

    @Test func aMissingOrBrokenDatabaseIsExplainedWithItsPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let none = try Self.run(["device", "list", "--db", dir.appendingPathComponent("nope.sqlite").path])
        #expect(none.status == 64)
        #expect(none.err.contains("enroll"))
        let notADatabase = dir.appendingPathComponent("notes.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: notADatabase)
        let bad = try Self.run(["device", "list", "--db", notADatabase.path])
        #expect(bad.status == 65, "a file that is not a database is bad data (README's exit codes)")
        #expect(bad.err.contains(notADatabase.path), "the error names the file: \(bad.err)")
    }
}
