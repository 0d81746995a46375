import OmzienModel

/// Generates a random multi-replica history: replicas edit a small pool of records while
/// offline (each edit authored from what that replica has seen: supersede lists, observed
/// tags, epochs), and now and then sync pairwise. Clocks are skewed (one replica is a day
/// behind, one an hour ahead). Concurrent erase versus update happens by construction.
public struct MergeSimulation {
    public struct Replica {
        public var state = ReplicaState()
        public var factory: OperationFactory
        public var physicalSkewMillis: Int64
    }

    public private(set) var replicas: [Replica]
    /// Every replica's own log, in sequence order.
    public private(set) var logs: [ReplicaID: [LogOperation]] = [:]
    public let refs: [RecordRef]
    var rng: SplitMix64
    var nowMillis: UInt64 = 1_763_800_000_000

    public init(seed: UInt64, replicaCount: Int = 5, recordCount: Int = 4) {
        rng = SplitMix64(seed: seed)
        let skews: [Int64] = [0, -86_400_000, 3_600_000, 1, -7]
        replicas = (0..<replicaCount).map { i in
            Replica(factory: OperationFactory(replica: ReplicaID(trusted: "r\(i)")), physicalSkewMillis: skews[i % skews.count])
        }
        var refs: [RecordRef] = []
        for i in 0..<recordCount {
            let kind: RecordKind = i % 4 == 3 ? .signal : .probe
            refs.append(RecordRef(kind: kind, id: RecordID(trusted: "rec-\(i)")))
        }
        refs.append(try! ChatMomentKey(store: "s1", lane: 2, day: "2026-11-22").ref)
        self.refs = refs
    }

    public var allOperations: [LogOperation] { logs.keys.sorted().flatMap { logs[$0]! } }

    /// Runs `steps` random steps: mostly local edits, sometimes a pairwise sync.
    public mutating func run(steps: Int) throws {
        for _ in 0..<steps {
            nowMillis += UInt64.random(in: 0...40, using: &rng)
            let r = Int.random(in: 0..<replicas.count, using: &rng)
            if rng.chance(0.2) {
                let from = Int.random(in: 0..<replicas.count, using: &rng)
                if from != r { try sync(into: r, from: from) }
            } else {
                try edit(r)
            }
        }
    }

    /// Delivers to `into` everything `from` holds (per replica, in sequence order).
    public mutating func sync(into: Int, from: Int) throws {
        for (replica, log) in logs {
            let have = replicas[into].state.held(from: replica)
            let theirs = replicas[from].state.held(from: replica)
            guard theirs > have else { continue }
            for op in log[Int(have)..<Int(theirs)] { try receive(op, at: into) }
        }
    }

    mutating func receive(_ op: LogOperation, at i: Int) throws {
        try replicas[i].state.apply(op)
        replicas[i].factory.observe(op.timestamp)
    }

    mutating func edit(_ i: Int) throws {
        let ref = rng.pick(refs)
        let current = replicas[i].state.records[ref]
        let body: OperationBody
        if rng.chance(0.03) {
            body = .erase
        } else {
            switch ref.kind {
            case .probe: body = .changes(probeChanges(current))
            case .signal: body = .changes(signalChanges(current))
            case .chatMoment: body = .changes(try ChatMomentKey(store: "s1", lane: 2, day: "2026-11-22").increment(by: UInt64.random(in: 1...3, using: &rng)))
            case .feedback: preconditionFailure("not generated")
            }
        }
        let physical = UInt64(Int64(nowMillis) + replicas[i].physicalSkewMillis)
        let op = try replicas[i].factory.make(record: ref, author: AuthorID(trusted: "kassa-\(i)"), body: body, physicalMillis: physical)
        try replicas[i].state.apply(op)
        logs[op.id.replica, default: []].append(op)
    }

    func heads(_ state: RecordState?, _ field: String) -> [OperationID] {
        if case let .register(reg)? = state?.fields[field] { return reg.headIDs }
        return []
    }

    func epoch(_ state: RecordState?, _ field: String) -> UInt32 {
        if case let .status(s)? = state?.fields[field] { return s.epoch }
        return 0
    }

