import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Erasures the server makes itself (Protocol/PRIVACY.md R-PRIV-13..16): an admin's erasure
/// request for a person's contact (GDPR art. 17), a retention purge (SyncService+Retention),
/// and the re-application of the erasure ledger after a restore. Each is an ordinary erase
/// operation (MODEL.md R-MODEL-9) in the server's own log (replica `server`), fed to the
/// record's store, so it reaches devices and partners exactly like a device's erase, and
/// every server-side copy goes with it (R-PRIV-2).
extension SyncService {
    static let adminEraser = AuthorID(trusted: "server:erasure")
    static let retentionEraser = AuthorID(trusted: "server:retention")

    /// Erases each record of `records` that is not erased yet, in the caller's write job:
    /// one erase operation per record in the server's log, fed to the record's store (its
    /// `record_scope`, or `store` for a record the database does not know, which is then
    /// claimed for that store so that no late operation can bring it back), the server-side
    /// copies erased, and one ledger line per record (R-PRIV-15). Returns the records erased.
    @discardableResult
    /// With `anew`, a record already erased is erased again: the ledger replay's records
    /// that a scrubbed backup erased without an operation (R-PRIV-34), so devices still
    /// receive an erase.
    static func serverErase(_ records: [(ref: RecordRef, store: String?)], author: AuthorID, by: String, at now: UInt64,
                            ledger: ErasureLedger?, anew: Bool = false, in store: ReplicaStore) throws -> [RecordRef] {
        var done: [RecordRef] = [], entries: [ErasureLedger.Entry] = [], seen = Set<RecordRef>()
        let server = ServerStore(store)
        for (ref, given) in records where seen.insert(ref).inserted {
            if let state = try store.loadRecord(ref), state.erased, !anew { continue }
            let owner: String
            if let s = try server.scopeOwner(of: ref) {
                owner = s
            } else if let given {
                try server.claimScope(of: ref, for: given)
                owner = given
            } else { continue }
            let op = try store.appendLocal(record: ref, author: author, body: .erase, physicalMillis: now)
            try server.feed(op.id, to: owner)
            done.append(ref)
            entries.append(.init(at: now, kind: ref.kind.rawValue, record: ref.id.rawValue, store: owner, op: op, by: by))
        }
        try eraseServerCopies(of: done, in: store)
        try ledger?.append(entries)
        return done
    }

    /// Ledger lines for erases that devices pushed (no operation: it is in the device's log).
    static func ledgerDeviceErases(_ records: [RecordRef], store storeID: String, at now: UInt64, ledger: ErasureLedger?) throws {
        try ledger?.append(records.map { .init(at: now, kind: $0.kind.rawValue, record: $0.id.rawValue, store: storeID, op: nil, by: "device") })
    }

    // MARK: Erasure by contact (art. 17)

    /// `POST /v1/admin/erasures` (R-PRIV-13/14): every signal that carries `contact` (in its
    /// current value, a kept conflict, or any earlier write still in the log) is erased like a
    /// store's erase. With `dryRun`, only says which. The answer names records by id only.
    public func eraseByContact(_ principal: Principal, _ request: ErasureRequest) throws -> ErasureResponse {
        try requireAdmin(principal)
        guard let wanted = ContactMatch(request.contact) else {
            throw Problems.badRequest("contact must be a phone number (at least 8 digits; spaces, dashes, dots, brackets and +31 or 0031 are allowed) or an e-mail address, at most 200 bytes")
        }
        let now = self.now, ledger = erasureLedger, dryRun = request.dryRun ?? false
        return try worker.write { store in
            let ids = try Self.signals(carrying: wanted, in: store)
            if dryRun { return ErasureResponse(erased: ids.count, dryRun: true, records: ids.map(\.id.rawValue)) }
            let done = try Self.serverErase(ids.map { ($0, nil) }, author: Self.adminEraser, by: "admin", at: now, ledger: ledger, in: store)
            try AuditLog.append(store.database, key: self.auditKey, headFile: self.auditHeadFile, at: now, actor: "admin", token: "admin",
                                action: "erase:contact", referrals: done.map(\.id.rawValue))
            return ErasureResponse(erased: done.count, dryRun: false, records: done.map(\.id.rawValue))
        }
    }

    /// Signals not erased whose log holds a contact that matches, sorted by id.
    static func signals(carrying wanted: ContactMatch, in store: ReplicaStore) throws -> [RecordRef] {
        var found = Set<String>()
        for row in try ServerStore(store).payloadsOfLiveSignals() {
            let rid = row.record
            guard !found.contains(rid), case let .changes(changes)? = try? OperationBody.decode(row.payload) else { continue }
            for case let .set("contact", .string(text), _) in changes where wanted.matches(text) {
                found.insert(rid)
            }
        }
        return found.sorted().compactMap { try? RecordRef(kind: .signal, id: RecordID($0)) }
    }

    // MARK: The ledger after a restore

