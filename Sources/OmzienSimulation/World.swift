import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import OmzienTestSupport

/// One device of the simulation: its own replica file, its own clock skew.
final class SimDevice {
    let name: String
    let store: String
    let sync: DeviceSync
    let skew: Int64
    var revoked = false
    var lastError: String?
    init(name: String, store: String, sync: DeviceSync, skew: Int64) {
        self.name = name
        self.store = store
        self.sync = sync
        self.skew = skew
    }
}

/// The invariants, by the requirement each guards (Protocol/*.md; R-SIM-n in issue 15).
enum Invariant {
    static let no5xx = "R-SYNC-15 no client mistake is answered 5xx"
    static let acknowledgedKept = "R-SYNC-8 an acknowledged operation is never lost"
    static let drains = "R-SYNC-7 every device drains its unsent operations"
    static let converge = "R-MODEL-12 replicas of a store and the server agree on the digest"
    static let countsOnce = "R-MODEL-7 chat-moment counts equal the increments (none applied twice)"
    static let enrollOnce = "R-SYNC-2a a retried enrollment is one device"
    static let deviceScope = "R-SYNC-11 a device receives only its store's operations"
    static let partnerFields = "R-PART-3 a partner receives only allow-listed fields"
    static let partnerRegion = "R-PART-6 a partner receives only its region's referrals"
    static let contactConsent = "R-PART-4 contact only with consent given"
    static let closedHidden = "R-PART-14 closed referrals stay out of the new partner's sight"
    static let erased = "R-PRIV-2 an erased canary is in no database file"
    static let honestSync = "R-SYNC-5 an honest device's sync is not refused"
    static let serverAlive = "R-SYNC-15 the server answers after the run"
    static let retention = "R-PRIV-17 nothing past its retention period stays on the server"
}

final class World {
    let seed: UInt64
    let dir: URL
    let options: Simulation.Options
    let clock: SimClock
    let server: SimServer
    let net: SimNetwork
    var adminToken = ""
    var devices: [SimDevice] = []
    var pending: [(store: String, code: String, path: String, name: String)] = []
    var partners: [String: (token: String, cursor: String, seen: [String])] = [:]
    var partnerRegionByToken: [String: String] = [:]
    var deviceStoreByToken: [String: String] = [:]
    var storeRegion: [String: String] = [:]
    /// Record id -> store, for the honest records (scope checks).
    var recordStore: [String: String] = [:]
    var canaries: [RecordRef: [String]] = [:]
    var erasures: [(ref: RecordRef, replica: ReplicaID, seq: UInt64)] = []
    /// Records the server's retention purge erased: their canaries must be gone from every
    /// file at the end, whoever held them (R-PRIV-17, R-PRIV-2).
    var purged: Set<RecordRef> = []
    var increments: [(replica: ReplicaID, seq: UInt64, key: ChatMomentKey, amount: UInt64)] = []
    /// Referral ids a partner closed (and did not reopen): hidden from a new region's partner.
    var closed: [String: String] = [:]
    var hiddenFrom: [String: Set<String>] = [:]
    var hostile: HostilePeer?
    var violations: [(String, String)] = []
    var rng = SplitMix64(seed: 0)
    var enrolled = 0
    var counts: [String: Int] = [:]

    static let retry: SyncClient.RetryPolicy = {
        var p = SyncClient.RetryPolicy()
        p.attempts = 2
        p.sleep = { _ in }
        return p
    }()
    static let base = URL(string: "http://sim.invalid")!

