import OmzienModel
import OmzienTestSupport
import Testing

/// One test per merge rule of Protocol/MODEL.md, "Merge kinds", on hand-written histories.
struct MergeRuleTests {
    let probe = RecordRef(kind: .probe, id: RecordID(trusted: "p1"))
    let author = AuthorID(trusted: "kassa-1")

    func factory(_ name: String) -> OperationFactory { OperationFactory(replica: ReplicaID(trusted: name)) }

    func state(_ ops: [LogOperation]) throws -> ReplicaState {
        var s = ReplicaState()
        for op in ops { try s.apply(op) }
        return s
    }

    func register(_ s: ReplicaState, _ field: String) -> RegisterState? {
        if case let .register(r)? = s.records[probe]?.fields[field] { return r }
        return nil
    }

    @Test func concurrentWritesKeepTheLoserAsAVisibleConflict() throws {
        var a = factory("dev-a"), b = factory("dev-b")
        let wa = try a.make(record: probe, author: author, body: .changes([.set(field: "text", value: .string("van A"), supersedes: [])]), physicalMillis: 1_000_000)
        let wb = try b.make(record: probe, author: author, body: .changes([.set(field: "text", value: .string("van B"), supersedes: [])]), physicalMillis: 2_000_000)
        for order in [[wa, wb], [wb, wa]] {
            let reg = try #require(register(try state(order), "text"))
            #expect(reg.winner?.value == .string("van B"), "the later timestamp wins")
            #expect(reg.conflicts.map(\.value) == [.string("van A")], "the loser stays visible")
        }
    }

    /// R-MODEL-8: merge order is hlc, then replica bytes, then sequence.
    @Test func equalTimestampsBreakTiesOnReplicaID() throws {
        var a = factory("dev-a"), b = factory("dev-b")
        let wa = try a.make(record: probe, author: author, body: .changes([.set(field: "number", value: .int(1), supersedes: [])]), physicalMillis: 5_000)
        let wb = try b.make(record: probe, author: author, body: .changes([.set(field: "number", value: .int(2), supersedes: [])]), physicalMillis: 5_000)
        #expect(wa.timestamp == wb.timestamp)
        for order in [[wa, wb], [wb, wa]] {
            #expect(register(try state(order), "number")?.winner?.value == .int(2), "dev-b > dev-a by bytes")
            #expect(register(try state(order), "number")?.conflicts.isEmpty == true, "number does not keep conflicts")
        }
    }

    @Test func aWriteThatSawTheConflictResolvesIt() throws {
        var a = factory("dev-a"), b = factory("dev-b")
        let wa = try a.make(record: probe, author: author, body: .changes([.set(field: "text", value: .string("A"), supersedes: [])]), physicalMillis: 1_000)
        let wb = try b.make(record: probe, author: author, body: .changes([.set(field: "text", value: .string("B"), supersedes: [])]), physicalMillis: 1_001)
        let seen = try state([wa, wb])
        let heads = try #require(register(seen, "text")).headIDs
        #expect(heads.count == 2)
        a.observe(wb.timestamp)
        let resolve = try a.make(record: probe, author: author, body: .changes([.set(field: "text", value: .string("A+B"), supersedes: heads)]), physicalMillis: 1_002)
        // The resolution arrives before one of the writes it supersedes, on another replica.
        for order in [[wa, wb, resolve], [wb, wa, resolve]] {
            let reg = try #require(register(try state(order), "text"))
            #expect(reg.winner?.value == .string("A+B"))
            #expect(reg.conflicts.isEmpty)
        }
        var late = RecordState(ref: probe)
        for op in [resolve, wb, wa] { late.apply(op) }
        if case let .register(reg)? = late.fields["text"] {
            #expect(reg.heads.map(\.value) == [.string("A+B")], "a superseded write arriving late does not come back as a conflict")
        } else {
            Issue.record("text field missing")
        }
    }

    @Test func statusNeverMovesBackWithoutAnExplicitReopen() throws {
        var a = factory("dev-a"), p = factory("partner-x")
        let closed = try p.make(record: probe, author: author, body: .changes([.advance(field: "phase", epoch: 0, state: "done")]), physicalMillis: 1_000)
        let staleAccept = try a.make(record: probe, author: author, body: .changes([.advance(field: "phase", epoch: 0, state: "open")]), physicalMillis: 9_000)
        for order in [[closed, staleAccept], [staleAccept, closed]] {
            let s = try state(order)
            #expect(s.records[probe]?.fields["phase"] == .status(StatusState(epoch: 0, rank: 3)), "a later timestamp does not undo 'done'")
        }
        let reopen = try a.make(record: probe, author: author, body: .changes([.reopen(field: "phase", epoch: 1)]), physicalMillis: 9_500)
        let concurrentClose = try p.make(record: probe, author: author, body: .changes([.advance(field: "phase", epoch: 0, state: "done")]), physicalMillis: 9_600)
        for order in [[closed, staleAccept, reopen, concurrentClose], [closed, concurrentClose, staleAccept, reopen]] {
            let s = try state(order)
            #expect(s.records[probe]?.fields["phase"] == .status(StatusState(epoch: 1, rank: 1)), "the explicit reopen wins over the old epoch")
        }
    }

