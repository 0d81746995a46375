import OmzienModel
import OmzienStore

/// The server's own tables, in the same SQLite file as its replica store, behind typed
/// methods and typed rows: the one place that holds the server's SQL (issue 14). The
/// server module speaks in these types and holds no SQL text.
///
/// A `ServerStore` is a view over the replica store's connection, made inside a job of the
/// database thread and used only there: it is not `Sendable`, so it cannot leave the job.
/// Methods are grouped by concern in `ServerStore+<Concern>.swift`; each concern's rows are
/// plain structs named for what they hold, never positional arrays.
public struct ServerStore {
    /// The replica store (operations, records, the merge) whose file this is.
    public let replica: ReplicaStore
    let db: Database

    public init(_ replica: ReplicaStore) {
        self.replica = replica
        self.db = replica.database
    }

    /// The migrations of the server's tables, run after the replica store's own.
    public static var migrations: [Migration] { ServerSchema.migrations }
}

@available(*, unavailable)
extension ServerStore: Sendable {}
