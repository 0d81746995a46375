import Foundation
import OmzienModel
import OmzienStore
import OmzienServerStore

/// Keeps the server's backup files erased (Protocol/PRIVACY.md R-PRIV-34): after every line
/// the erasure ledger gains (an erase a device pushed, `admin erase`, a retention purge), and
/// once when the server opens its database (a crash may have come between a ledger line and
/// its scrub), every backup in the directory (`server-*.sqlite`, as `SyncService.backup`
/// names them) gets the erasure applied in place: the payloads of the record's operations
/// dropped, its state the tombstone (`ReplicaStore.scrubErased`), its case notes, follow-up
/// history and parked operations gone (`SyncService.eraseServerCopies`); of a comment a purge
/// cleared, every text of it withheld (`ReplicaStore.scrubText`); in one transaction,
/// then the WAL checkpointed and truncated; with `secure_delete=ON` the erased bytes are
/// zeroed. No operation is added (a backup is a copy, not a replica in sync): the restore of
/// a scrubbed backup makes the erase anew from the ledger (`replayErasureLedger`).
///
/// Each backup remembers how many ledger lines it has applied and the hash of the last one
/// (setting `erasure-ledger-scrubbed`), so a pass costs the new lines only; a ledger that was
/// moved aside and started anew does not match and is applied whole.
///
/// Runs on a thread of its own: the database thread never waits for it. A backup being
/// written is never opened (it is renamed into place when complete), and a backup being
/// pruned never scrubbed (both hold `directoryLock`). A failed pass is reported on stderr
/// and tried again a minute later. `stop()` runs a pass still pending, then waits for the
/// thread.
///
/// `@unchecked Sendable`: `pending` and `failed` are used only under `owned.wake`.
final class BackupScrubber: @unchecked Sendable {
    let directory: String
    let ledgerPath: String
    private let owned = OwnedThread()
    private var pending = true
    private var failed = false

    /// Held while a pass scrubs the backups of a directory, and while `SyncService` prunes it.
    static let directoryLock = NSLock()
    static let markSetting = "erasure-ledger-scrubbed"
    static let retrySeconds = 60.0

    init(directory: String, ledgerPath: String) {
        self.directory = directory
        self.ledgerPath = ledgerPath
        owned.start(name: "omzien-backup-scrub") { [self] in self.loop() }
    }

    /// Asks for a pass (the ledger grew).
    func request() {
        owned.wake.lock()
        pending = true
        owned.wake.signal()
        owned.wake.unlock()
    }

    /// Runs a pass still pending, then ends the thread and waits for it. Safe to call twice.
    func stop() { owned.stop() }

    private func loop() {
        while true {
            owned.wake.lock()
            while !pending && !owned.stopping {
                if failed {
                    if !owned.wake.wait(until: Date().addingTimeInterval(Self.retrySeconds)) { pending = true }
                } else {
                    owned.wake.wait()
                }
            }
            let run = pending, last = owned.stopping
            pending = false
            owned.wake.unlock()
            if run {
                var ok = true
                do { _ = try scrubNow() } catch {
                    ok = false
                    FileHandle.standardError.write(Data("omzien: could not apply the erasure ledger to the backups in '\(directory)': \(error); trying again in a minute. Until then those backups may still hold erased text (PRIVACY.md R-PRIV-34).\n".utf8))
                }
                owned.wake.lock(); failed = !ok; owned.wake.unlock()
            }
            if last { return }
        }
    }

    /// One pass over every backup, now; how many records it erased in them.
    @discardableResult
    func scrubNow() throws -> Int {
        let lines = try ErasureLedger(path: ledgerPath).lines()
        guard !lines.isEmpty else { return 0 }
        Self.directoryLock.lock()
        defer { Self.directoryLock.unlock() }
        var erased = 0
        for name in Self.backupNames(in: directory) {
            erased += try Self.scrub((directory as NSString).appendingPathComponent(name), lines: lines)
        }
        return erased
    }

    /// The backups in `directory`, oldest first: files named `server-*.sqlite` (a backup
    /// being written is `….sqlite.partial` until complete).
    static func backupNames(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasPrefix("server-") && $0.hasSuffix(".sqlite") }.sorted()
    }

    /// Applies the ledger lines the backup at `path` lacks; the records it erased.
    static func scrub(_ path: String, lines: [(entry: ErasureLedger.Entry, hash: SHA256Digest)]) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        let store: ReplicaStore
        do {
            store = try ReplicaStore(path: path, replica: SyncService.serverReplica, extraMigrations: ServerSchema.migrations)
        } catch {
            throw ServerError.ledger("cannot open the backup '\(path)': \(error)")
        }
        defer { store.close() }
        var start = 0
        if let mark = try store.setting(markSetting)?.split(separator: " "), mark.count == 2, let n = Int(mark[0]),
           n >= 1, n <= lines.count, lines[n - 1].hash.hex == mark[1] {
            start = n
        }
        guard start < lines.count else { return 0 }
        var refs: [RecordRef] = [], cleared: [[String]: [RecordRef]] = [:]
        for line in lines[start...] {
            guard let kind = RecordKind(rawValue: line.entry.kind), let id = try? RecordID(line.entry.record) else { continue }
            if let fields = line.entry.fields { cleared[fields, default: []].append(RecordRef(kind: kind, id: id)) } else { refs.append(RecordRef(kind: kind, id: id)) }
        }
        return try store.atomically {
            var changed = try store.scrubErased(refs)
            for (fields, records) in cleared { changed += try store.scrubText(of: fields, on: records) }
            try SyncService.eraseServerCopies(of: refs, in: store)
            try store.setSetting(markSetting, "\(lines.count) \(lines[lines.count - 1].hash.hex)")
            return changed.count
        }
    }
}
