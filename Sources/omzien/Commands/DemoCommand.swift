import Foundation
import OmzienModel
import OmzienStore

/// `omzien demo`: the README's main job. Until the sync server exists (issue 4) it runs
/// the merge locally: two store devices record offline into their own SQLite files, edit
/// the same signal concurrently, count chat moments, exchange their logs both ways, and
/// print what merged, which conflicts were kept, and the two digests.
struct DemoCommand: Command {
    static let name = "demo"
    static let summary = "record offline on two devices, merge, and show that they converge"
    static let usage = """
        usage: omzien demo [--dir PATH] [--json]

        Creates two device replicas (SQLite files) in a temporary directory (or --dir),
        records signals, feedback and chat moments on each while "offline", edits one
        signal on both, then exchanges their operation logs and prints the merge.

          --dir PATH   keep the replica files in PATH (default: a temporary directory, removed after)
          --json       print the result as JSON
        """
    static let valueOptions: Set<String> = ["dir"]

    let directory: String?
    let json: Bool

    init(_ args: inout ArgumentReader) throws {
        directory = args.option("dir")
        json = args.flag("json")
    }

    func run() throws {
        let fm = FileManager.default
        let dir = directory ?? fm.temporaryDirectory.appendingPathComponent("omzien-demo-\(UUID().uuidString.prefix(8))").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if directory == nil { try? fm.removeItem(atPath: dir) } }
        var say: [String] = []

        let till = try ReplicaStore(path: dir + "/till-1.sqlite", replica: ReplicaID(trusted: "till-1"))
        let manager = try ReplicaStore(path: dir + "/manager-phone.sqlite", replica: ReplicaID(trusted: "manager-phone"))
        let cashier = AuthorID(trusted: "kassa-17"), boss = AuthorID(trusted: "manager-3")
        let now = HybridClock.physicalNowMillis()
        let today = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withFullDate])

        // 1. The till records a signal and some feedback, offline.
        let signal = RecordRef(kind: .signal, id: RecordID.random())
        let draft = SignalDraft(store: "store-12", observedAt: Int64(now), reporter: "kassa-17",
                                indicators: ["daily-long-stay", "mentions-alone"], urgency: "routine",
                                note: "Meneer komt elke ochtend, vertelde dat zijn vrouw in het voorjaar overleed.",
                                consent: "given", contact: "06-12345678")
        try till.appendLocal(record: signal, author: cashier, body: .changes(try draft.changes()), physicalMillis: now)
        try till.appendLocal(record: RecordRef(kind: .feedback, id: RecordID.random()), author: cashier,
                             body: .changes(try FeedbackDraft(store: "store-12", givenAt: Int64(now), category: "queue-at-till", nps: 6, comment: "Lange rij om 17u", channel: "till").changes()),
                             physicalMillis: now)
        say.append("till-1 recorded signal \(signal.id.rawValue.prefix(8)) (routine, 2 indicators, consent given) and one feedback (NPS 6), offline.")

        // 2. The manager's phone receives the signal, then both edit it while offline again.
        try manager.apply(try till.operations(from: till.replica, after: 0, limit: 1000))
        say.append("manager-phone synced once and now holds the signal too.")
        let seen = try manager.loadRecord(signal)!
        try manager.appendLocal(record: signal, author: boss, body: .changes([
            .set(field: "urgency", value: .string("soon"), supersedes: seen.heads("urgency")),
            .set(field: "note", value: .string("Besproken met de buurtcoach; graag deze week bellen."), supersedes: seen.heads("note")),
            .add(field: "indicators", element: "withdrawn"),
        ]), physicalMillis: now + 60_000)
        let tillSeen = try till.loadRecord(signal)!
        try till.appendLocal(record: signal, author: cashier, body: .changes([
            .set(field: "note", value: .string("Vandaag weer gesproken, hij kijkt uit naar de koffieochtend."), supersedes: tillSeen.heads("note")),
        ]), physicalMillis: now + 30_000)
        say.append("Offline, the manager raised urgency to 'soon', added 'withdrawn' and rewrote the note; the cashier also rewrote the note.")

        // 3. Everyone counts chat moments on lane 3.
        let lane = try ChatMomentKey(store: "store-12", lane: 3, day: today)
        for (store, author, count) in [(till, cashier, 5), (manager, boss, 2)] {
            for i in 0..<count {
                try store.appendLocal(record: lane.ref, author: author, body: .changes(lane.increment()), physicalMillis: now + 90_000 + UInt64(i))
            }
        }
        say.append("till-1 counted 5 Kletskassa conversations on lane 3, manager-phone counted 2, concurrently.")

        // 4. Exchange logs both ways.
        for (from, to) in [(till, manager), (manager, till)] {
            let ops = try from.operations(from: from.replica, after: to.held(from: from.replica), limit: 10_000)
            let report = try to.apply(ops)
            say.append("\(from.replica) → \(to.replica): \(report.applied) operations applied, \(report.duplicates) already held.")
        }

        let merged = try till.loadRecord(signal)!
        let conflicts = merged.allConflicts
        let count = try till.loadRecord(lane.ref)!.count("count")
        let digests = [try till.stateDigest(), try manager.stateDigest()]
        if json {
            try Output.json([
                "signal": [
                    "urgency": merged.string("urgency") ?? "",
                    "note": merged.string("note") ?? "",
                    "indicators": merged.elements("indicators"),
                    "conflicts": conflicts.map { ["field": $0.field, "value": $0.head.value.stringValue ?? "\($0.head.value)", "by": $0.head.op.description] },
                ] as [String: Any],
                "chatMoments": count,
                "digests": ["till-1": digests[0].hex, "manager-phone": digests[1].hex],
                "converged": digests[0] == digests[1],
            ])
        } else {
            for line in say { Output.line("• " + line) }
            Output.line()
            Output.line("Merged signal: urgency \(merged.string("urgency") ?? "-"), indicators \(merged.elements("indicators").joined(separator: ", "))")
            Output.line("  note (winner): \(merged.string("note") ?? "-")")
            for c in conflicts {
                Output.line("  kept conflict on \(c.field) from \(c.head.op): \(c.head.value.stringValue ?? "\(c.head.value)")")
            }
            Output.line("Chat moments on lane 3 today: \(count) (5 + 2, no increment lost)")
            Output.line()
            Output.line("till-1        digest \(digests[0].hex)")
            Output.line("manager-phone digest \(digests[1].hex)")
            Output.line(digests[0] == digests[1] ? "Both replicas converged." : "The replicas DIFFER: this is a bug.")
        }
        till.close()
        manager.close()
        guard digests[0] == digests[1] else { throw CLIError.failure("replicas did not converge") }
    }
}
