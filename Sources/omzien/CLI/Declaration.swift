/// What one command accepts, declared once: its positional arguments, its options, and the
/// prose of its `--help`. `ArgumentReader` parses and validates against it (an unknown
/// option, a missing value, a value of the wrong kind, a missing required option or argument
/// are usage errors, exit 64), and `HelpText` renders `--help` from it, so the synopsis, the
/// option list and what the parser accepts cannot drift apart.
struct Declaration: Sendable {
    /// The positional arguments, in order; each is required.
    var arguments: [Argument] = []
    /// The options, in the order `--help` lists them.
    var options: [Option] = []
    /// What the command does, printed between the synopsis and the option list.
    var about: String = ""
    /// Printed after the option list (exit statuses, where to look next).
    var notes: String = ""

    /// The option named `name` (without `--`), if declared.
    func option(_ name: String) -> Option? { options.first { $0.name == name } }
}

/// One positional argument: its name in the synopsis (`ID`) and what it is (`the store id`),
/// which is also what the error for a missing one says.
struct Argument: Sendable {
    let name: String
    let help: String

    init(_ name: String, _ help: String) {
        self.name = name
        self.help = help
    }
}

/// One option, `--name` or `--name VALUE` (also `--name=VALUE`).
///
/// Invariant: a `.required` option has no default (the parser refuses to run without it).
struct Option: Sendable {
    /// What follows the option's name on the command line.
    enum Kind: Sendable, Equatable {
        /// No value: `--json`.
        case flag
        /// Any text; the placeholder names it in `--help` (`PATH`, `URL`).
        case text(placeholder: String)
        /// A whole number in `range`, checked before the command runs.
        case integer(placeholder: String, range: ClosedRange<Int>)
        /// One of `values`, checked before the command runs.
        case choice([String])
    }

    /// Whether the command runs without the option.
    enum Presence: Sendable, Equatable { case optional, required }

    /// The value the command sees when the option is left out.
    enum Default: Sendable, Equatable {
        /// Used by the parser and shown in `--help`.
        case value(String)
        /// Only shown in `--help`: the command works it out (an environment variable, a path
        /// beside the database, the number of cores).
        case described(String)
    }

    let name: String
    let kind: Kind
    let presence: Presence
    let defaultValue: Default?
    /// One line (wrapped by `--help` when long): what the option does, not its default.
    let help: String

    private init(_ name: String, _ kind: Kind, _ presence: Presence, _ defaultValue: Default?, _ help: String) {
        precondition(!(presence == .required && defaultValue != nil), "--\(name): a required option has no default")
        self.name = name
        self.kind = kind
        self.presence = presence
        self.defaultValue = defaultValue
        self.help = help
    }

    /// `--name`, on or off.
    static func flag(_ name: String, _ help: String) -> Option {
        Option(name, .flag, .optional, nil, help)
    }

    /// `--name PLACEHOLDER`, any text.
    static func text(_ name: String, _ placeholder: String, _ help: String, default value: Default? = nil, required: Bool = false) -> Option {
        Option(name, .text(placeholder: placeholder), required ? .required : .optional, value, help)
    }

    /// `--name N`, a whole number in `range`.
    static func integer(_ name: String, _ placeholder: String = "N", in range: ClosedRange<Int>, _ help: String,
                        default value: Int? = nil, described: String? = nil, required: Bool = false) -> Option {
        let d: Default? = value.map { .value(String($0)) } ?? described.map { .described($0) }
        return Option(name, .integer(placeholder: placeholder, range: range), required ? .required : .optional, d, help)
    }

    /// `--name a|b|c`, one of `values`.
    static func choice(_ name: String, _ values: [String], _ help: String, default value: String? = nil) -> Option {
        precondition(value.map(values.contains) ?? true, "--\(name): the default is one of the values")
        return Option(name, .choice(values), .optional, value.map { .value($0) }, help)
    }

    /// Whether `--name` takes a value.
    var takesValue: Bool { kind != .flag }

    /// `--name` and its placeholder, as the synopsis and the option list show it.
    var usage: String {
        switch kind {
        case .flag: "--\(name)"
        case let .text(placeholder), let .integer(placeholder, _): "--\(name) \(placeholder)"
        case let .choice(values): "--\(name) \(values.joined(separator: "|"))"
        }
    }

    /// Checks a given value against the kind; the message names the option and the value.
    func check(_ value: String, command: String) throws {
        switch kind {
        case .flag, .text:
            return
        case let .integer(_, range):
            guard let n = Int(value), range.contains(n) else {
                throw CLIError.usage("--\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(value)'", command: command)
            }
        case let .choice(values):
            guard values.contains(value) else {
                let list = values.count < 2 ? values.joined() : values.dropLast().joined(separator: ", ") + " or " + values.last!
                throw CLIError.usage("--\(name) must be \(list), got '\(value)'", command: command)
            }
        }
    }
}
