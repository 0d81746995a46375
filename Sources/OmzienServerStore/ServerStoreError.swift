/// Failures of the server's own tables that are not plain SQLite errors.
public enum ServerStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A row of `table` does not hold what its columns promise (a damaged or altered file).
    case corrupt(String)

    public var description: String {
        switch self {
        case let .corrupt(what): "the server database holds a damaged row: \(what)"
        }
    }
}
