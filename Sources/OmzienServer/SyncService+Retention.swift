import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Retention (Protocol/PRIVACY.md R-PRIV-17..19, R-PRIV-21): records whose time is up
/// (`RetentionPolicy`) are erased by the server, as an ordinary erase in its own log
/// (`serverErase`): devices and partners receive it, the server's copies go, and the ledger
/// keeps it through a restore. Runs when the server starts and then every hour
/// (`RetentionSchedule`); `serve --retention-*` set the periods, `--no-retention` turns it off.
///
/// What stays: the erased record's tombstone (its id and store, the erased flag), so that an
/// operation a device sends for it later, however late, is applied as nothing and stored
/// without its payload (the tombstone horizon is infinite: R-PRIV-21); and the
/// `referral_events` timings of referrals (server times of submitted, accepted, first
/// contact: no personal data), so response-time figures can still count them.
extension SyncService {
    /// What one purge did.
    public struct PurgeReport: Sendable, Equatable {
        public var erased: [String: Int] = [:]
        public var total: Int { erased.values.reduce(0, +) }
        /// "erased 2 closed, 1 draft".
        public var summary: String { "erased " + erased.keys.sorted().map { "\(erased[$0]!) \($0)" }.joined(separator: ", ") }
    }

    /// Erases every record due under `configuration.retention` at the server's clock.
    @discardableResult
    public func purgeExpired() throws -> PurgeReport {
        guard let policy = configuration.retention else { return PurgeReport() }
        let now = self.now, ledger = erasureLedger
        return try worker.write { store in
            var report = PurgeReport()
            var due: [(ref: RecordRef, store: String?)] = [], cleared: [RecordState] = []
            for kind in [RecordKind.signal, .feedback] {
                for state in try store.records(kind: kind) {
                    guard let reason = policy.due(state, now: now) else { continue }
                    if reason == .feedbackComment { cleared.append(state) } else { due.append((state.ref, nil)) }
                    report.erased[reason.rawValue, default: 0] += 1
                }
            }
            try Self.serverErase(due, author: Self.retentionEraser, by: "retention", at: now, ledger: ledger, in: store)
            try Self.serverClear(cleared, at: now, ledger: ledger, in: store)
            return report
        }
    }
}

extension SyncService {
    /// R-PRIV-19: clears the comment of each feedback of `states` (a write of null by
    /// `server:retention` superseding every head, in the server's log, fed to the store, so
    /// devices receive it), one ledger line each with the write; then drops from the stored
    /// payloads every comment text no head holds any more (`dropClearedText`: this purge's,
    /// and those a device's own purge cleared). The feedback stays, with its score and
    /// category.
    static func serverClear(_ states: [RecordState], at now: UInt64, ledger: ErasureLedger?, in store: ReplicaStore) throws {
        var entries: [ErasureLedger.Entry] = []
        let server = ServerStore(store)
        for state in states {
            let changes = RetentionPolicy.clearing(state)
            guard !changes.isEmpty, let owner = try server.scopeOwner(of: state.ref) else { continue }
            let op = try store.appendLocal(record: state.ref, author: retentionEraser, body: .changes(changes), physicalMillis: now)
            try server.feed(op.id, to: owner)
            entries.append(.init(at: now, kind: state.ref.kind.rawValue, record: state.ref.id.rawValue, store: owner, op: op,
                                 by: "retention", fields: changes.map(\.field)))
        }
        try store.dropClearedText()
        try ledger?.append(entries)
    }
}

/// Runs `SyncService.purgeExpired` every `interval` seconds (default one hour); `serve` runs
/// the first purge itself, before it listens. A failed purge is reported through `log` and tried again at the next
/// interval; it never stops the server. `stop()` wakes the thread and waits for it.
public enum RetentionSchedule {
    public static func start(service: SyncService, interval seconds: Double = 3600, log: @escaping @Sendable (String) -> Void) -> PeriodicTask {
        PeriodicTask(name: "omzien-retention", interval: seconds, log: log, failure: { "retention purge failed: \($0)" }) {
            let r = try service.purgeExpired()
            return r.total > 0 ? "retention: " + r.summary : nil
        }
    }
}
