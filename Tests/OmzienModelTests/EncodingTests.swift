import Foundation
import OmzienModel
import OmzienTestSupport
import Testing

/// The canonical encodings round-trip, and bad bytes always throw (never trap).
struct EncodingTests {
    func sampleHistory() throws -> [LogOperation] {
        var sim = MergeSimulation(seed: 7, replicaCount: 3, recordCount: 4)
        try sim.run(steps: 80)
        return sim.allOperations
    }

    @Test func payloadsAndStatesRoundTrip() throws {
        var s = ReplicaState()
        for op in try sampleHistory() {
            if op.body != .redacted {
                #expect(try OperationBody.decode(op.body.canonicalBytes()) == op.body)
            }
            try s.apply(op)
        }
        for record in s.records.values {
            let decoded = try RecordState(ref: record.ref, canonicalBytes: record.canonicalBytes())
            #expect(decoded.canonicalBytes() == record.canonicalBytes())
        }
    }

    @Test func operationsRoundTripThroughJSON() throws {
        let ops = try sampleHistory()
        let data = try JSONEncoder().encode(ops)
        let decoded = try JSONDecoder().decode([LogOperation].self, from: data)
        #expect(decoded.map(\.hash) == ops.map(\.hash))
    }

    /// R-MODEL-10: a receiver recomputes both hashes and rejects a mismatch.
    @Test func aTamperedJSONOperationIsRejected() throws {
        let op = try #require(try sampleHistory().first { if case .changes = $0.body { true } else { false } })
        var json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(op)) as? [String: Any])
        json["author"] = "kassa-99"
        let data = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: ModelError.hashMismatch(op.id)) { try JSONDecoder().decode(LogOperation.self, from: data) }
    }

    @Test func everyTruncationAndEveryFlippedByteThrowsOrDecodes() throws {
        var s = ReplicaState()
        let ops = try sampleHistory()
        for op in ops { try s.apply(op) }
        let state = try #require(s.records.values.max { $0.canonicalBytes().count < $1.canonicalBytes().count })
        let bytes = state.canonicalBytes()
        for cut in 0..<bytes.count {
            #expect(throws: ModelError.self) { try RecordState(ref: state.ref, canonicalBytes: Array(bytes[..<cut])) }
        }
        #expect(throws: ModelError.self) { try RecordState(ref: state.ref, canonicalBytes: bytes + [0]) }
        var g = SplitMix64(seed: 11)
        for _ in 0..<2000 {
            var mutated = bytes
            mutated[Int.random(in: 0..<mutated.count, using: &g)] ^= UInt8.random(in: 1...255, using: &g)
            _ = try? RecordState(ref: state.ref, canonicalBytes: mutated)  // must not trap
        }
        for op in ops.prefix(50) where op.body != .redacted {
            let payload = op.body.canonicalBytes()
            for cut in 0..<payload.count {
                #expect(throws: ModelError.self) { try OperationBody.decode(Array(payload[..<cut])) }
            }
        }
    }

    @Test func aTruncationIsReportedAsMissingBytesNotAsBadBytes() throws {
        let body = OperationBody.changes([.set(field: "note", value: .string("hallo"), supersedes: [])])
        let bytes = body.canonicalBytes()
        #expect {
            try OperationBody.decode(Array(bytes.dropLast(2)))
        } throws: { error in
            if case .truncatedEncoding = error as? ModelError { return true }
            return false
        }
        var unknownVersion = bytes
        unknownVersion[0] = 9
        #expect(throws: ModelError.unsupportedEncodingVersion(what: "operation payload", version: 9)) { try OperationBody.decode(unknownVersion) }
    }

    /// R-MODEL-5: the HLC packs wall << 16 | counter and strictly increases.
    @Test func hybridClockNeverGoesBackwards() {
        var clock = HybridClock()
        var last = HLCTimestamp.zero
        let physical: [UInt64] = [1_000, 1_000, 999, 500, 2_000, 2_000, 1_999, 86_400_000, 1]
        for p in physical {
            let t = clock.tick(physicalMillis: p)
            #expect(t > last)
            last = t
        }
        clock.observe(HLCTimestamp(wallMillis: 10_000_000_000, counter: 7), physicalMillis: 10_000_000_000)
        #expect(clock.tick(physicalMillis: 5) == HLCTimestamp(wallMillis: 10_000_000_000, counter: 8))
        var full = HybridClock(last: HLCTimestamp(wallMillis: 42, counter: .max))
        #expect(full.tick(physicalMillis: 0) == HLCTimestamp(wallMillis: 43, counter: 0), "a full counter carries into the wall clock")
    }

    /// R-MODEL-14: a remote timestamp moves the clock at most the drift bound beyond the
    /// replica's own physical clock; within the bound it is taken as it is.
    @Test func aRemoteClockAheadMovesTheLocalClockOnlyUpToTheDriftBound() {
        let now: UInt64 = 1_764_633_600_000, day: UInt64 = 86_400_000
        var clock = HybridClock()
        clock.observe(HLCTimestamp(wallMillis: now + day, counter: 3), physicalMillis: now, maxAheadMillis: 60_000)
        #expect(clock.last == HLCTimestamp(wallMillis: now + 60_000, counter: .max))
        #expect(clock.tick(physicalMillis: now + 1) > HLCTimestamp(wallMillis: now + 60_000, counter: .max), "still monotonic")
        var near = HybridClock()
        near.observe(HLCTimestamp(wallMillis: now + 30_000, counter: 2), physicalMillis: now, maxAheadMillis: 60_000)
        #expect(near.last == HLCTimestamp(wallMillis: now + 30_000, counter: 2), "within the bound: the remote time itself")
        var end = HybridClock()
        end.observe(HLCTimestamp(packed: HLCTimestamp.maxPacked), physicalMillis: UInt64.max, maxAheadMillis: UInt64.max)
        #expect(end.last.packed < HLCTimestamp.maxPacked, "room left for local ticks")
        _ = end.tick(physicalMillis: UInt64.max)
    }
}

