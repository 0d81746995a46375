import Foundation
import OmzienModel
import OmzienStore

/// Retention on the device (Protocol/PRIVACY.md R-PRIV-20): a device that is offline for
/// months does not wait for the server's purge. Every device command first erases what is
/// due under the same rule the server applies (`RetentionPolicy`), on the device's own
/// clock, as ordinary erase operations in the device's log: they sync like any erase, and
/// the server's own purge of the same records (an erase too) changes nothing more, so the
/// replicas converge either way. A device whose clock runs ahead purges early on itself; its
/// erases reach the server only once the server's clock has caught up (they are stamped
/// ahead, so the server quarantines them, R-SYNC-13) or an admin releases them.
extension DeviceSync {
    static let retentionAuthor = AuthorID(trusted: "retention")

    /// Erases every signal and feedback of `store` due at `now`; the records erased.
    @discardableResult
    public static func purgeExpired(_ store: ReplicaStore, policy: RetentionPolicy = .defaults,
                                    now: UInt64 = HybridClock.physicalNowMillis()) throws -> [RecordRef] {
        var due: [ReplicaStore.LocalChange] = []
        for kind in [RecordKind.signal, .feedback] {
            for state in try store.records(kind: kind) where policy.due(state, now: now) != nil {
                due.append(.init(record: state.ref, author: retentionAuthor, body: .erase))
            }
        }
        guard !due.isEmpty else { return [] }
        try store.appendLocal(due, physicalMillis: now)
        return due.map(\.record)
    }
}
