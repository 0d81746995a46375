import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore

/// Retention on the device (Protocol/PRIVACY.md R-PRIV-20): a device that is offline for
/// months does not wait for the server's purge. Every device command first erases what is
/// due under the same rule the server applies (`RetentionPolicy`, on the periods the server
/// announced: R-PRIV-22), on the device's own
/// clock, as ordinary erase operations in the device's log: they sync like any erase, and
/// the server's own purge of the same records (an erase too) changes nothing more, so the
/// replicas converge either way. A device whose clock runs ahead purges early on itself; its
/// erases reach the server only once the server's clock has caught up (they are stamped
/// ahead, so the server quarantines them, R-SYNC-13) or an admin releases them.
extension DeviceSync {
    static let retentionAuthor = AuthorID(trusted: "retention")

    /// Where the device keeps the periods its server announced (R-PRIV-22), as JSON, and
    /// when it last asked (ms, its own clock).
    static let retentionSetting = "retention-periods"
    static let retentionAskedSetting = "retention-asked-at"
    /// How often a device asks its server for the periods: they change rarely, and a flaky
    /// tablet should not spend a request on every sync.
    static let retentionAskEvery: UInt64 = 86_400_000

    /// The periods this device purges on: the ones its server announced last (PRIVACY.md
    /// R-PRIV-22), the defaults until it has heard from it; nil when the server purges nothing.
    public static func retentionPolicy(_ store: ReplicaStore) throws -> RetentionPolicy? {
        guard let text = try store.setting(retentionSetting),
              let periods = try? JSONDecoder().decode(RetentionPeriods.self, from: Data(text.utf8)) else { return .defaults }
        return periods.policy
    }

    /// After a sync: asks the server for its periods, at most once a day. A failure (offline,
    /// an older server without them) changes nothing: the periods known so far stay.
    func learnRetention(now: UInt64 = HybridClock.physicalNowMillis()) {
        guard let asked = try? withStore({ try $0.setting(Self.retentionAskedSetting).flatMap(UInt64.init) ?? 0 }),
              now >= asked &+ Self.retentionAskEvery || now < asked else { return }
        guard let info = try? client.call("GET", "v1/info", as: InfoResponse.self), let periods = info.retention,
              let json = try? JSONEncoder().encode(periods) else { return }
        try? withStore { store in
            try store.setSetting(Self.retentionSetting, String(decoding: json, as: UTF8.self))
            try store.setSetting(Self.retentionAskedSetting, String(now))
        }
    }

    /// Erases every signal and feedback of `store` due at `now` under the periods its server
    /// announced (`retentionPolicy`); the records erased.
    @discardableResult
    public static func purgeExpired(_ store: ReplicaStore, now: UInt64 = HybridClock.physicalNowMillis()) throws -> [RecordRef] {
        guard let policy = try retentionPolicy(store) else { return [] }
        return try purgeExpired(store, policy: policy, now: now)
    }

    /// Erases every signal of `store` due at `now` under `policy`, and clears the comment of
    /// every feedback due (R-PRIV-19: a write of null superseding its heads; the feedback
    /// stays, the superseded texts leave the file's bytes). Returns the records erased.
    @discardableResult
    public static func purgeExpired(_ store: ReplicaStore, policy: RetentionPolicy,
                                    now: UInt64 = HybridClock.physicalNowMillis()) throws -> [RecordRef] {
        var due: [ReplicaStore.LocalChange] = [], erased: [RecordRef] = []
        for kind in [RecordKind.signal, .feedback] {
            for state in try store.records(kind: kind) {
                guard let reason = policy.due(state, now: now) else { continue }
                if reason == .feedbackComment {
                    due.append(.init(record: state.ref, author: retentionAuthor, body: .changes(RetentionPolicy.clearing(state))))
                } else {
                    due.append(.init(record: state.ref, author: retentionAuthor, body: .erase))
                    erased.append(state.ref)
                }
            }
        }
        guard !due.isEmpty else { return [] }
        try store.appendLocal(due, physicalMillis: now)
        try store.dropClearedText()
        return erased
    }
}