    init(seed: UInt64, dir: URL, options: Simulation.Options) throws {
        self.seed = seed
        self.dir = dir
        self.options = options
        if case .child = options.server { clock = SimClock(HybridClock.physicalNowMillis(), wall: true) } else { clock = SimClock(Simulation.start) }
        server = try SimServer(path: dir.appendingPathComponent("server.sqlite").path, clock: clock, mode: options.server, retention: options.serverRetention)
        net = SimNetwork(server: server)
        net.avoid = options.avoid
        rng = SplitMix64(seed: seed ^ 0x5EED_5EED)
        net.onAnswer = { [unowned self] path, headers, status, body in self.inspect(path: path, headers: headers, body: body) }
        guard let token = try server.adminToken() else { throw Simulation.Failure(invariant: "R-SIM-1 setup", detail: "no admin token", step: nil) }
        adminToken = token
        net.faultsEnabled = false
        for region in Simulation.regions {
            try admin("POST", "/v1/admin/regions", CreateRegionRequest(id: region, name: "Regio \(region)"))
            let created = try JSONDecoder().decode(PartnerCreated.self, from: admin("POST", "/v1/admin/partners", CreatePartnerRequest(id: "wz-\(region)", region: region, name: "Welzijn \(region)")))
            partners[region] = (created.token, "", [])
            partnerRegionByToken[created.token] = region
        }
        for (i, store) in Simulation.stores.enumerated() {
            try admin("POST", "/v1/admin/stores", CreateStoreRequest(id: store, region: Simulation.homeRegion[i], name: "Winkel \(store)"))
            storeRegion[store] = Simulation.homeRegion[i]
        }
        for store in ["s0", "s0", "s1", "s2"] { try enroll(store: store) }
        if options.hostile {
            let code = try JSONDecoder().decode(EnrollmentCodeResponse.self, from: admin("POST", "/v1/admin/enrollments", CreateEnrollmentRequest(store: "s0"))).code
            let answer = net.deliver(method: "POST", path: "/v1/enroll", query: nil, headers: ["Content-Type": "application/json"],
                                     body: try JSONEncoder().encode(EnrollRequest(code: code, label: "hostile", nonce: "hostile-nonce-0123456789")), address: "hostile")
            let identity = try JSONDecoder().decode(EnrollResponse.self, from: Data(answer.body))
            hostile = HostilePeer(replica: try ReplicaID(identity.replica), store: identity.store, token: identity.token, otherStore: "s1")
            enrolled += 1
        }
        net.faultsEnabled = options.faults
    }

    func close() {
        for d in devices { d.sync.store.close() }
        server.stop()
    }

    // MARK: - Control channel (the admin; no faults)

    @discardableResult
    func admin(_ method: String, _ path: String, _ body: (any Encodable)? = nil) throws -> Data {
        let answer = net.deliver(method: method, path: path, query: nil, headers: ["Authorization": "Bearer \(adminToken)", "Content-Type": "application/json"],
                                 body: try body.map { try JSONEncoder().encode($0) })
        guard (200..<300).contains(answer.status) else {
            throw AdminRefused(status: answer.status, body: String(decoding: answer.body, as: UTF8.self))
        }
        return Data(answer.body)
    }

