import Foundation

/// The `omzien` executable: one binary for the server, the device and partner clients,
/// the admin and the inspection tools. See `omzien --help`.


func printHelp() {
    Output.line("omzien: offline-first sync for Kletskassa signals, feedback and chat moments\n")
    Output.line("usage: omzien COMMAND [OPTIONS]\n")
    printCommands(CommandRegistry.all)
    Output.line("\nRun 'omzien COMMAND --help' for a command's options. Exit codes: 0 ok, 1 failure, 64 usage, 65 bad data, 69 unavailable, 74 I/O.")
}

/// The commands and their one-line summaries, aligned, to stdout or (`error`) stderr.
func printCommands(_ commands: [any Command.Type], error: Bool = false) {
    let width = commands.map { $0.name.count }.max() ?? 0
    let lines = ["commands:"] + commands.map { "  " + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.summary }
    for line in lines { if error { Output.error(line) } else { Output.line(line) } }
}

func main() -> Int32 {
    // Every file and directory omzien creates is its owner's only (databases hold tokens and
    // personal notes; session logs and backups copy them). Files are also created 0600
    // explicitly; the umask covers whatever a library creates on our behalf.
    umask(0o077)
    let commands = CommandRegistry.all
    var args = Array(CommandLine.arguments.dropFirst())
    if args.isEmpty || args == ["--help"] || args == ["-h"] || args == ["help"] {
        printHelp()
        return args.isEmpty ? 64 : 0
    }
    if args == ["--version"] || args == ["version"] {
        Output.line("omzien 0.1.0 (protocol 1)")
        return 0
    }
    // The longest command name that prefixes the arguments wins (`device sync` before `device`).
    let match = commands
        .filter { c in let words = c.name.split(separator: " ").map(String.init); return Array(args.prefix(words.count)) == words }
        .max { $0.name.count < $1.name.count }
    guard let command = match else {
        // A group of commands (`omzien partner`, `omzien admin quarantine`): the longest run of
        // leading words that starts command names. With --help its commands are the answer.
        let words = (1...min(args.count, 3)).reversed().map { args.prefix($0).joined(separator: " ") }
            .first { w in commands.contains { $0.name.hasPrefix(w + " ") } }
        guard let words else {
            Output.error("unknown command '\(args[0])'. Run 'omzien --help' for the list.")
            return 64
        }
        let group = commands.filter { $0.name.hasPrefix(words + " ") }
        if args.contains("--help") || args.contains("-h") || args.last == "help" {
            Output.line("usage: omzien \(words) SUBCOMMAND [OPTIONS]\n")
            printCommands(group)
            Output.line("\nRun 'omzien \(words) SUBCOMMAND --help' for its options.")
            return 0
        }
        Output.error("'\(words)' needs a subcommand: " + group.map { String($0.name.dropFirst(words.count + 1)) }.joined(separator: ", ")
                     + ". Run 'omzien \(words) --help' for what each does.")
        return 64
    }
    args.removeFirst(command.name.split(separator: " ").count)
    if args.contains("--help") || args.contains("-h") {
        Output.line(command.usage)
        return 0
    }
    do {
        var reader = try ArgumentReader(args, command: command.name, declaration: command.declaration)
        let instance = try command.init(&reader)
        try reader.finish()
        try instance.run()
        return 0
    } catch let error as CLIError {
        Output.error(error.description)
        return error.exitCode
    } catch {
        Output.error(describe(error))
        return exitCode(for: error)
    }
}

exit(main())
