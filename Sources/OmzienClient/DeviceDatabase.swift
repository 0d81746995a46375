import Foundation
import OmzienModel
import OmzienStore

/// Opens a device's replica database for one short step, waiting a bounded time when another
/// process has it open (issue 12 item 2, SYNC.md R-DEV-20).
///
/// The one-connection-per-file rule (Protocol/ARCHITECTURE.md) means a second process cannot open the file
/// while a first one has it. A device's commands and its sync therefore hold the file only for
/// the moment they read or write it (a sync closes it across every network wait and backoff),
/// and a command that finds it held waits for it instead of failing: the other holder is
/// another short step, so the wait is short.
public enum DeviceDatabase {
    /// How long a command waits for the file by default.
    public static let defaultWait: TimeInterval = 5

    /// Opens `path`, retrying while another process holds it, for up to `wait` seconds.
    /// `onWait` is called once, when the first attempt finds the file busy (to tell the person).
    /// Throws the last "already open in another process" error when the time is up.
    public static func open(_ path: String, replica: ReplicaID? = nil, wait: TimeInterval = defaultWait,
                            onWait: (() -> Void)? = nil) throws -> ReplicaStore {
        let deadline = Date().addingTimeInterval(wait)
        var told = false
        while true {
            do {
                return try ReplicaStore(path: path, replica: replica)
            } catch let e as DatabaseError where e.reason == .alreadyOpenInAnotherProcess && Date() < deadline {
                if !told { onWait?(); told = true }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// Runs `body` on `path`, opened for this step only, and closes it.
    public static func with<T>(_ path: String, wait: TimeInterval = defaultWait, onWait: (() -> Void)? = nil,
                               _ body: (ReplicaStore) throws -> T) throws -> T {
        let store = try open(path, wait: wait, onWait: onWait)
        defer { store.close() }
        return try body(store)
    }
}
