extension Database {
    /// How hard a commit waits for the disk (`PRAGMA synchronous`).
    public enum Durability: Sendable, Hashable {
        /// `synchronous=FULL`: a committed transaction survives power loss. Use it wherever an
        /// acknowledgement (to a user or to a peer) depends on the commit.
        case full
        /// `synchronous=NORMAL`: in WAL mode a power loss may roll back the last transactions,
        /// but never corrupts the file. For scratch and rebuildable databases only.
        case normal
    }

    /// What `Database.init` verifies before it returns.
    public enum OpenCheck: Sendable, Hashable {
        /// Read the header and the schema (cheap). Catches non-databases, truncated headers and
        /// a damaged schema page; damage elsewhere surfaces when a query reads it.
        case schema
        /// `PRAGMA quick_check`: reads every page (O(size)); throws `.integrityCheckFailed`.
        case quick
        /// `PRAGMA integrity_check`: as `.quick`, plus index consistency (slowest).
        case full
    }

    /// How a connection is opened and configured.
    public struct Options: Sendable, Hashable {
        /// Open with `SQLITE_OPEN_READONLY` (no file is created; the journal mode is not changed).
        public var readOnly: Bool
        /// `PRAGMA synchronous`.
        public var durability: Durability
        /// `sqlite3_busy_timeout`: how long to wait for a lock held by someone else.
        public var busyTimeoutMillis: Int
        /// What to verify at open.
        public var checkOnOpen: OpenCheck
        /// `PRAGMA cache_size` in KiB (SQLite's default is 2 MiB). The one connection per
        /// file is also the only page cache, so it is sized for the working set.
        public var cacheKiB: Int

        public init(readOnly: Bool = false, durability: Durability = .full, busyTimeoutMillis: Int = 5000,
                    checkOnOpen: OpenCheck = .schema, cacheKiB: Int = 32 * 1024) {
            self.readOnly = readOnly
            self.durability = durability
            self.busyTimeoutMillis = busyTimeoutMillis
            self.checkOnOpen = checkOnOpen
            self.cacheKiB = cacheKiB
        }
    }
}