    /// R-PRIV-15: re-applies every erasure of the ledger that the database lacks (a restored
    /// backup taken before it). First the server's own erase operations, exactly as they were
    /// made, as long as they continue the server's log (devices that pulled them then see
    /// duplicates, never a fork); then, for every other record of the ledger that holds no
    /// erase operation (unknown, live, or erased in a scrubbed backup without one, R-PRIV-34),
    /// a new server erase (itself written to the ledger). Returns how many records it
    /// erased. Runs before the server takes requests.
    static func replayErasureLedger(_ ledger: ErasureLedger, in store: ReplicaStore, at now: UInt64) throws -> Int {
        let entries = try ledger.entries()
        guard !entries.isEmpty else { return 0 }
        var erased = 0
        let server = ServerStore(store)
        try store.atomically {
            let own = entries.filter { $0.op?.id.replica == serverReplica }.sorted { $0.op!.id.sequence < $1.op!.id.sequence }
            for entry in own {
                guard let op = entry.op, let owner = entry.store else { continue }
                let head = store.logHead(of: serverReplica)
                guard op.id.sequence == head.held + 1, op.previousHash == head.lastHash, op.body == .erase || entry.fields != nil else { continue }
                try server.claimScope(of: op.record, for: owner)
                let report = try store.apply([op])
                try server.feed(op.id, to: owner)
                if entry.fields == nil { try eraseServerCopies(of: [op.record], in: store) }
                erased += report.applied  // one record each (also one a scrubbed backup had erased without it)
            }
            try store.dropClearedText()  // the texts the re-applied clearing writes superseded (R-PRIV-19)
            try store.reload()  // the server's own log moved: its operation factory follows
            // A backup the scrubber erased records in (it says so in its settings) may hold
            // erased records without an erase operation: those are made anew (R-PRIV-34).
            let scrubbed = try store.setting(BackupScrubber.markSetting) != nil
            let withErase = scrubbed ? try store.recordsWithEraseOperation() : []
            var missing: [(ref: RecordRef, store: String?)] = []
            for e in entries where e.fields == nil {  // a cleared comment is not an erased record
                guard let kind = RecordKind(rawValue: e.kind), let id = try? RecordID(e.record) else { continue }
                let ref = RecordRef(kind: kind, id: id)
                if try store.loadRecord(ref)?.erased != true || (scrubbed && !withErase.contains(ref)) { missing.append((ref, e.store)) }
            }
            if scrubbed { try store.setSetting(BackupScrubber.markSetting, nil) }
            erased += try serverErase(missing, author: adminEraser, by: "ledger", at: now, ledger: ledger, anew: scrubbed, in: store).count
        }
        try store.checkpointAfterErase()
        return erased
    }
}

/// A person's contact as an erasure request gives it, compared the way people write it
/// (R-PRIV-13): a phone number by its digits, with `+31`, `0031` and `+31 (0)` read as the
/// leading `0` of a Dutch number, and spaces, dashes, dots and brackets ignored; it matches a
/// stored contact that holds the same number among other text ("06-12345678 (evenings)",
/// "020 1234567 / 06 12345678"). An e-mail address
/// matches case-insensitively, also inside a longer text.
struct ContactMatch {
    let phone: String?
    let email: String?

    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 200 else { return nil }
        if trimmed.contains("@") {
            let parts = trimmed.split(separator: "@")
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !trimmed.contains(" ") else { return nil }
            email = trimmed.lowercased()
            phone = nil
            return
        }
        guard trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || Self.phoneCharacters.contains($0)) }) else { return nil }
        let digits = Self.phoneDigits(trimmed)
        guard digits.count >= 8 else { return nil }
        phone = digits
        email = nil
    }

    static let phoneCharacters: Set<Character> = [" ", "-", ".", "(", ")", "+"]

    /// The digits of a phone number in its national form: `+31 6…`, `0031 6…` and `+31 (0)6…`
    /// all become `06…`.
    static func phoneDigits(_ text: String) -> String {
        var t = text.replacingOccurrences(of: "(0)", with: "")
        if t.hasPrefix("+") { t = "00" + t.dropFirst() }
        var digits = t.filter(\.isASCII).filter(\.isNumber)
        if digits.hasPrefix("0031") { digits = "0" + digits.dropFirst(4) }
        return String(digits)
    }

    func matches(_ stored: String) -> Bool {
        if let email { return stored.lowercased().contains(email) }
        guard let phone else { return false }
        // Every run of phone characters in the stored text, normalised the same way.
        var runs: [String] = [], current = ""
        for ch in stored {
            if ch.isASCII && (ch.isNumber || Self.phoneCharacters.contains(ch)) { current.append(ch) } else { runs.append(current); current = "" }
        }
        runs.append(current)
        return runs.contains { run in Self.phoneDigits(run.trimmingCharacters(in: CharacterSet(charactersIn: " -.()"))) == phone }
    }
}
