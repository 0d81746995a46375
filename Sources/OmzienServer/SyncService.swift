import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore
import Synchronization

/// The sync service: enrollment, authentication, push, pull, snapshot and administration
/// (Protocol/SYNC.md). Knows nothing about HTTP: `SyncRoutes` binds it to the HTTP server.
/// Every database access runs on the `DatabaseWorker`'s thread.
public final class SyncService: Sendable {
    public struct Configuration: Sendable {
        /// How far ahead of the server's clock an operation may be before quarantine.
        public var maxDriftMillis: UInt64 = Limits.defaultMaxDriftMillis
        /// The server's clock in ms since 1970 (tests move it).
        public var now: @Sendable () -> UInt64 = { HybridClock.physicalNowMillis() }
        /// Session replay only: `Authorization: Replay <principal>` names the principal a log
        /// recorded (SyncService+Replay.swift, R-LOG-7). Never set on a serving server.
        public var replayAuthentication = false
        /// Where `backup` writes (nil: `<database>.backups`; see SyncService+Backup.swift).
        public var backupDirectory: String?
        /// Retention periods (PRIVACY.md R-PRIV-17..19); nil: no purge (`serve --no-retention`).
        public var retention: RetentionPolicy? = .defaults
        /// PBKDF2 iterations for new password hashes (R-WEB-1; tests lower it, never below 1).
        public var passwordIterations = PBKDF2.defaultIterations
        /// Web session cookies carry `Secure` (R-WEB-7); off only for `serve --web-insecure-loopback`.
        public var webSecureCookies = true
        /// Response-time targets per urgency (PARTNERS.md R-PART-30; `serve --target-*`).
        public var responseTargets = ResponseTargets.standard
        public init() {}
    }

    let worker: DatabaseWorker
    let configuration: Configuration
    /// The worker and the configuration, as every part below shares them.
    let context: ServiceContext
    /// Pull, snapshot, status, info and the store digests (Services/PullService.swift).
    let pulls: PullService
    /// Enrollment of devices (Services/EnrollmentService.swift).
    let enrollments: EnrollmentService
    /// Admin and head-office tokens (Services/TokenService.swift).
    let tokens: TokenService
    /// The audit chain's key, from the server secret beside the database (R-PRIV-5).
    let auditKey: [UInt8]
    /// The audit head kept outside the database (`<database>.audit-head`).
    let auditHeadFile: String?
    /// Every erase applied, kept outside the database (`<database>.erasures`, R-PRIV-15).
    let erasureLedger: ErasureLedger?
    /// Erasures the ledger re-applied when this service opened its database (after a restore).
    public let erasuresReapplied: Int
    private let principals = Mutex<[[UInt8]: CachedPrincipal]>([:])
    let quarantineLoads = Mutex(0)
    public static let serverReplica = ReplicaID(trusted: "server")
    /// The server's tables on top of the replica's (for tools that open a server database).
    public static var databaseMigrations: [Migration] { ServerSchema.migrations }

    /// Opens (or creates) the server database at `path`.
    public init(path: String, configuration: Configuration = .init(), options: Database.Options = .init()) throws {
        let store = try ReplicaStore(path: path, replica: Self.serverReplica, options: options, extraMigrations: ServerSchema.migrations)
        let inMemory = path == ":memory:" || path.isEmpty
        let secret = inMemory ? ServerSecret.random() : try ServerSecret.loadOrCreate(at: ServerSecret.path(besideDatabase: path))
        let auditKey = secret.key(for: "audit-chain"), headFile = inMemory ? nil : AuditLog.headFile(besideDatabase: path)
        if !options.readOnly {
            try store.database.transaction { _ = try AuditLog.upgradeToKeyed(store.database, key: auditKey, headFile: headFile) }
        }
        // R-PRIV-34: the ledger keeps the backups erased (not for a read-only look at the file).
        let ledger = inMemory ? nil : ErasureLedger(path: ErasureLedger.path(besideDatabase: path),
                                                    backups: options.readOnly ? nil : configuration.backupDirectory ?? path + ".backups")
        erasuresReapplied = try ledger.flatMap { options.readOnly ? nil : try Self.replayErasureLedger($0, in: store, at: configuration.now()) } ?? 0
        erasureLedger = ledger
        worker = DatabaseWorker(store: store)
        self.configuration = configuration
        context = ServiceContext(worker: worker, configuration: configuration)
        pulls = PullService(context: context)
        enrollments = EnrollmentService(context: context, enrollmentKey: secret.key(for: "enrollment-token"))
        tokens = TokenService(context: context)
        self.auditKey = auditKey
        self.auditHeadFile = headFile
    }