    struct AdminRefused: Error, CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "the admin step was refused with \(status): \(body)" }
    }

    func heldByServer() throws -> [String: UInt64] {
        let list = try JSONDecoder().decode([DeviceInfo].self, from: admin("GET", "/v1/admin/devices"))
        return Dictionary(list.map { ($0.replica, $0.held) }, uniquingKeysWith: max)
    }

    // MARK: - Actors

    func enroll(store: String) throws {
        let code = try JSONDecoder().decode(EnrollmentCodeResponse.self, from: admin("POST", "/v1/admin/enrollments", CreateEnrollmentRequest(store: store))).code
        let name = "device-\(devices.count + pending.count)"
        pending.append((store, code, dir.appendingPathComponent("\(name).sqlite").path, name))
        try finishEnrollments(mustSucceed: false)
    }

    /// Runs every pending enrollment (again: R-SYNC-2a, the same code and nonce).
    func finishEnrollments(mustSucceed: Bool) throws {
        var left: [(store: String, code: String, path: String, name: String)] = []
        for p in pending {
            do {
                let sync = try DeviceSync.enroll(server: Self.base, code: p.code, label: p.name, path: p.path, transport: net.transport(p.name), retry: Self.retry)
                let skew: Int64 = Int.random(in: 0..<6, using: &rng) == 0 ? 2 * 3_600_000 : Int64.random(in: -120_000...120_000, using: &rng)
                devices.append(SimDevice(name: p.name, store: p.store, sync: sync, skew: skew))
                enrolled += 1
            } catch ClientError.offline(let why) {
                if mustSucceed { throw Simulation.Failure(invariant: Invariant.enrollOnce, detail: "\(p.name) cannot enroll on a healed network: \(why)", step: nil) }
                left.append(p)
            } catch {
                throw Simulation.Failure(invariant: Invariant.enrollOnce, detail: "\(p.name): enrolling again with the same code fails: \(error)", step: nil)
            }
        }
        pending = left
    }

    func device(_ i: Int, live: Bool = true) -> SimDevice? {
        let pool = live ? devices.filter { !$0.revoked } : devices
        return pool.isEmpty ? nil : pool[i % pool.count]
    }

    func physical(_ d: SimDevice) -> UInt64 { UInt64(Int64(clock.now) + d.skew) }

    func signals(_ d: SimDevice) throws -> [RecordState] {
        try d.sync.store.records(kind: .signal).filter { !$0.erased }.sorted { $0.ref.id.rawValue < $1.ref.id.rawValue }
    }

    func perform(_ action: Simulation.Action, index: Int) throws {
        switch action {
        case let .record(i, canary, submit, consent):
            guard let d = device(i) else { return }
            let ref = RecordRef(kind: .signal, id: RecordID.random(using: &rng))
            let note = canary ? "CANARY-\(seed)-\(index)-\(rng.next())" : "notitie \(index)"
            let draft = SignalDraft(store: d.store, observedAt: Int64(physical(d)), reporter: "kassa-1", indicators: ["withdrawn"], note: note,
                                    consent: consent ? "given" : "not-asked", contact: consent ? "06-\(10_000_000 + index)" : nil, submit: submit)
            try d.sync.store.appendLocal(record: ref, author: Simulation.author, body: .changes(try draft.changes()), physicalMillis: physical(d))
            recordStore[ref.id.rawValue] = d.store
            if canary { canaries[ref, default: []].append(note) }
        case let .edit(i, pick):
            guard let d = device(i) else { return }
            let list = try signals(d)
            guard !list.isEmpty else { return }
            let r = list[pick % list.count]
            try d.sync.store.appendLocal(record: r.ref, author: Simulation.author,
                                         body: .changes([.set(field: "note", value: .string("bewerkt \(index)"), supersedes: r.heads("note"))]), physicalMillis: physical(d))
        case let .erase(i, pick):
            guard let d = device(i) else { return }
            var list = try signals(d)
            if options.avoid.contains(.eraseBeforeFirstSync) {
                let unsent = Set(try d.sync.store.unsentOperations(limit: 100_000).map(\.record))
                list.removeAll { unsent.contains($0.ref) }
            }
            guard !list.isEmpty else { return }
            let r = list[pick % list.count]
            let op = try d.sync.store.appendLocal(record: r.ref, author: Simulation.author, body: .erase, physicalMillis: physical(d))
            erasures.append((r.ref, d.sync.store.replica, op.id.sequence))
        case let .submit(i, pick):
            guard let d = device(i) else { return }
            let drafts = try signals(d).filter { $0.status("status")?.state == "draft" }
            guard !drafts.isEmpty else { return }
            let r = drafts[pick % drafts.count]
            try d.sync.store.appendLocal(record: r.ref, author: Simulation.author,
                                         body: .changes([.advance(field: "status", epoch: r.status("status")?.epoch ?? 0, state: "submitted")]), physicalMillis: physical(d))
        case let .chat(i, lane, amount):
            guard let d = device(i) else { return }
            let key = try ChatMomentKey(store: d.store, lane: Int64(lane), day: "2026-12-03")
            let op = try d.sync.store.appendLocal(record: key.ref, author: Simulation.author, body: .changes(key.increment(by: amount)), physicalMillis: physical(d))
            increments.append((d.sync.store.replica, op.id.sequence, key, amount))
        case let .sync(i):
            guard let d = device(i, live: false) else { return }
            try sync(d, final: false)
        case let .enroll(s):
            try finishEnrollments(mustSucceed: false)
            try enroll(store: Simulation.stores[s % Simulation.stores.count])
        case let .revoke(i):
            guard let d = device(i) else { return }
            try admin("POST", "/v1/admin/devices/\(d.sync.store.replica.rawValue)/revoke")
            d.revoked = true
        case let .move(s, r):
            let store = Simulation.stores[s % Simulation.stores.count], region = Simulation.regions[r % Simulation.regions.count]
            do {
                let from = storeRegion[store]
                try admin("POST", "/v1/admin/stores/\(store)/move", MoveStoreRequest(region: region))
                storeRegion[store] = region
                if from == region { return }  // no move: the partner keeps what it closed
                counts["moves", default: 0] += 1
                for (id, st) in closed where st == store { hiddenFrom[region, default: []].insert(id) }
            } catch let e as AdminRefused where e.status < 500 && storeRegion[store] == region {
                // Moving a store to the region it is in is a client mistake (4xx).
            }
        case let .partnerPull(r):
            let region = Simulation.regions[r % Simulation.regions.count]
            try partnerPull(region)
        case let .followUp(r, pick, s):
            let region = Simulation.regions[r % Simulation.regions.count]
            guard let p = partners[region], !p.seen.isEmpty else { return try partnerPull(region) }
            let id = p.seen[pick % p.seen.count]
            let states: [ReferralUpdateRequest] = [
                .init(state: "accepted", caseNote: s % 3 == 0 ? "CASE-\(seed)-\(index)" : nil), .init(state: "contact-attempted"), .init(state: "in-contact"),
                .init(state: "closed", outcome: Vocabulary.outcomes[s % Vocabulary.outcomes.count]), .init(state: "reopened"),
                .init(state: "declined", declineReason: "other"), .init(state: "closed"),
            ]
            let update = states[s % states.count]
            let client = SyncClient(baseURL: Self.base, token: p.token, transport: net.transport("partner-\(region)"), retry: Self.retry)
            do {
                let view = try client.call("POST", "v1/partner/referrals/\(id)/status", body: update, as: ReferralView.self)
                if let note = update.caseNote, let ref = try? RecordRef(kind: .signal, id: RecordID(id)) { canaries[ref, default: []].append(note) }
                counts["follow-ups", default: 0] += 1
                if view.status == "closed" { closed[id] = view.store } else { closed[id] = nil }
            } catch ClientError.offline {
                // Lost: the partner does not know whether it happened; a later pull shows it.
            } catch ClientError.problem(let problem) where problem.status < 500 {
            }
        case .releaseQuarantine:
            try releaseQuarantine()
        case .crash:
            try server.crash()
        case .hostile:
            guard var h = hostile else { return }
            // A record of another store that the server holds (a hostile device cannot guess
            // the random id of one that was never sent).
            var foreign: RecordRef?
            if let o = devices.first(where: { $0.store != h.store && !$0.revoked }) {
                let unsent = Set(try o.sync.store.unsentOperations(limit: 100_000).map(\.record))
                foreign = try signals(o).map(\.ref).first { !unsent.contains($0) }
            }
            let other = devices.first { $0.store != h.store }?.sync.store.replica.rawValue
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                let (text, ops) = h.push(&rng, now: clock.now, foreignReplica: other, foreign: foreign)
                do {
                    let (status, body) = try net.transport("hostile").send(method: "POST", url: Self.base.appendingPathComponent("v1/sync/push"),
                                                                  headers: ["Authorization": "Bearer \(h.token)", "Content-Type": "application/json"], body: Data(text.utf8))
                    if status == 200, let answer = try? JSONDecoder().decode(PushResponse.self, from: body) {
                        if answer.held > h.chain.seq { counts["hostile operations applied", default: 0] += Int(answer.held - h.chain.seq) }
                        h.accepted(ops, held: answer.held)
                    }
                    counts["hostile pushes \(status / 100)xx", default: 0] += 1
                } catch ClientError.offline {}
            }
            hostile = h
        case let .tick(ms):
            clock.advance(ms)
        case let .leap(days):
            try leap(days: days)
        }
    }

    /// `Action.leap`: months pass. Enrollments still waiting are finished first (their codes
    /// would expire: a retry months later is refused by design, R-SYNC-2).
    func leap(days: Int) throws {
        let faults = net.faultsEnabled
        net.faultsEnabled = false
        defer { net.faultsEnabled = faults }
        try finishEnrollments(mustSucceed: true)
        clock.leap(UInt64(days) * RetentionPolicy.dayMillis)
        counts["leaps", default: 0] += 1
        let policy = RetentionPolicy.defaults
        let now = clock.now
        // What the server holds that is past its period and not erased yet.
        func overdue(_ service: SyncService) throws -> [RecordState] {
            try [RecordKind.signal, .feedback].flatMap { try service.records(kind: $0) }.filter { !$0.erased && policy.due($0, now: now) != nil }
        }
        // Admin and partner tokens live 90 days (R-OPS-6, R-PART-13): the operator issues
        // new ones on the host (`omzien admin token --db`), then the partners'.
        let due = try server.withService { service in
            adminToken = try service.issueAdminToken().token
            return try overdue(service)
        }
        // The hourly schedule's purge in process; in the child mode `omzien serve` restarted
        // on a clock moved by libfaketime, whose purge at start is the one checked.
        counts["retention purged on the server", default: 0] += try server.purgeExpired()
        purged.formUnion(due.map(\.ref))
        let left = try server.withService(overdue)
        if let first = left.first {
            violations.append((Invariant.retention, "\(left.count) records past their period are not erased after the purge, \(first.ref) among them"))
        }
        for (region, p) in partners {
            let issued = try JSONDecoder().decode(PartnerCreated.self, from: admin("POST", "/v1/admin/partners/wz-\(region)/tokens", PartnerTokenRequest()))
            partners[region]?.token = issued.token
            partnerRegionByToken[issued.token] = region
            partnerRegionByToken[p.token] = nil
        }
        for d in devices where !d.revoked {
            let erased = try DeviceSync.purgeExpired(d.sync.store, policy: policy, now: physical(d))
            let seq = d.sync.store.held(from: d.sync.store.replica)
            for ref in erased { erasures.append((ref, d.sync.store.replica, seq)) }
            counts["retention purged on devices", default: 0] += erased.count
        }
    }

    func sync(_ d: SimDevice, final: Bool) throws {
        do {
            let report = try d.sync.sync()
            if !report.quarantined.isEmpty { counts["quarantined pushes", default: 0] += 1 }
            d.lastError = nil
            counts["syncs", default: 0] += 1
        } catch ClientError.offline(let why) {
            d.lastError = "offline: \(why)"
            if final { throw Simulation.Failure(invariant: Invariant.drains, detail: "\(d.name) is offline on a healed network: \(why)", step: nil) }
        } catch ClientError.problem(let p) where d.revoked && [401, 403, 429].contains(p.status) {
            d.lastError = "revoked"
        } catch {
            d.lastError = "\(error)"
            throw Simulation.Failure(invariant: Invariant.honestSync, detail: "\(d.name) (store \(d.store), replica \(d.sync.store.replica)): \(error)", step: nil)
        }
    }

    func partnerPull(_ region: String) throws {
        guard var p = partners[region] else { return }
        let client = SyncClient(baseURL: Self.base, token: p.token, transport: net.transport("partner-\(region)"), retry: Self.retry)
        do {
            for _ in 0..<20 {
                let page = try client.call("GET", "v1/partner/referrals", query: ["cursor": p.cursor, "limit": "50"], as: ReferralPage.self)
                p.cursor = page.cursor
                for r in page.referrals where !p.seen.contains(r.id) && r.erased != true { p.seen.append(r.id) }
                p.seen.removeAll { id in page.referrals.contains { $0.id == id && $0.erased == true } }
                if !page.more { break }
            }
        } catch ClientError.offline {
        } catch ClientError.problem(let problem) where problem.status < 500 {
        }
        partners[region] = p
    }

    func releaseQuarantine() throws {
        let list = try JSONDecoder().decode([QuarantineEntry].self, from: admin("GET", "/v1/admin/quarantine"))
        for replica in Set(list.map(\.replica)).sorted() {
            counts["quarantine releases", default: 0] += 1
            try admin("POST", "/v1/admin/quarantine/\(replica)/release")
        }
    }

    // MARK: - Scope checks on every answer

    func inspect(path: String, headers: [String: String], body: [UInt8]) {
        let token = headers["Authorization"].map { String($0.dropFirst("Bearer ".count)) } ?? ""
        if path == "/v1/enroll", let identity = try? JSONDecoder().decode(EnrollResponse.self, from: Data(body)) {
            deviceStoreByToken[identity.token] = identity.store
            return
        }
        if path == "/v1/sync/pull", let store = deviceStoreByToken[token], let page = try? PullResponse.decodeFast(body) {
            for op in page.operations {
                let owner = op.record.kind == .chatMoment ? String(op.record.id.rawValue.split(separator: "/").first ?? "") : recordStore[op.record.id.rawValue]
                if let owner, owner != store { violations.append((Invariant.deviceScope, "a device of \(store) pulled \(op.id) on \(op.record) of \(owner)")) }
            }
            return
        }
        guard path.hasPrefix("/v1/partner/referrals"), let region = partnerRegionByToken[token],
              let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return }
        let referrals = (json["referrals"] as? [[String: Any]]) ?? (json["id"] != nil ? [json] : [])
        for r in referrals {
            let id = r["id"] as? String ?? "?"
            let extra = Set(r.keys).subtracting(ReferralView.partnerFields)
            if !extra.isEmpty { violations.append((Invariant.partnerFields, "partner of \(region) got \(extra.sorted()) of \(id)")) }
            if let rr = r["region"] as? String, rr != region { violations.append((Invariant.partnerRegion, "partner of \(region) got \(id) of region \(rr)")) }
            // R-PART-14: the old partner keeps the cases finished before a move (read-only).
            let finished = ["closed", "declined"].contains(r["status"] as? String ?? "")
            if let store = r["store"] as? String, let now = storeRegion[store], now != region, r["erased"] as? Bool != true, !finished {
                violations.append((Invariant.partnerRegion, "partner of \(region) got \(id) of store \(store), which is in \(now)"))
            }
            if r["contact"] != nil, r["consent"] as? String != "given" { violations.append((Invariant.contactConsent, "\(id) has contact with consent \(r["consent"] ?? "none")")) }
            if hiddenFrom[region]?.contains(id) == true, r["status"] as? String == "closed" {
                violations.append((Invariant.closedHidden, "partner of \(region) got \(id), closed before its store moved here"))
            }
        }
    }

    // MARK: - Invariants

    func checkStep(_ index: Int) throws {
        if let first = net.observed5xx.first { throw Simulation.Failure(invariant: Invariant.no5xx, detail: first, step: index) }
        if let (name, detail) = violations.first { throw Simulation.Failure(invariant: name, detail: detail, step: index) }
        let held = try heldByServer()
        for d in devices where (held[d.sync.store.replica.rawValue] ?? 0) < d.sync.store.acknowledged {
            throw Simulation.Failure(invariant: Invariant.acknowledgedKept,
                                     detail: "\(d.name): acknowledged \(d.sync.store.acknowledged), the server holds \(held[d.sync.store.replica.rawValue] ?? 0)", step: index)
        }
    }

    func checkEnd() throws {
        net.healed = true
        while !net.stale.isEmpty { net.deliverStale() }
        try finishEnrollments(mustSucceed: true)
        let live = devices.filter { !$0.revoked }
        for _ in 0..<3 {
            try releaseQuarantine()
            for d in live { try sync(d, final: true) }
        }
        for d in live where try !d.sync.store.unsentOperations(limit: 1).isEmpty {
            throw Simulation.Failure(invariant: Invariant.drains, detail: "\(d.name) keeps unsent operations from \(try d.sync.store.unsentOperations(limit: 1)[0].id) (last: \(d.lastError ?? "no error"))", step: nil)
        }
        for d in live { try sync(d, final: true) }
        try checkStep(-1)
        for d in live {
            let server = try self.server.digest(store: d.store)
            if try d.sync.store.stateDigest() != server {
                throw Simulation.Failure(invariant: Invariant.converge, detail: "\(d.name) of \(d.store) differs from the server", step: nil)
            }
        }
        let held = try heldByServer()
        if held.count != enrolled {
            throw Simulation.Failure(invariant: Invariant.enrollOnce, detail: "the server lists \(held.count) devices, \(enrolled) enrolled", step: nil)
        }
        var expected: [ChatMomentKey: UInt64] = [:]
        for i in increments where i.seq <= held[i.replica.rawValue] ?? 0 { expected[i.key, default: 0] += i.amount }
        for (key, made) in expected {
            let total = options.plantedMiscount ? made + 1 : made
            guard let d = live.first(where: { $0.store == key.store }) else { continue }
            let count = try d.sync.store.loadRecord(key.ref)?.count("count") ?? 0
            counts["chat moments checked", default: 0] += 1
            if count != total { throw Simulation.Failure(invariant: Invariant.countsOnce, detail: "\(key.ref): \(count), increments \(total)", step: nil) }
        }
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil).filter { file in
            !devices.contains { $0.revoked && file.lastPathComponent.hasPrefix($0.name + ".") }
        }
        let contents = try files.map { ($0.lastPathComponent, try Data(contentsOf: $0)) }
        let due = erasures.filter { $0.seq <= held[$0.replica.rawValue] ?? 0 }.map(\.ref) + purged.sorted { $0.id.rawValue < $1.id.rawValue }
        for ref in due {
            counts["erasures checked", default: 0] += 1
            for canary in canaries[ref] ?? [] {
                if let (name, _) = contents.first(where: { $0.1.range(of: Data(canary.utf8)) != nil }) {
                    throw Simulation.Failure(invariant: Invariant.erased, detail: "'\(canary)' of erased \(ref) is in \(name)", step: nil)
                }
            }
        }
    }

    func run(_ steps: [Simulation.Step]) -> Simulation.Outcome {
        var outcome = Simulation.Outcome()
        do {
            for (i, step) in steps.enumerated() {
                net.rng = SplitMix64(seed: step.faults)
                rng = SplitMix64(seed: step.faults ^ 0x9E37_79B9_7F4A_7C15)
                if !net.stale.isEmpty, Bool.random(using: &net.rng) { net.deliverStale() }
                do { try perform(step.action, index: i) } catch var f as Simulation.Failure {
                    f.step = i
                    throw f
                }
                outcome.steps += 1
                clock.advance(UInt64.random(in: 1...5_000, using: &rng))
                try checkStep(i)
            }
            try checkEnd()
        } catch let f as Simulation.Failure {
            outcome.failure = f
        } catch {
            outcome.failure = Simulation.Failure(invariant: "R-SIM-1 the simulation runs", detail: "\(error)", step: outcome.steps)
        }
        outcome.requests = net.requests
        outcome.crashes = server.crashes
        outcome.counts = counts
        if net.cuts > 0 { outcome.counts["connections cut", default: 0] += net.cuts }
        return outcome
    }
}
