import OmzienModel

/// The scenarios behind `Protocol/vectors/`: hand-written histories for each merge rule,
/// and a few generated ones. Deterministic: same code, same bytes.
public enum VectorScenarios {
    public struct Scenario {
        public let name: String
        public let description: String
        public let operations: [LogOperation]
    }

    static let author = AuthorID(trusted: "kassa-1")

    public static func all() throws -> [Scenario] {
        var out = [try registerConflict(), try statusAndReopen(), try chatMomentCounter(), try addWinsSet(),
                   try eraseVersusUpdate(), try awkwardValues(), try signalLifecycle()]
        for seed: UInt64 in [11, 23, 42] {
            var sim = MergeSimulation(seed: seed, replicaCount: 5, recordCount: 4)
            try sim.run(steps: 60)
            out.append(Scenario(name: "generated-seed-\(seed)", description: "A generated history of five replicas with skewed clocks (MergeSimulation seed \(seed)), in log order.", operations: sim.allOperations))
        }
        return out
    }

    static func replica(_ name: String) -> OperationFactory { OperationFactory(replica: ReplicaID(trusted: name)) }
    static let probe = RecordRef(kind: .probe, id: RecordID(trusted: "vector-probe"))

    static func registerConflict() throws -> Scenario {
        var a = replica("dev-a"), b = replica("dev-b")
        let wa = try a.make(record: probe, author: author, body: .changes([.set(field: "text", value: .string("van A"), supersedes: [])]), physicalMillis: 1_763_800_000_000)
        let wb = try b.make(record: probe, author: author, body: .changes([.set(field: "text", value: .string("van B"), supersedes: [])]), physicalMillis: 1_763_800_000_500)
        let tie1 = try a.make(record: probe, author: author, body: .changes([.set(field: "number", value: .int(1), supersedes: [])]), physicalMillis: 1_763_800_009_000)
        let tie2 = try b.make(record: probe, author: author, body: .changes([.set(field: "number", value: .int(2), supersedes: [])]), physicalMillis: 1_763_800_009_000)
        a.observe(wb.timestamp)
        let resolve = try a.make(record: probe, author: author, body: .changes([.set(field: "real", value: .double(0.5), supersedes: [])]), physicalMillis: 1_763_800_010_000)
        return Scenario(name: "register-conflict", description: "Two devices write `text` concurrently: dev-b's later write wins and dev-a's value stays as a conflict. Equal timestamps on `number` break the tie on replica id (dev-b).", operations: [wa, wb, tie1, tie2, resolve])
    }

    static func statusAndReopen() throws -> Scenario {
        var a = replica("dev-a"), p = replica("partner-x")
        let closed = try p.make(record: probe, author: author, body: .changes([.advance(field: "phase", epoch: 0, state: "done")]), physicalMillis: 1_763_800_000_000)
        let stale = try a.make(record: probe, author: author, body: .changes([.advance(field: "phase", epoch: 0, state: "open")]), physicalMillis: 1_763_900_000_000)
        let reopen = try a.make(record: probe, author: author, body: .changes([.reopen(field: "phase", epoch: 1)]), physicalMillis: 1_763_900_000_100)
        let active = try p.make(record: probe, author: author, body: .changes([.advance(field: "phase", epoch: 1, state: "active")]), physicalMillis: 1_763_900_000_200)
        return Scenario(name: "status-forward-only", description: "A late 'open' does not undo 'done'; an explicit reopen starts epoch 1, which then advances to 'active'.", operations: [closed, stale, reopen, active])
    }

    static func chatMomentCounter() throws -> Scenario {
        let key = try ChatMomentKey(store: "store-12", lane: 3, day: "2026-11-22")
        var devices = (1...3).map { replica("till-\($0)") }
        var ops: [LogOperation] = []
        for round in 0..<4 {
            for i in devices.indices {
                ops.append(try devices[i].make(record: key.ref, author: author, body: .changes(key.increment(by: UInt64(i + 1))), physicalMillis: 1_763_800_000_000 + UInt64(round)))
            }
        }
        return Scenario(name: "chat-moment-counter", description: "Three tills count conversations into one chat-moment record concurrently: the count is 4 × (1 + 2 + 3) = 24.", operations: ops)
    }

