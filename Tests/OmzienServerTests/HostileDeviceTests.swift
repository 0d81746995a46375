import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienTestSupport
import Testing

/// Issue 10: an enrolled device that sends what no honest client would, generated from the
/// wire format: extreme integers, huge and tiny values, future and past clocks, gaps,
/// forks, broken chains, foreign stores and replicas, duplicated members, fractions where
/// integers go. The server never dies, never answers a client mistake with 5xx, and its
/// database stays within a stated bound; an honest device of the same store still syncs to
/// the server's digest afterwards.
///
/// `OMZIEN_HOSTILE_PUSHES` (default 300) sets the number of pushes, `OMZIEN_HOSTILE_SEED` the
/// seed; `Tools/hostile-device.sh` runs 20,000.
struct HostileDeviceTests {
    static let pushes = Int(ProcessInfo.processInfo.environment["OMZIEN_HOSTILE_PUSHES"] ?? "") ?? 300
    static let seed = UInt64(ProcessInfo.processInfo.environment["OMZIEN_HOSTILE_SEED"] ?? "") ?? 20261202
    /// What the database may grow to under this attack (the quarantine bound is 4 MiB per
    /// device; everything else a hostile device can store is bounded by what it may push).
    static let databaseBound = 64 << 20

    @Test func aHostileDeviceNeverGetsA5xxNorKillsTheServer() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let hostile = try h.enroll("store-a", name: "hostile")
        let honest = try h.enroll("store-a", name: "honest")
        let other = try h.enroll("store-b", name: "other")
        let foreign = try other.recordSignal(note: "van winkel B")
        try other.sync()
        var rng = SplitMix64(seed: Self.seed)
        var chain = (seq: UInt64(0), hash: SHA256Digest.zero)
        var own: [RecordRef] = []
        var statuses: [Int: Int] = [:]
        var failures: [String] = []
        let now = HybridClock.physicalNowMillis()
        let url = h.baseURL.appendingPathComponent("v1/sync/push")
        let headers = ["Authorization": "Bearer \(hostile.client.token!)", "Content-Type": "application/json"]
        for i in 0..<Self.pushes {
            var ops: [LogOperation] = []
            var seq = chain.seq, prev = chain.hash
            // A third of the pushes are nearly honest (the right chain and clock, one odd
            // value), so that the hostile device's log grows and the applied paths are hit too.
            let nearlyHonest = Int.random(in: 0..<3, using: &rng) == 0
            if nearlyHonest { ops.append(Self.nearlyHonest(&rng, device: hostile, nextSeq: chain.seq + 1, prev: chain.hash, now: now, own: own)) }
            for _ in 0..<(nearlyHonest ? 0 : Int.random(in: 1...4, using: &rng)) {
                let op = Self.operation(&rng, device: hostile, nextSeq: seq == .max ? .max : seq + 1, prev: prev, now: now, own: own, foreign: foreign)
                ops.append(op)
                seq = op.id.sequence
                prev = op.hash
            }
            let replica = Int.random(in: 0..<10, using: &rng) == 0 ? other.store.replica.rawValue : hostile.store.replica.rawValue
            var text = String(decoding: try JSONEncoder().encode(PushRequest(replica: replica, operations: ops)), as: UTF8.self)
            if !nearlyHonest { text = Self.mutate(text, &rng) }
            let (status, body) = try URLSessionTransport(timeout: 30).send(method: "POST", url: url, headers: headers, body: Data(text.utf8))
            statuses[status, default: 0] += 1
            if status >= 500 { failures.append("push \(i) (seed \(Self.seed)): \(status) \(String(decoding: body, as: UTF8.self)) for \(text.prefix(300))") }
            if status == 200, let answer = try? JSONDecoder().decode(PushResponse.self, from: body), answer.held > chain.seq {
                let accepted = ops.filter { $0.id.sequence <= answer.held && $0.id.sequence > chain.seq }
                if let last = accepted.last { chain = (last.id.sequence, last.hash) }
                own.append(contentsOf: accepted.map(\.record))
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "\n"))")
        #expect(try hostile.client.call("GET", "v1/sync/status", as: StatusResponse.self).held == chain.seq, "the server is alive and agrees on held")
        let files = ["", "-wal"].map { h.dir.appendingPathComponent("server.sqlite").path + $0 }
        let size = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        #expect(size < Self.databaseBound, "database \(size) bytes")
        _ = try honest.recordSignal(note: "eerlijk")
        try honest.sync()
        #expect(try honest.store.stateDigest() == (try h.server.service.digest(store: "store-a")), "the honest device converges")
        print("hostile device: \(Self.pushes) pushes, seed \(Self.seed), statuses \(statuses.sorted { $0.key < $1.key }), held \(chain.seq), database \(size / 1024) KiB")
    }

    static func pick<T>(_ options: [T], _ rng: inout SplitMix64) -> T { options[Int.random(in: 0..<options.count, using: &rng)] }

    static func operation(_ rng: inout SplitMix64, device: DeviceSync, nextSeq: UInt64, prev: SHA256Digest, now: UInt64,
                          own: [RecordRef], foreign: RecordRef) -> LogOperation {
        let seq = pick([nextSeq, nextSeq, nextSeq, nextSeq == .max ? 1 : nextSeq + 1, 1, UInt64(Int64.max), UInt64(1) << 63, UInt64.max,
                        UInt64.random(in: 1...UInt64.max, using: &rng)], &rng)
        let hlc = pick([HLCTimestamp(wallMillis: now, counter: 0).packed, HLCTimestamp(wallMillis: now + 3_600_000, counter: 0).packed,
                        HLCTimestamp(wallMillis: now + 86_400_000, counter: 9).packed, 0, HLCTimestamp.maxPacked, UInt64.max,
                        HLCTimestamp(wallMillis: now - 31_536_000_000, counter: 0).packed, UInt64.random(in: 0...UInt64.max, using: &rng)], &rng)
        let previous = pick([prev, prev, prev, .zero, SHA256.hash([UInt8.random(in: 0...255, using: &rng)])], &rng)
        let store = pick([device.storeID, device.storeID, "store-b", "store-zz"], &rng)
        let chat = try! ChatMomentKey(store: "store-a", lane: Int64.random(in: 1...99, using: &rng), day: "2026-12-02")
        let record = pick([RecordRef(kind: .signal, id: RecordID.random(using: &rng)), chat.ref, foreign,
                           own.isEmpty ? chat.ref : pick(own, &rng),
                           RecordRef(kind: .chatMoment, id: RecordID(trusted: "store-a/../store-b/1/2026-12-02")),
                           RecordRef(kind: .feedback, id: RecordID.random(using: &rng))], &rng)
        let huge = String(repeating: pick(["x", "é", "😀", "\u{202E}"], &rng), count: pick([0, 1, 2000, 2001, 8000], &rng))
        let changes: [[FieldChange]] = [
            (try? SignalDraft(store: store, observedAt: Int64(now), reporter: "kassa-1", indicators: ["withdrawn"], note: "n").changes()) ?? [],
            [.set(field: "note", value: .string(huge), supersedes: [])],
            [.set(field: "bogus", value: .int(1), supersedes: [])],
            [.set(field: "nps", value: .int(pick([11, -1, Int64.max, Int64.min, 7], &rng)), supersedes: [])],
            [.set(field: "urgency", value: .string("soon"), supersedes: []), .set(field: "urgency", value: .string("urgent"), supersedes: [])],
            [.set(field: "contact", value: .string("06-12345678"), supersedes: [])],
            chat.increment(by: pick([1, 0, 1_000_001, UInt64.max], &rng)),
            [.advance(field: "status", epoch: pick([0, 1, UInt32.max], &rng), state: pick(["submitted", "closed", "bogus"], &rng))],
            [.reopen(field: "status", epoch: pick([0, 1, UInt32.max], &rng))],
            [.set(field: "note", value: .string("x"), supersedes: [OperationID(replica: ReplicaID(trusted: "someone"), sequence: UInt64.max)])],
            [],
        ]
        let body: OperationBody = Int.random(in: 0..<12, using: &rng) == 0 ? .erase : .changes(pick(changes, &rng))
        if case let .changes(c) = body, c.isEmpty {
            return LogOperation(unchecked: OperationID(replica: device.store.replica, sequence: seq), timestamp: HLCTimestamp(packed: hlc),
                                author: AuthorID(trusted: "kassa-1"), record: record, body: body, previousHash: previous,
                                payloadHash: SHA256.hash([]), hash: SHA256.hash([1]))
        }
        return LogOperation(id: OperationID(replica: device.store.replica, sequence: seq), timestamp: HLCTimestamp(packed: hlc),
                            author: AuthorID(trusted: "kassa-1"), record: record, body: body, previousHash: previous)
    }

    /// One operation in the device's chain, stamped now, for a record of its own store, with
    /// values at and past their limits.
    static func nearlyHonest(_ rng: inout SplitMix64, device: DeviceSync, nextSeq: UInt64, prev: SHA256Digest, now: UInt64, own: [RecordRef]) -> LogOperation {
        let chat = try! ChatMomentKey(store: device.storeID, lane: Int64.random(in: 1...99, using: &rng), day: "2026-12-02")
        let note = String(repeating: pick(["x", "é", "😀", "\u{202E}", "\u{0}"], &rng), count: pick([0, 1, 2000, 2001], &rng))
        let signal = RecordRef(kind: .signal, id: RecordID.random(using: &rng))
        let choices: [(RecordRef, [FieldChange])] = [
            (signal, (try? SignalDraft(store: device.storeID, observedAt: Int64(now), reporter: "kassa-1", indicators: ["withdrawn"], note: note).changes()) ?? []),
            (chat.ref, chat.increment(by: pick([1, 1_000_000, 1_000_001], &rng))),
            (own.isEmpty ? signal : pick(own, &rng), [.set(field: "note", value: .string(note), supersedes: [])]),
            (own.isEmpty ? signal : pick(own, &rng), [.advance(field: "status", epoch: 0, state: pick(["submitted", "closed"], &rng))]),
        ]
        let (record, changes) = pick(choices, &rng)
        let body: OperationBody = own.isEmpty || Int.random(in: 0..<8, using: &rng) != 0 ? .changes(changes) : .erase
        return LogOperation(id: OperationID(replica: device.store.replica, sequence: nextSeq), timestamp: HLCTimestamp(wallMillis: now, counter: 0),
                            author: AuthorID(trusted: "kassa-1"), record: body == .erase ? pick(own, &rng) : record, body: body, previousHash: prev)
    }

    /// Damage to the JSON text that the types cannot express.
    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        switch Int.random(in: 0..<14, using: &rng) {
        case 0: return text.replacingOccurrences(of: "\"protocolVersion\":1", with: "\"protocolVersion\":1,\"protocolVersion\":2")
        case 1: return text.replacingOccurrences(of: "\"protocolVersion\":1", with: "\"protocolVersion\":1.0")
        case 2: return text.replacingOccurrences(of: "#", with: "#0")
        case 3: return text.replacingOccurrences(of: "\"hlc\":\"", with: "\"hlc\":\"99999999999999999999")
        case 4: return String(text.dropLast(Int.random(in: 1...max(1, text.count / 2), using: &rng)))
        case 5: return text.replacingOccurrences(of: "\"body\":{", with: "\"body\":{\"erase\":true,")
        case 6: return text.replacingOccurrences(of: "\"operations\":[", with: "\"operations\":[null,")
        case 7: return text.replacingOccurrences(of: "\"hlc\":\"", with: "\"hlc\":\"-")
        default: return text
        }
    }
}
