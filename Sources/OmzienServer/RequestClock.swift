/// One clock reading per recorded request: while the session recorder runs a handler, every
/// `SyncService.now` on that thread returns the time the request arrived, the `at` the log
/// holds, so that a replay with its clock set to `at` computes the same times, expiries and
/// operation clocks (R-LOG-7). Reads on the database thread must take `now` before handing
/// work over (none read it there).
enum RequestClock {
    @TaskLocal static var pinned: UInt64?
}
