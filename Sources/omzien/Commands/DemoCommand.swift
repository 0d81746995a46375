import Foundation
import OmzienClient
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore

/// `omzien demo`: the README's main job. Starts a sync server on loopback with a temporary
/// database, enrolls three devices of two stores, records offline on each (two devices edit
/// the same signal, all three count chat moments), syncs, and tells what merged, which
/// conflicts were kept, and the digests that prove every replica converged.
struct DemoCommand: Command {
    static let name = "demo"
    static let summary = "run a server on loopback, three offline devices of two stores, sync, and show convergence"
    static let declaration = Declaration(
        options: [.text("dir", "PATH", "keep the databases in PATH"),
                  .flag("json", "print the result as JSON"),
                  .flag("keep-running", "afterwards keep the server running (until Ctrl-C or SIGTERM) and print the web inbox's "
                        + "and the dashboard's URL with a login for each")],
        about: """
        Everything runs on this machine: a sync server on 127.0.0.1 (a free port), its database
        and three device databases in a temporary directory (removed afterwards, unless --dir).
        """)
    let directory: String?
    let json: Bool
    let keepRunning: Bool

    init(_ args: inout ArgumentReader) throws {
        directory = args.value("dir")
        json = args.flag("json")
        keepRunning = args.flag("keep-running")
    }

    func run() throws {
        let started = Date()
        let fm = FileManager.default
        let dir = directory ?? fm.temporaryDirectory.appendingPathComponent("omzien-demo-\(UUID().uuidString.prefix(8))").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if directory == nil { try? fm.removeItem(atPath: dir) } }
        var story: [String] = []
        func say(_ s: String) {
            story.append(s)
            if !json { Output.line("• " + s) }
        }

