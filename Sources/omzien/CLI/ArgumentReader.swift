/// A small hand-written argument parser (no packages: see Protocol/ARCHITECTURE.md), driven by
/// the command's `Declaration`.
///
/// Options are `--name value` or `--name=value`; flags are `--name`; `--` ends options; `-`
/// is a positional (stdin). `init` refuses, before the command sees anything, an option the
/// declaration does not name, a flag with a value, an option without one, a value of the
/// wrong kind, a missing required option, a missing or an extra positional argument. A
/// repeated option keeps its last value.
///
/// The command then reads its values by name; reading a name the declaration does not hold
/// is a programming error and traps. `finish()` refuses an option that was given but that the
/// command did not read (one that does not go with the others given), so nothing the person
/// typed is silently ignored.
struct ArgumentReader {
    let command: String
    private let declaration: Declaration
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    private var positionals: [String] = []
    private var read: Set<String> = []
    private var positionalIndex = 0

    init(_ args: [String], command: String, declaration: Declaration) throws {
        self.command = command
        self.declaration = declaration
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
            guard let option = declaration.option(name) else { throw CLIError.usage("unknown option --\(name)", command: command) }
            if option.takesValue {
                if value == nil {
                    guard i < args.count else { throw CLIError.usage("option --\(name) needs a value", command: command) }
                    value = args[i]
                    i += 1
                }
                try option.check(value!, command: command)
                values[name] = value
            } else {
                guard value == nil else { throw CLIError.usage("--\(name) is a flag and takes no value", command: command) }
                flags.insert(name)
            }
        }
        if positionals.count < declaration.arguments.count {
            let missing = declaration.arguments[positionals.count]
            throw CLIError.usage("missing \(missing.name) (\(missing.help))", command: command)
        }
        for option in declaration.options where option.presence == .required && values[option.name] == nil {
            // `omzien admin enroll store-a`: the value is there, without its option name.
            let stray = positionals.count > declaration.arguments.count ? positionals[declaration.arguments.count] : nil
            let hint = stray.map { "; '\($0)' is not an argument of this command: did you mean --\(option.name) \($0)?" } ?? ""
            throw CLIError.usage("missing --\(option.name) (\(option.help))" + hint, command: command)
        }
        if positionals.count > declaration.arguments.count {
            throw CLIError.usage("unexpected argument '\(positionals[declaration.arguments.count])'", command: command)
        }
    }

    private mutating func declared(_ name: String, flag: Bool) -> Option {
        guard let option = declaration.option(name), option.takesValue != flag else {
            preconditionFailure("omzien \(command) reads --\(name) as a \(flag ? "flag" : "value") but does not declare it so")
        }
        read.insert(name)
        return option
    }

    /// Whether the flag `--name` was given.
    mutating func flag(_ name: String) -> Bool {
        _ = declared(name, flag: true)
        return flags.contains(name)
    }

    /// Whether `--name VALUE` was given (its default does not count).
    mutating func given(_ name: String) -> Bool {
        _ = declared(name, flag: false)
        return values[name] != nil
    }

    /// The value of `--name`: the one given, else the declared default, else nil.
    mutating func value(_ name: String) -> String? {
        let option = declared(name, flag: false)
        if let given = values[name] { return given }
        if case let .value(d) = option.defaultValue { return d }
        return nil
    }

    /// The value of an option that is required or has a default value.
    mutating func string(_ name: String) -> String {
        guard let v = value(name) else { preconditionFailure("omzien \(command): --\(name) is neither required nor has a default value") }
        return v
    }

    /// The value of an integer option, if given or defaulted (checked against its range when parsed).
    mutating func optionalInteger(_ name: String) -> Int? {
        value(name).map { Int($0)! }
    }

    /// The value of an integer option that is required or has a default value.
    mutating func integer(_ name: String) -> Int {
        Int(string(name))!
    }

    /// The next positional argument (their number was checked when parsed).
    mutating func positional() -> String {
        defer { positionalIndex += 1 }
        return positionals[positionalIndex]
    }

    /// Refuses an option that was given and that the command did not read.
    func finish() throws {
        if let unread = (values.keys.sorted() + flags.sorted()).first(where: { !read.contains($0) }) {
            throw CLIError.usage("--\(unread) does not go with the other options given", command: command)
        }
    }
}
