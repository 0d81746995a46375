/// One CLI command: what it accepts is its `declaration` (parsing, validation and `--help`
/// are derived from it); reading the parsed values happens in `init` (usage errors exit 64),
/// the work in `run` (failures exit 1, or the code of the `CLIError` thrown).
protocol Command {
    /// The words that select it, e.g. `device sync`.
    static var name: String { get }
    /// One line for the list `omzien --help` prints.
    static var summary: String { get }
    /// Its arguments, options and help prose.
    static var declaration: Declaration { get }
    init(_ args: inout ArgumentReader) throws
    func run() throws
}

extension Command {
    /// The text `omzien NAME --help` prints.
    static var usage: String { HelpText(command: name, declaration: declaration).rendered }
}
