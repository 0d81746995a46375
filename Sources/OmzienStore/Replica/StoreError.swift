import OmzienModel

/// Errors of the replica store that are not plain SQLite or model errors.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAReplica(path: String, reason: String)
    case replicaMismatch(path: String, stored: ReplicaID, requested: ReplicaID)
    case forkedOperation(OperationID)
    case corruptRow(String)
    case acknowledgementBeyondLog(acknowledged: UInt64, held: UInt64)

    public var description: String {
        switch self {
        case let .notAReplica(path, reason):
            return "'\(path)' is not an Omzien replica: \(reason)"
        case let .replicaMismatch(path, stored, requested):
            return "'\(path)' belongs to replica '\(stored)', not '\(requested)'; open it without a replica id or use another file"
        case let .forkedOperation(id):
            return "operation \(id) arrived with a different hash than the copy already held: the sender's log forked or was altered; nothing was applied"
        case let .corruptRow(what):
            return "the database holds a damaged row (\(what)); run `omzien inspect` on a copy and restore from the server"
        case let .acknowledgementBeyondLog(acknowledged, held):
            return "the server acknowledged operation \(acknowledged) but this replica only wrote \(held); refusing to mark unwritten operations as sent"
        }
    }
}