    /// What is wrong with these audit entries, checked with this server's key and its head
    /// file (R-PRIV-5); empty when intact.
    public func auditProblems(_ entries: [AuditLog.Entry], head: AuditLog.Head?) throws -> [String] {
        let anchor = try auditHeadFile.flatMap { try AuditLog.readHeadFile($0) }
        return AuditLog.verify(entries, key: auditKey, head: head, anchors: anchor.map { [($0, "the head file")] } ?? [])
    }

    public func stop() {
        worker.stop()
        erasureLedger?.scrubber?.stop()  // a backup scrub still pending runs first (R-PRIV-34)
    }

    /// Keeps the database thread busy for `seconds` (tests: lets requests queue up, so that
    /// group commit is observable without depending on timing).
    public func _occupyDatabaseThread(seconds: Double) throws {
        try worker.read { _ in Thread.sleep(forTimeInterval: seconds) }
    }

    /// Tests: lets the database grow by at most `extraPages` pages from now on (SQLite's
    /// `max_page_count`), which is how a full disk looks to the server.
    public func _limitDatabaseToItsCurrentSize(extraPages: Int = 0) throws {
        try worker.read { store in try ServerStore(store)._limitToCurrentSize(extraPages: extraPages) }
    }

    /// Tests: a write job that succeeds inside its savepoint but makes the group's COMMIT fail
    /// (a deferred foreign-key violation, checked only at COMMIT): every write job that shares
    /// its group transaction sees a failing COMMIT. Throws that failure.
    public func _writeThatFailsTheCommit() throws {
        try worker.write { store in try ServerStore(store)._writeThatFailsTheCommit() }
    }

    /// Tests: a damaged quarantine row for `replica`, where a push of that device reads.
    public func _damageQuarantine(of replica: ReplicaID) throws {
        try worker.write { store in try ServerStore(store)._damageQuarantine(of: replica.rawValue) }
    }

    /// Replay only: operations of partner replicas taken from a recording, applied and fed to
    /// `store` (those not held yet).
    func replayIngest(_ ops: [LogOperation], store storeID: String) throws {
        guard !ops.isEmpty else { return }
        try worker.write { store in
            for op in ops {
                // A store sees a subset of a partner's log: no chain to check here (the
                // recording server checked it); an operation already held is a no-op.
                guard try store.apply([op], mode: .scopedFeed).applied == 1 else { continue }
                try ServerStore(store).feed(op.id, to: storeID)
            }
        }
    }

    /// Transactions committed and write jobs they carried (group commit shows as fewer
    /// commits than writes).
    public var commitStats: (commits: Int, writes: Int) { worker.commitStats.withLock { $0 } }

    var now: UInt64 { context.now }

    // MARK: Authentication

    /// A principal the cache holds, with when its token expires (nil: device tokens, which
    /// live until revoked). Revocations drop entries (`principalsForget…`); expiry is checked
    /// on every use.
    struct CachedPrincipal {
        let principal: Principal
        let expiresAt: UInt64?
        /// A device token used for the first time: recorded, so that a late copy of its
        /// enrollment can no longer replace it (R-SYNC-2a).
        var firstUse = false
    }