    static func addWinsSet() throws -> Scenario {
        var a = replica("dev-a"), b = replica("dev-b")
        let add1 = try a.make(record: probe, author: author, body: .changes([.add(field: "tags", element: "x"), .add(field: "tags", element: "y")]), physicalMillis: 1_763_800_000_000)
        b.observe(add1.timestamp)
        let remove = try b.make(record: probe, author: author, body: .changes([.remove(field: "tags", element: "x", observed: [add1.id]), .remove(field: "tags", element: "y", observed: [add1.id])]), physicalMillis: 1_763_800_001_000)
        let add2 = try a.make(record: probe, author: author, body: .changes([.add(field: "tags", element: "x")]), physicalMillis: 1_763_800_000_500)
        return Scenario(name: "add-wins-set", description: "dev-b removes x and y having seen dev-a's first add; dev-a concurrently adds x again. Result: {x}.", operations: [add1, remove, add2])
    }

    static func eraseVersusUpdate() throws -> Scenario {
        var a = replica("dev-a"), b = replica("dev-b")
        let signal = RecordRef(kind: .signal, id: RecordID(trusted: "vector-signal-erased"))
        let create = try a.make(record: signal, author: author, body: .changes(try SignalDraft(store: "store-12", observedAt: 1_763_800_000_000, reporter: "kassa-1", indicators: ["withdrawn"], note: "Meneer vertelt dat zijn vrouw overleden is").changes()), physicalMillis: 1_763_800_000_000)
        b.observe(create.timestamp)
        let later = try b.make(record: signal, author: author, body: .changes([.set(field: "urgency", value: .string("urgent"), supersedes: [create.id])]), physicalMillis: 1_763_900_000_000)
        let erase = try a.make(record: signal, author: author, body: .erase, physicalMillis: 1_763_800_001_000)
        return Scenario(name: "erase-beats-update", description: "A signal is erased while another device concurrently (and with a later clock) raises its urgency: the erase wins; the record holds nothing but the erased flag.", operations: [create, later, erase])
    }

    static func awkwardValues() throws -> Scenario {
        var a = replica("dev-a")
        var ops: [LogOperation] = []
        let values: [FieldValue] = [.double(.nan), .double(-0.0), .double(.infinity), .int(.min), .int(.max),
                                    .string("caf\u{E9}"), .string("cafe\u{301}"), .string("👩‍👩‍👧 مرحبا"), .null, .bool(true)]
        for (i, value) in values.enumerated() {
            let field = if case .double = value { "real" } else { "text" }
            let ref = RecordRef(kind: .probe, id: RecordID(trusted: "awkward-\(i)"))
            ops.append(try a.make(record: ref, author: author, body: .changes([.set(field: field, value: value, supersedes: [])]), physicalMillis: 1_763_800_000_000))
        }
        return Scenario(name: "awkward-values", description: "NaN (canonical bits), -0.0, infinity, extreme integers, composed and decomposed accents (two different values), emoji and right-to-left text, null, booleans.", operations: ops)
    }

    static func signalLifecycle() throws -> Scenario {
        var store = replica("till-1"), manager = replica("manager-phone"), partner = replica("partner-wz-noord")
        let signal = RecordRef(kind: .signal, id: RecordID(trusted: "vector-signal-1"))
        let create = try store.make(record: signal, author: author, body: .changes(try SignalDraft(store: "store-12", observedAt: 1_763_800_000_000, reporter: "kassa-1", indicators: ["daily-long-stay", "mentions-alone"], urgency: "routine", note: "Komt elke ochtend koffie drinken", consent: "given", contact: "06-12345678").changes()), physicalMillis: 1_763_800_000_000)
        manager.observe(create.timestamp)
        partner.observe(create.timestamp)
        let raise = try manager.make(record: signal, author: AuthorID(trusted: "manager-3"), body: .changes([.set(field: "urgency", value: .string("soon"), supersedes: [create.id]), .add(field: "indicators", element: "withdrawn")]), physicalMillis: 1_763_800_100_000)
        let accept = try partner.make(record: signal, author: AuthorID(trusted: "partner:wz-noord:jb"), body: .changes([.advance(field: "status", epoch: 0, state: "accepted")]), physicalMillis: 1_763_800_100_000)
        let note = try store.make(record: signal, author: author, body: .changes([.set(field: "note", value: .string("Vandaag ook gesproken"), supersedes: [create.id])]), physicalMillis: 1_763_800_100_050)
        let contact = try partner.make(record: signal, author: AuthorID(trusted: "partner:wz-noord:jb"), body: .changes([.advance(field: "status", epoch: 0, state: "in-contact")]), physicalMillis: 1_763_800_200_000)
        return Scenario(name: "signal-lifecycle", description: "A signal with consent and contact details; the manager raises urgency while the partner accepts and the store adds a note: all three survive; the partner then reaches in-contact.", operations: [create, raise, accept, note, contact])
    }
}
