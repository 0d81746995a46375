import OmzienProtocol

extension CSVWriter {
    /// `--csv-dialect NAME` (PRIVACY.md R-PRIV-7): `excel` when left out.
    static func dialect(_ name: String?, command: String) throws -> Dialect {
        guard let name else { return .excel }
        guard let d = Dialect(rawValue: name) else {
            throw CLIError.usage("--csv-dialect must be \(Dialect.allCases.map(\.rawValue).joined(separator: " or ")), got '\(name)'", command: command)
        }
        return d
    }
}
