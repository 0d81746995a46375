import OmzienStore

/// What every part of the sync service shares (`SyncService` wires them): the one database
/// worker every read and write runs on, and the configuration with the server's clock.
struct ServiceContext: Sendable {
    let worker: DatabaseWorker
    let configuration: SyncService.Configuration

    /// The server's clock in ms since 1970; while the session recorder runs a request, the
    /// time that request arrived (`RequestClock`, R-LOG-7).
    var now: UInt64 { RequestClock.pinned ?? configuration.now() }
}