    func liveTags(_ state: RecordState?, _ field: String, _ element: String) -> [OperationID] {
        if case let .set(set)? = state?.fields[field] { return set.liveTags(of: element) }
        return []
    }

    mutating func probeChanges(_ current: RecordState?) -> [FieldChange] {
        var changes: [FieldChange] = []
        let fields = ["text", "number", "real", "tags", "hits", "phase"]
        var chosen = Set<String>()
        for _ in 0..<Int.random(in: 1...3, using: &rng) { chosen.insert(rng.pick(fields)) }
        for field in chosen.sorted() {
            switch field {
            case "text", "number":
                changes.append(.set(field: field, value: ValueGenerator.value(using: &rng), supersedes: heads(current, field)))
            case "real":
                changes.append(.set(field: field, value: .double(ValueGenerator.double(using: &rng)), supersedes: heads(current, field)))
            case "tags":
                let element = rng.pick(["a", "b", "caf\u{E9}", "cafe\u{301}", "👩‍👩‍👧"])
                if rng.chance(0.4) {
                    changes.append(.remove(field: field, element: element, observed: liveTags(current, field, element)))
                } else {
                    changes.append(.add(field: field, element: element))
                }
            case "hits":
                changes.append(.increment(field: field, amount: rng.chance(0.05) ? FieldChange.maxIncrement : UInt64.random(in: 1...5, using: &rng)))
            default:
                let e = epoch(current, field)
                if rng.chance(0.1) {
                    changes.append(.reopen(field: field, epoch: e + 1))
                } else {
                    changes.append(.advance(field: field, epoch: e, state: rng.pick(["new", "open", "active", "done"])))
                }
            }
        }
        return changes
    }

    mutating func signalChanges(_ current: RecordState?) -> [FieldChange] {
        if current?.fields["store"] == nil {
            let draft = SignalDraft(store: "s1", observedAt: 1_763_800_000_000, reporter: "kassa-1",
                                    indicators: [rng.pick(Vocabulary.indicators)], urgency: rng.pick(Vocabulary.urgencies),
                                    note: rng.pick(ValueGenerator.awkwardStrings.filter { !$0.contains("\u{FEFF}") }))
            return try! draft.changes()
        }
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return [.set(field: "urgency", value: .string(rng.pick(Vocabulary.urgencies)), supersedes: heads(current, "urgency"))]
        case 1: return [.set(field: "note", value: .string(rng.pick(["Komt elke dag", "Mist haar man", "Zoë 👋", ""])), supersedes: heads(current, "note"))]
        case 2:
            let consentGiven = rng.chance(0.5)
            return [
                .set(field: "consent", value: .string(consentGiven ? "given" : "refused"), supersedes: heads(current, "consent")),
                .set(field: "contact", value: consentGiven ? .string("06-12345678") : .null, supersedes: heads(current, "contact")),
            ]
        case 3: return [.add(field: "indicators", element: rng.pick(Vocabulary.indicators))]
        default:
            return [.advance(field: "status", epoch: epoch(current, "status"), state: rng.pick(Vocabulary.signalStatus.states))]
        }
    }

    /// Delivers every operation to replica `i` in a random interleaving that keeps each
    /// replica's sequence order, re-delivering earlier operations now and then (duplicates).
    public mutating func deliverEverything(to i: Int) throws {
        var cursors = logs.mapValues { _ in 0 }
        var delivered: [LogOperation] = []
        while true {
            let open = cursors.filter { $0.value < logs[$0.key]!.count }.keys.sorted()
            if open.isEmpty { break }
            let replica = rng.pick(open)
            let op = logs[replica]![cursors[replica]!]
            cursors[replica]! += 1
            try receive(op, at: i)
            delivered.append(op)
            if rng.chance(0.1) {
                let again = rng.pick(delivered)
                guard try replicas[i].state.apply(again) == .duplicate else { preconditionFailure("a re-delivered operation was applied twice") }
            }
        }
    }

    public mutating func shuffled<T>(_ items: [T]) -> [T] { items.shuffled(using: &rng) }
}
