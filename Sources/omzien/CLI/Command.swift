/// One CLI command: parsing and validation happen in `init` (usage errors exit 64), the
/// work in `run` (failures exit 1, or the code of the `CLIError` thrown).
protocol Command {
    /// The words that select it, e.g. `device sync`.
    static var name: String { get }
    static var summary: String { get }
    /// The usage text `--help` prints.
    static var usage: String { get }
    /// Options that take a value (everything else starting with `--` is a flag).
    static var valueOptions: Set<String> { get }
    init(_ args: inout ArgumentReader) throws
    func run() throws
}
