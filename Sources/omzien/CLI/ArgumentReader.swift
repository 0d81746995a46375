/// A small hand-written argument parser (no packages: see ../shared/DESIGN.md).
///
/// Options are `--name value` or `--name=value`; flags are `--name`; `--` ends options.
/// Every option a command reads is declared by reading it, and `finish()` rejects anything
/// left over, naming it, so a typo never silently does nothing.
struct ArgumentReader {
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []
    private var positionals: [String] = []
    private var consumedOptions: Set<String> = []
    private var consumedFlags: Set<String> = []
    private var positionalIndex = 0
    let command: String

    /// `valueOptions`: the names (without `--`) that take a value; everything else
    /// starting with `--` is a flag.
    init(_ args: [String], command: String, valueOptions: Set<String>) throws {
        self.command = command
        var i = 0
        var onlyPositionals = false
        while i < args.count {
            let arg = args[i]
            i += 1
            if onlyPositionals || !arg.hasPrefix("--") || arg == "-" {
                positionals.append(arg)
                continue
            }
            if arg == "--" { onlyPositionals = true; continue }
            var name = String(arg.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if valueOptions.contains(name) {
                if value == nil {
                    guard i < args.count else { throw CLIError.usage("option --\(name) needs a value", command: command) }
                    value = args[i]
                    i += 1
                }
                options[name, default: []].append(value!)
            } else {
                guard value == nil else { throw CLIError.usage("--\(name) is a flag and takes no value", command: command) }
                flags.insert(name)
            }
        }
    }

    mutating func flag(_ name: String) -> Bool {
        consumedFlags.insert(name)
        return flags.contains(name)
    }

    mutating func option(_ name: String) -> String? {
        consumedOptions.insert(name)
        return options[name]?.last
    }

    mutating func option(_ name: String, default value: String) -> String { option(name) ?? value }

    mutating func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = option(name) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw CLIError.usage("--\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(text)'", command: command)
        }
        return n
    }

    mutating func requiredOption(_ name: String, _ what: String) throws -> String {
        guard let v = option(name) else { throw CLIError.usage("missing --\(name) (\(what))", command: command) }
        return v
    }

    mutating func positional(_ what: String) throws -> String {
        guard positionalIndex < positionals.count else { throw CLIError.usage("missing \(what)", command: command) }
        defer { positionalIndex += 1 }
        return positionals[positionalIndex]
    }

    mutating func optionalPositional() -> String? {
        guard positionalIndex < positionals.count else { return nil }
        defer { positionalIndex += 1 }
        return positionals[positionalIndex]
    }

    /// Rejects unknown options, flags and extra positionals.
    func finish() throws {
        if let unknown = options.keys.sorted().first(where: { !consumedOptions.contains($0) }) {
            throw CLIError.usage("unknown option --\(unknown)", command: command)
        }
        if let unknown = flags.sorted().first(where: { !consumedFlags.contains($0) }) {
            throw CLIError.usage("unknown flag --\(unknown)", command: command)
        }
        if positionalIndex < positionals.count {
            throw CLIError.usage("unexpected argument '\(positionals[positionalIndex])'", command: command)
        }
    }
}