    /// The principal of a bearer token (R-SYNC-3), or a 401 problem whose detail says what
    /// to do for that kind of token (R-OPS-6).
    public func authenticate(authorization: String?) throws -> Principal {
        if configuration.replayAuthentication, let a = authorization, a.hasPrefix("Replay ") { return try replayPrincipal(String(a.dropFirst("Replay ".count))) }
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            throw Problems.unauthorized("send 'Authorization: Bearer <token>'")
        }
        let token = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard token.hasPrefix("omz_"), token.utf8.count < 200 else { throw Problems.unauthorized("the token is malformed") }
        let hash = Tokens.hash(token)
        let now = self.now
        if let cached = principals.withLock({ $0[hash] }), cached.expiresAt.map({ now < $0 }) ?? true { return cached.principal }
        let found = try worker.read { store -> CachedPrincipal? in
            let server = ServerStore(store)
            if token.hasPrefix("omz_h_") {
                guard let expires = try server.liveHeadOfficeTokenExpiry(tokenHash: hash, at: now) else { return nil }
                return CachedPrincipal(principal: .headOffice, expiresAt: expires)
            }
            if token.hasPrefix("omz_u_") { return try Self.personalTokenPrincipal(store, hash: hash, token: token, now: now) }
            if token.hasPrefix("omz_p_") {
                guard let holder = try server.livePartnerTokenHolder(tokenHash: hash, at: now) else { return nil }
                return CachedPrincipal(principal: .partner(id: holder.partner, region: holder.region, tokenPrefix: String(token.prefix(12))),
                                       expiresAt: holder.expiresAt)
            }
            guard let row = try server.principal(tokenHash: hash), !row.revoked else { return nil }
            switch row.kind {
            case .admin:
                guard row.expiresAt.map({ now < $0 }) ?? true else { return nil }
                return CachedPrincipal(principal: .admin, expiresAt: row.expiresAt)
            case .device:
                guard let r = row.replica, let replica = try? ReplicaID(r), let s = row.store else { return nil }
                return CachedPrincipal(principal: .device(replica: replica, store: s), expiresAt: nil, firstUse: row.firstUsedAt == nil)
            case nil: return nil
            }
        }
        guard let found else { throw (token.hasPrefix("omz_d_") ? wipeRefusal(tokenHash: hash) : nil) ?? Problems.unauthorized(Tokens.refusal(token)) }
        if found.firstUse {
            try worker.write { store in try ServerStore(store).recordFirstUse(tokenHash: hash, at: now) }
        }
        principals.withLock { $0[hash] = found }
        return found.principal
    }

    /// Drops cached principals of a replica (after a revoke).
    func principalsForget(replica: String) {
        principalsForget { if case let .device(r, _) = $0 { r.rawValue == replica } else { false } }
    }

    func principalsForgetPartner(_ partner: String) {
        principalsForget { if case let .partner(id, _, _) = $0 { id == partner } else { false } }
    }

    func principalsForget(where matches: (Principal) -> Bool) {
        principals.withLock { cache in cache = cache.filter { !matches($0.value.principal) } }
    }

    func requireAdmin(_ p: Principal) throws { try p.requireAdmin() }

    func requireDevice(_ p: Principal) throws -> (ReplicaID, String) { try p.requireDevice() }

    static func checkVersion(_ v: Int) throws {
        guard v == SyncProtocol.version else {
            throw Problem("unsupported-protocol-version", status: 400, title: "Unsupported protocol version",
                          detail: "this server speaks protocol \(SyncProtocol.version); the request says \(v)")
        }
    }

    // MARK: Enrollment (Services/EnrollmentService.swift)

    /// Exchanges a one-time code for a device identity (R-SYNC-2a, `EnrollmentService.enroll`).
    public func enroll(_ request: EnrollRequest) throws -> EnrollResponse {
        let response = try enrollments.enroll(request)
        principalsForget(replica: response.replica)
        return response
    }

    // MARK: Push

    public func push(_ principal: Principal, _ request: PushRequest) throws -> PushResponse {
        try push(principal, request, validated: false)
    }

    /// `validated`: the caller ran `validate()` on every operation of the request already (a
    /// replay does, on its reading thread). Otherwise it runs here, on the caller's thread: the
    /// single database thread is the server's bottleneck and need not do it. An operation that
    /// fails is left to the store, which refuses it with the canonical error.
    func push(_ principal: Principal, _ request: PushRequest, validated: Bool) throws -> PushResponse {
        try Self.checkVersion(request.protocolVersion)
        let (replica, storeID) = try requireDevice(principal)
        guard request.replica == replica.rawValue else {
            throw Problems.forbidden("this token belongs to replica '\(replica)', not '\(request.replica)'")
        }
        guard request.operations.count <= Limits.maxOperationsPerPush else {
            throw Problem("too-many-operations", status: 413, title: "Too many operations",
                          detail: "a push carries at most \(Limits.maxOperationsPerPush) operations; this one has \(request.operations.count)")
        }
        for op in request.operations where op.id.replica != replica {
            throw Problems.forbidden("operation \(op.id) belongs to another replica; a device pushes only its own operations", operation: op.id)
        }
        let now = self.now
        let limit = now + configuration.maxDriftMillis
        // Every operation is checked here, off the database thread, whether it will be applied
        // or parked (R-SYNC-13): only the clock may keep a valid operation out.
        let invalid = validated ? nil : Self.firstInvalid(request.operations)
        return try worker.write { store in
            let heldBefore = store.held(from: replica)
            if let (id, error) = invalid {
                throw Problem("invalid-operation", status: 422, title: "Invalid operation", detail: "\(id): \(error.description)",
                              held: heldBefore, operation: id.description)
            }
            do {
                let plan = try self.plan(request.operations, replica: replica, heldBefore: heldBefore, limit: limit, in: store)
                // Scope rows claimed here are undone with the rest of the job if anything throws.
                let fresh = plan.apply.filter { $0.id.sequence > heldBefore }
                try self.claimScope(fresh + plan.park, store: storeID, in: store)
                let report = try store.apply(plan.apply, validated: !plan.loadedParked)
                try self.recordApplied(fresh, replica: replica, store: storeID, heldBefore: heldBefore, at: now, in: store)
                let reasons = Dictionary(plan.blocked.map { ($0.id, self.quarantineReason(wallMillis: $0.wallMillis, limit: limit, now: now)) },
                                         uniquingKeysWith: { a, _ in a })
                try self.park(plan.park, reasons: reasons, at: now, in: store)
                let retryAfter = (plan.blocked.first?.wallMillis ?? 0) > self.configuration.maxDriftMillis
                    ? plan.blocked[0].wallMillis - self.configuration.maxDriftMillis : 0
                let notices = plan.blocked.map { QuarantineNotice(id: $0.id, reason: reasons[$0.id] ?? "", retryAfter: max(retryAfter, now)) }
                if plan.refusedForSpace > 0 && fresh.isEmpty && plan.park.isEmpty {
                    throw Problem("quarantine-full", status: 409, title: "Quarantine is full",
                                  detail: "the server already holds \(plan.parkedCount) operations of this device stamped too far in the future (at most \(Limits.maxQuarantinedOperations) operations, \(Limits.maxQuarantinedBytes / 1024) KiB); they stay on the device. Fix the device's clock, or ask the admin to release them ('omzien admin quarantine release \(replica)')",
                                  held: heldBefore)
                }
                return PushResponse(held: store.held(from: replica), applied: report.applied, duplicates: report.duplicates,
                                    quarantined: notices, serverTime: now)
            } catch {
                throw Problems.from(error, held: heldBefore)
            }
        }
    }

    /// Reads the push's state in the write job (dropping parked rows applied meanwhile) and
    /// decides it with `PushPlan`.
    func plan(_ ops: [LogOperation], replica: ReplicaID, heldBefore: UInt64, limit: UInt64, in store: ReplicaStore) throws -> PushPlan {
        var parked = try Self.parkedHeads(of: replica, in: store)
        if parked.keys.contains(where: { $0 <= heldBefore }) {
            // Applied meanwhile (released): those rows are done.
            try ServerStore(store).unpark(replica, upTo: heldBefore)
            parked = parked.filter { $0.key > heldBefore }
        }
        let state = PushPlan.State(heldBefore: heldBefore, lastHash: store.logHead(of: replica).lastHash,
                                   parked: parked.mapValues { PushPlan.Parked(hash: $0.hash, wallMillis: $0.wallMillis, bytes: $0.bytes) },
                                   clockLimit: limit)
        return try PushPlan(ops, replica: replica, state: state) { try self.loadParked(of: replica, in: store) }
    }

    /// The first operation that fails `validate()`, with its error.
    static func firstInvalid(_ ops: [LogOperation]) -> (OperationID, ModelError)? {
        for op in ops {
            do { try op.validate() } catch let e as ModelError { return (op.id, e) } catch { continue }
        }
        return nil
    }

    /// Whether every operation passes `validate()` (the schema checks a push needs before the
    /// store applies it without validating again).
    static func allValid(_ ops: [LogOperation]) -> Bool {
        ops.allSatisfy { (try? $0.validate()) != nil }
    }

    static func duration(_ ms: UInt64) -> String {
        if ms >= 86_400_000 { return String(format: "%.1f days", Double(ms) / 86_400_000) }
        if ms >= 3_600_000 { return String(format: "%.1f hours", Double(ms) / 3_600_000) }
        if ms >= 60_000 { return String(format: "%.1f minutes", Double(ms) / 60_000) }
        return "\(ms / 1000) seconds"
    }

    /// R-SYNC-5: every operation stays within the device's store. A record's first operation
    /// sets `store` to the device's store and claims the record for it (a `record_scope` row);
    /// every later operation must be on a record of the device's store. Must run inside the
    /// push's transaction: the claims are undone with it.
    ///
    /// An operation that sets `store` is tried as a claim first (one statement for the common
    /// case, a new record); only when the record is already claimed is its owner looked up.
    func claimScope(_ ops: [LogOperation], store storeID: String, in store: ReplicaStore) throws {
        var confirmed = Set<RecordRef>()
        let server = ServerStore(store)
        for op in ops {
            var setsStore = false
            if case let .changes(changes) = op.body {
                for case let .set("store", value, _) in changes {
                    guard case let .string(s) = value, s == storeID else {
                        throw Problems.forbidden("operation \(op.id) sets store to \(value); this device belongs to '\(storeID)'", operation: op.id)
                    }
                    setsStore = true
                }
            }
            if confirmed.contains(op.record) { continue }
            // A record erased on the device before its first sync arrives with its first
            // operation's payload dropped (R-DEV-1): nothing left to read, so it cannot say
            // its store. It is claimed for the pushing device's store when no store holds it
            // yet, or one erase would refuse the device's every later push.
            let carriesNoPayload = op.body == .redacted || op.body == .erase
            if setsStore || carriesNoPayload {
                if op.record.kind == .chatMoment, !op.record.id.rawValue.hasPrefix(storeID + "/") {
                    throw Problems.forbidden("chat moment ids start with the store ('\(storeID)/lane/day'); got \(op.record.id)", operation: op.id)
                }
                if try server.claimScope(of: op.record, for: storeID) {
                    confirmed.insert(op.record)
                    continue
                }
            }
            guard let owner = try server.scopeOwner(of: op.record) else {
                throw Problems.forbidden("operation \(op.id) is the first on \(op.record) and must set store to '\(storeID)'", operation: op.id)
            }
            guard owner == storeID else {
                throw Problems.forbidden("operation \(op.id) touches \(op.record), which belongs to another store", operation: op.id)
            }
            confirmed.insert(op.record)
        }
    }

    /// How much of a device's log the server holds (nil for other principals, or when the
    /// database cannot say).
    func held(of principal: Principal) -> UInt64? {
        guard case let .device(replica, _) = principal else { return nil }
        return try? worker.read { $0.held(from: replica) }
    }

    // MARK: Pull, snapshot, status (Services/PullService.swift)

    public func pull(_ principal: Principal, cursor: String?, limit: Int?) throws -> PullResponse {
        try pulls.pull(principal, cursor: cursor, limit: limit)
    }

    public func snapshot(_ principal: Principal) throws -> SnapshotResponse { try pulls.snapshot(principal) }

    public func status(_ principal: Principal) throws -> StatusResponse { try pulls.status(principal) }

    public func info() -> InfoResponse { pulls.info() }

    /// The state digest of one store's records as its devices hold them (`PullService.digest`).
    public func digest(store storeID: String) throws -> SHA256Digest { try pulls.digest(store: storeID) }

    /// The digest of a store's records as the server holds them, nothing withheld.
    public func fullDigest(store storeID: String) throws -> SHA256Digest { try pulls.fullDigest(store: storeID) }

    func replayDigest(store storeID: String, recorded: String) throws -> String { try pulls.replayDigest(store: storeID, recorded: recorded) }
}