    @Test func concurrentIncrementsAreAllCounted() throws {
        var replicas = (0..<3).map { factory("dev-\($0)") }
        let key = try ChatMomentKey(store: "store-7", lane: 3, day: "2026-11-22")
        var ops: [LogOperation] = []
        for round in 0..<10 {
            for i in replicas.indices {
                ops.append(try replicas[i].make(record: key.ref, author: author, body: .changes(key.increment(by: UInt64(i + 1))), physicalMillis: UInt64(1_000 + round)))
            }
        }
        var ordered = ReplicaState()
        for op in ops { try ordered.apply(op) }
        if case let .counter(c)? = ordered.records[key.ref]?.fields["count"] {
            #expect(c.total == 10 * (1 + 2 + 3))
        } else {
            Issue.record("count missing")
        }
    }

    @Test func counterSaturatesInsteadOfOverflowing() throws {
        var a = factory("dev-a")
        var s = RecordState(ref: probe)
        for i in 0..<3 {
            var op = try a.make(record: probe, author: author, body: .changes([.increment(field: "hits", amount: FieldChange.maxIncrement)]), physicalMillis: UInt64(1000 + i))
            s.apply(op)
            op = try a.make(record: probe, author: author, body: .changes([.increment(field: "hits", amount: 1)]), physicalMillis: UInt64(2000 + i))
            s.apply(op)
        }
        if case let .counter(c)? = s.fields["hits"] { #expect(c.total == 3 * (FieldChange.maxIncrement + 1)) } else { Issue.record("hits missing") }
    }

    @Test func addWinsOverAConcurrentRemove() throws {
        var a = factory("dev-a"), b = factory("dev-b")
        let add1 = try a.make(record: probe, author: author, body: .changes([.add(field: "tags", element: "x")]), physicalMillis: 1_000)
        let s1 = try state([add1])
        guard case let .set(set)? = s1.records[probe]?.fields["tags"] else { Issue.record("tags missing"); return }
        // b saw add1 and removes x; a concurrently adds x again.
        b.observe(add1.timestamp)
        let remove = try b.make(record: probe, author: author, body: .changes([.remove(field: "tags", element: "x", observed: set.liveTags(of: "x"))]), physicalMillis: 2_000)
        let add2 = try a.make(record: probe, author: author, body: .changes([.add(field: "tags", element: "x")]), physicalMillis: 1_500)
        for order in [[add1, remove, add2], [add1, add2, remove]] {
            guard case let .set(result)? = try state(order).records[probe]?.fields["tags"] else { Issue.record("tags missing"); return }
            #expect(result.elements == ["x"], "the unobserved add survives")
        }
        // Without the concurrent add, the remove removes.
        guard case let .set(removed)? = try state([add1, remove]).records[probe]?.fields["tags"] else { Issue.record("tags missing"); return }
        #expect(removed.elements.isEmpty)
    }

    /// R-MODEL-9: an erase absorbs earlier, concurrent and later operations.
    @Test func eraseBeatsConcurrentAndLaterChanges() throws {
        var a = factory("dev-a"), b = factory("dev-b")
        let create = try a.make(record: probe, author: author, body: .changes([.set(field: "text", value: .string("persoonlijk"), supersedes: [])]), physicalMillis: 1_000)
        let erase = try a.make(record: probe, author: author, body: .erase, physicalMillis: 2_000)
        let concurrentEdit = try b.make(record: probe, author: author, body: .changes([.set(field: "text", value: .string("later"), supersedes: [])]), physicalMillis: 99_000)
        var digests = Set<SHA256Digest>()
        for order in [[create, erase, concurrentEdit], [concurrentEdit, create, erase], [create, concurrentEdit, erase]] {
            let s = try state(order)
            #expect(s.records[probe]?.erased == true)
            #expect(s.records[probe]?.fields.isEmpty == true, "no field survives an erase")
            digests.insert(s.digest)
        }
        #expect(digests.count == 1)
        let bytes = try state([create, concurrentEdit, erase]).records[probe]!.canonicalBytes()
        #expect(!bytes.containsSubsequence(Array("persoonlijk".utf8)), "the erased text is gone from the state")
    }

    /// R-MODEL-1: strings compare by UTF-8 bytes, no normalization.
    @Test func stringsCompareByBytesNotByUnicodeEquivalence() throws {
        var a = factory("dev-a")
        let composed = try a.make(record: probe, author: author, body: .changes([.add(field: "tags", element: "caf\u{E9}")]), physicalMillis: 1)
        let decomposed = try a.make(record: probe, author: author, body: .changes([.add(field: "tags", element: "cafe\u{301}")]), physicalMillis: 2)
        guard case let .set(set)? = try state([composed, decomposed]).records[probe]?.fields["tags"] else { Issue.record("tags missing"); return }
        #expect(set.elements.count == 2, "two byte strings are two elements, though Swift's == calls them equal")
        #expect(FieldValue.string("caf\u{E9}") != FieldValue.string("cafe\u{301}"))
    }

    @Test func allNaNsAreOneValueAndNegativeZeroIsItsOwn() {
        #expect(FieldValue.double(.nan) == FieldValue.double(Double(bitPattern: 0x7FF0_0000_0000_0001)))
        #expect(FieldValue.double(0.0) != FieldValue.double(-0.0))
        var w1 = CanonicalWriter(), w2 = CanonicalWriter()
        w1.value(.double(-.nan)); w2.value(.double(.nan))
        #expect(w1.bytes == w2.bytes)
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { self[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