        // The server.
        var http = HTTPServer.Configuration()
        http.port = 0
        http.requestLog = nil
        var sync = SyncService.Configuration()
        sync.webSecureCookies = false  // plain http on 127.0.0.1 only
        // The demo's database is temporary (deleted at exit) and on loopback: its two accounts
        // use a lighter PBKDF2 work factor so that a debug build logs in at once (R-WEB-1 states
        // the production default, which `serve` uses).
        sync.passwordIterations = 20_000
        let server = try SyncServer(databasePath: dir + "/server.sqlite", http: http, service: sync)
        let port = try server.start()
        defer { server.stop(deadline: .seconds(2)) }
        let url = URL(string: "http://127.0.0.1:\(port)")!
        guard let adminToken = try server.service.bootstrapAdminToken() else { throw CLIError.failure("the demo database already has an admin") }
        let admin = SyncClient(baseURL: url, token: adminToken, retry: .none)
        say("Sync server listening on \(url) (database in \(dir)).")
        for (id, name) in [("noord", "Groningen-Noord"), ("zuid", "Zwolle-Zuid")] {
            _ = try admin.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: id, name: name), as: RegionInfo.self)
        }
        _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: "store-12", region: "noord", name: "Jumbo Vinkhuizen"), as: StoreInfo.self)
        _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: "store-31", region: "zuid", name: "Jumbo Stadshagen"), as: StoreInfo.self)
        func enroll(_ store: String, _ name: String, _ author: String) throws -> DeviceSync {
            let code = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: store), as: EnrollmentCodeResponse.self)
            let device = try DeviceSync.enroll(server: url, code: code.code, label: name, path: "\(dir)/\(name).sqlite", retry: .none)
            try device.store.setSetting("author", author)
            return device
        }
        let partnerToken = try admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn Groningen-Noord"), as: PartnerCreated.self).token
        let partner = SyncClient(baseURL: url, token: partnerToken, retry: .none)
        let till = try enroll("store-12", "till-1", "kassa-17")
        let phone = try enroll("store-12", "manager-phone", "manager-3")
        let other = try enroll("store-31", "till-7", "kassa-4")
        say("Enrolled till-1 and manager-phone for store-12 (region noord), till-7 for store-31 (region zuid).")

        let now = HybridClock.physicalNowMillis()
        let today = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withFullDate])
        let cashier = AuthorID(trusted: "kassa-17"), manager = AuthorID(trusted: "manager-3"), other7 = AuthorID(trusted: "kassa-4")

        // Offline on till-1: a signal and feedback; then one sync so the manager sees the signal.
        let signal = RecordRef(kind: .signal, id: RecordID.random())
        try till.store.appendLocal(record: signal, author: cashier, body: .changes(try SignalDraft(
            store: "store-12", observedAt: Int64(now), reporter: "kassa-17", indicators: ["daily-long-stay", "mentions-alone"],
            urgency: "routine", note: "Meneer komt elke ochtend; vertelde dat zijn vrouw dit voorjaar overleed.",
            consent: "given", contact: "06-12345678").changes()), physicalMillis: now)
        try till.store.appendLocal(record: RecordRef(kind: .feedback, id: RecordID.random()), author: cashier, body: .changes(try FeedbackDraft(
            store: "store-12", givenAt: Int64(now), category: "queue-at-till", nps: 6, comment: "Lange rij om vijf uur", channel: "till").changes()), physicalMillis: now)
        say("till-1, offline: recorded signal \(signal.id.rawValue.prefix(8)) (routine, consent given) and feedback (queue at till, NPS 6).")
        try till.sync()
        try phone.sync()
        say("till-1 and manager-phone synced; the manager's phone now holds the signal.")

        // Offline again: concurrent edits of the same signal, chat moments everywhere.
        let seenByPhone = try phone.store.loadRecord(signal)!
        try phone.store.appendLocal(record: signal, author: manager, body: .changes([
            .set(field: "urgency", value: .string("soon"), supersedes: seenByPhone.heads("urgency")),
            .set(field: "note", value: .string("Besproken met de buurtcoach: graag deze week bellen."), supersedes: seenByPhone.heads("note")),
            .add(field: "indicators", element: "withdrawn"),
        ]), physicalMillis: now + 120_000)
        let seenByTill = try till.store.loadRecord(signal)!
        try till.store.appendLocal(record: signal, author: cashier, body: .changes([
            .set(field: "note", value: .string("Vandaag weer gesproken; hij kijkt uit naar de koffieochtend."), supersedes: seenByTill.heads("note")),
        ]), physicalMillis: now + 60_000)
        say("Offline, both edited the signal: the manager raised urgency to 'soon', added 'withdrawn' and rewrote the note; the cashier also rewrote the note.")
        let lane12 = try ChatMomentKey(store: "store-12", lane: 3, day: today)
        let lane31 = try ChatMomentKey(store: "store-31", lane: 1, day: today)
        for (device, author, key, count) in [(till, cashier, lane12, 5), (phone, manager, lane12, 2), (other, other7, lane31, 4)] {
            for i in 0..<count {
                try device.store.appendLocal(record: key.ref, author: author, body: .changes(key.increment()), physicalMillis: now + 180_000 + UInt64(i))
            }
        }
        try other.store.appendLocal(record: RecordRef(kind: .signal, id: RecordID.random()), author: other7, body: .changes(try SignalDraft(
            store: "store-31", observedAt: Int64(now), reporter: "kassa-4", indicators: ["self-neglect"], urgency: "soon").changes()), physicalMillis: now + 200_000)
        say("Offline, all three counted Kletskassa conversations: till-1 5 and manager-phone 2 on lane 3 of store-12, till-7 4 on lane 1 of store-31; till-7 also recorded a signal.")

        // Sync everyone, twice (the second round brings each the others' changes).
        var pushed = 0, pulled = 0
        for round in 1...2 {
            for device in [till, phone, other] {
                let r = try device.sync()
                pushed += r.pushed
                pulled += r.applied
            }
            if round == 1 { say("Everyone synced: \(pushed) operations pushed.") }
        }
        say("A second round brought each device the others' changes: \(pulled) operations applied from pulls in all.")

        // The welfare partner of region noord picks the signal up; the store sees it.
        let page = try partner.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        say("Partner wz-noord pulled \(page.referrals.count) referral(s) of its region (store-31's signal is in region zuid: not shown); each read is in the audit log.")
        _ = try partner.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "accepted", caseNote: "Buurtcoach Anouk neemt contact op."), as: ReferralView.self)
        let followUp = try partner.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "in-contact"), as: ReferralView.self)
        say("The partner accepted the referral and reached the customer (status: \(followUp.status ?? "-")); its internal case note stays on the server.")
        for device in [till, phone, other] { try device.sync() }
        say("On the next sync, till-1 and manager-phone see the status '\(try till.store.loadRecord(signal)?.status("status")?.state ?? "-")'.")

        let merged = try till.store.loadRecord(signal)!
        let audit = try server.service.auditEntries(.admin)
        let conflicts = merged.shownConflicts
        let count12 = try till.store.loadRecord(lane12.ref)!.count("count")
        let count31 = try other.store.loadRecord(lane31.ref)!.count("count")
        let digests: [(String, String, SHA256Digest)] = [
            ("till-1", "store-12", try till.store.stateDigest()),
            ("manager-phone", "store-12", try phone.store.stateDigest()),
            ("server", "store-12", try server.service.digest(store: "store-12")),
            ("till-7", "store-31", try other.store.stateDigest()),
            ("server", "store-31", try server.service.digest(store: "store-31")),
        ]
        let converged = Set(digests.filter { $0.1 == "store-12" }.map(\.2)).count == 1 && Set(digests.filter { $0.1 == "store-31" }.map(\.2)).count == 1
        let leaked = try till.store.records().contains { $0.string("store") == "store-31" } || (try other.store.records().contains { $0.string("store") == "store-12" })
        let seconds = Date().timeIntervalSince(started)
        if json {
            try Output.json([
                "story": story,
                "signal": ["urgency": merged.string("urgency") ?? "", "note": merged.string("note") ?? "", "indicators": merged.elements("indicators"),
                           "conflicts": conflicts.map { ["field": $0.field, "kept": $0.head.value.stringValue ?? "\($0.head.value)", "from": $0.head.op.description] }] as [String: Any],
                "chatMoments": ["store-12": count12, "store-31": count31],
                "digests": digests.map { ["replica": $0.0, "store": $0.1, "digest": $0.2.hex] },
                "converged": converged, "crossStoreLeak": leaked, "seconds": seconds,
                "referralStatus": merged.status("status")?.state ?? "", "auditEntries": audit.entries.count,
                "auditIntact": (try server.service.auditProblems(audit.entries, head: audit.head)).isEmpty,
            ])
        } else {
            Output.line()
            Output.line("What merged on the signal:")
            Output.line("  urgency     \(merged.string("urgency") ?? "-")   (the manager's change; nobody else touched it)")
            Output.line("  status      \(merged.status("status")?.state ?? "-")   (the partner's follow-up, merged with the store's edits)")
            Output.line("  indicators  \(merged.elements("indicators").joined(separator: ", "))")
            Output.line("  note        \(merged.string("note") ?? "-")")
            for c in conflicts {
                Output.line("  conflict    \(c.field): \"\(c.head.value.stringValue ?? "\(c.head.value)")\" from \(c.head.op) lost to the later edit and is kept visible")
            }
            Output.line("Chat moments today: store-12 lane 3 = \(count12) (5 + 2), store-31 lane 1 = \(count31): no increment lost.")
            Output.line(leaked ? "A record crossed stores: THIS IS A BUG." : "No record crossed from one store to the other.")
            Output.line("Audit log: \(audit.entries.count) partner action(s) on referrals recorded, chain \((try server.service.auditProblems(audit.entries, head: audit.head)).isEmpty ? "intact" : "BROKEN").")
            Output.line()
            Output.table(["REPLICA", "STORE", "STATE DIGEST"], digests.map { [$0.0, $0.1, $0.2.hex] })
            Output.line()
            Output.line(converged ? String(format: "Every replica of each store has the same digest: converged (%.1f s).", seconds)
                                  : "The replicas DIFFER: this is a bug.")
        }
        till.store.close(); phone.store.close(); other.store.close()
        guard converged, !leaked else { throw CLIError.failure("the demo did not converge") }
        try keepServing(admin: admin, url: url)
    }

    /// `--keep-running` (issue 13): accounts for a welfare worker and a head-office analyst,
    /// their login, and the server until SIGINT / SIGTERM.
    func keepServing(admin: SyncClient, url: URL) throws {
        guard keepRunning else {
            if !json { Output.line("Run 'omzien demo --keep-running' to open the partner's inbox and the dashboard in a browser.") }
            return
        }
        let signals = try TerminationSignals()
        let worker = try admin.call("POST", "v1/accounts", body: CreateAccountRequest(partner: "wz-noord", name: "eline", role: "worker"), as: AccountCreated.self)
        let analyst = try admin.call("POST", "v1/accounts", body: CreateAccountRequest(headOffice: true, name: "anna"), as: AccountCreated.self)
        let login = url.appendingPathComponent("web/login").absoluteString
        if json {
            try Output.json(["inbox": url.appendingPathComponent("web/inbox").absoluteString, "dashboard": url.appendingPathComponent("web/dashboard").absoluteString,
                             "login": login, "worker": ["name": "eline", "password": worker.initialPassword ?? ""],
                             "headOffice": ["name": "anna", "password": analyst.initialPassword ?? ""]] as [String: Any])
        } else {
            Output.line()
            Output.line("The web pages run while this demo runs (Ctrl-C stops it):")
            Output.line("  Partner's inbox:  \(url.appendingPathComponent("web/inbox").absoluteString)")
            Output.line("                    log in at \(login) as eline, password \(worker.initialPassword ?? "?")")
            Output.line("  Dashboard:        \(url.appendingPathComponent("web/dashboard").absoluteString)")
            Output.line("                    log in as anna, password \(analyst.initialPassword ?? "?")")
        }
        _ = signals.wait()
        if !json { Output.line("Stopping the demo server.") }
    }
}
