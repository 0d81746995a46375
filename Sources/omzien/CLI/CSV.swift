import Foundation
import OmzienProtocol

/// The CLI's side of `CSVWriter` (OmzienProtocol, PRIVACY.md R-PRIV-7): the `--csv-dialect` option.
extension CSVWriter {
    static func dialect(_ name: String?, command: String) throws -> Dialect {
        guard let name else { return .excel }
        guard let d = Dialect(rawValue: name) else {
            throw CLIError.usage("--csv-dialect must be \(Dialect.allCases.map(\.rawValue).joined(separator: " or ")), got '\(name)'", command: command)
        }
        return d
    }
}
