/// Server failures that are not a client's fault.
public enum ServerError: Error, CustomStringConvertible {
    case corrupt(String)
    /// The erasure ledger beside the database cannot be read or written (PRIVACY.md R-PRIV-15).
    case ledger(String)

    public var description: String {
        switch self {
        case let .corrupt(what): "the server database holds a damaged row: \(what)"
        case let .ledger(why): why
        }
    }
}
