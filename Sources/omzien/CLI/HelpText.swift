/// A command's `--help`, rendered from its `Declaration`:
///
/// ```
/// usage: omzien NAME ARG… --required VALUE [--optional VALUE] [--flag]   (wrapped, aligned)
///
/// about
///
/// arguments:
///   ARG               what it is
/// options:
///   --name VALUE      help (default: …)            (wrapped at `width` columns)
///
/// notes
/// ```
struct HelpText {
    /// Lines are wrapped to at most this many columns (a word longer than that stays whole).
    static let width = 100
    /// Option names longer than this put their help on the next line.
    static let maxNameColumn = 24

    let command: String
    let declaration: Declaration

    var rendered: String {
        var parts = [synopsis]
        if !declaration.about.isEmpty { parts.append(declaration.about) }
        var table: [String] = []
        let entries = declaration.arguments.map { ($0.name, $0.help) } + declaration.options.map { ($0.usage, Self.help(of: $0)) }
        let column = min(Self.maxNameColumn, entries.map(\.0.count).max() ?? 0) + 2
        if !declaration.arguments.isEmpty {
            table.append("arguments:")
            for a in declaration.arguments { table += Self.entry(a.name, a.help, column: column) }
        }
        if !declaration.options.isEmpty {
            table.append("options:")
            for o in declaration.options { table += Self.entry(o.usage, Self.help(of: o), column: column) }
        }
        if !table.isEmpty { parts.append(table.joined(separator: "\n")) }
        if !declaration.notes.isEmpty { parts.append(declaration.notes) }
        return parts.joined(separator: "\n\n")
    }

    /// `usage: omzien NAME` then every argument and option, wrapped under the first one.
    var synopsis: String {
        let head = "usage: omzien \(command)"
        let words = declaration.arguments.map(\.name) + declaration.options.map { $0.presence == .required ? $0.usage : "[\($0.usage)]" }
        return Self.wrap(words, first: head, indent: head.count + 1)
    }

    static func help(of option: Option) -> String {
        switch option.defaultValue {
        case let .value(v)?: "\(option.help) (default: \(v))"
        case let .described(d)?: "\(option.help) (default: \(d))"
        case nil: option.presence == .required ? "\(option.help) (required)" : option.help
        }
    }

    /// `  NAME  help`, the help wrapped in its column (on the next line when NAME is too long).
    static func entry(_ name: String, _ help: String, column: Int) -> [String] {
        let words = help.split(separator: " ").map(String.init)
        let lead = "  " + name
        if lead.count + 2 > column + 2 {
            return [lead] + wrap(words, first: String(repeating: " ", count: column + 1), indent: column + 2).split(separator: "\n").map(String.init)
        }
        let first = lead.padding(toLength: column + 1, withPad: " ", startingAt: 0)
        return wrap(words, first: first, indent: column + 2).split(separator: "\n").map(String.init)
    }

    /// `first` followed by `words`, wrapped at `width`; continuation lines start at `indent`.
    static func wrap(_ words: [String], first: String, indent: Int) -> String {
        var lines: [String] = []
        var line = first
        for word in words {
            if line.count + 1 + word.count > width, line.count > indent {
                lines.append(line)
                line = String(repeating: " ", count: indent - 1)
            }
            line += " " + word
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }
}