/// The fast JSON reader accepts and rejects what the Codable one does.
struct FastJSONTests {
    @Test func fastAndCodableReadersAgree() throws {
        var sim = MergeSimulation(seed: 77, replicaCount: 3, recordCount: 4)
        try sim.run(steps: 120)
        let ops = sim.allOperations + [sim.allOperations[0].redacted()]
        let data = try JSONEncoder().encode(ops)
        let list = try #require(try JSONDocument(Array(data)).root.elements)
        let fast = try list.map(LogOperation.init(json:))
        #expect(fast == (try JSONDecoder().decode([LogOperation].self, from: data)))
        #expect(fast.map(\.hash) == ops.map(\.hash))
    }

    @Test func fastReaderRejectsWhatCodableRejects() throws {
        var f = OperationFactory(replica: ReplicaID(trusted: "dev-a"))
        let op = try f.make(record: RecordRef(kind: .feedback, id: RecordID(trusted: "f1")), author: AuthorID(trusted: "kassa-1"),
                            body: .changes([.set(field: "nps", value: .int(7), supersedes: [])]), physicalMillis: 1_763_800_000_000)
        let good = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(op)) as? [String: Any])
        var changes = ((good["body"] as! [String: Any])["changes"] as! [[String: Any]])
        func with(_ change: [String: Any]) -> [String: Any] {
            var o = good
            o["body"] = ["changes": [change]]
            return o
        }
        var numberValue = changes[0]; numberValue["value"] = 7
        var boolAmount = changes[0]; boolAmount["op"] = "increment"; boolAmount["amount"] = true
        var fractionAmount = changes[0]; fractionAmount["op"] = "increment"; fractionAmount["amount"] = 7.5
        var negativeAmount = changes[0]; negativeAmount["op"] = "increment"; negativeAmount["amount"] = -1
        var tampered = good; tampered["author"] = "kassa-2"
        var badID = good; badID["id"] = "dev-a#0"
        changes[0]["value"] = ["int": "x7"]
        for bad in [with(numberValue), with(boolAmount), with(fractionAmount), with(negativeAmount), tampered, badID, with(changes[0]), ["id": "dev-a#1"]] as [[String: Any]] {
            let data = try JSONSerialization.data(withJSONObject: bad)
            #expect(throws: (any Error).self) { try LogOperation(json: JSONDocument(Array(data)).root) }
            #expect(throws: (any Error).self) { try JSONDecoder().decode(LogOperation.self, from: data) }
        }
    }
}
