import Foundation
import OmzienModel
import OmzienProtocol
import OmzienTestSupport

/// A hostile device (issues 10 and 15): an enrolled device that sends what no honest client
/// would: extreme integers, huge values, future and past clocks, gaps, forks, broken chains,
/// foreign stores and replicas, duplicate members, fractions where integers go. A third of its
/// pushes are nearly honest, so that its log grows and the applied paths are attacked too.
/// The one generator of both the simulation's hostile actor and HostileDeviceTests (a live
/// server over loopback).
public struct HostilePeer: Sendable {
    public let replica: ReplicaID
    public let store: String
    public let token: String
    /// A store that exists but is not this device's (foreign store fields and ids).
    public let otherStore: String
    /// The end of the chain the server holds of this device.
    public private(set) var chain = (seq: UInt64(0), hash: SHA256Digest.zero)
    /// Records the server took from this device.
    public private(set) var own: [RecordRef] = []

    public init(replica: ReplicaID, store: String, token: String, otherStore: String) {
        self.replica = replica
        self.store = store
        self.token = token
        self.otherStore = otherStore
    }

    static func pick<T>(_ options: [T], _ rng: inout SplitMix64) -> T { options[Int.random(in: 0..<options.count, using: &rng)] }

    /// One push body: the JSON text and the operations it carries. `foreignReplica`: another
    /// device's replica id to claim now and then; `foreign`: a record of another store.
    public mutating func push(_ rng: inout SplitMix64, now: UInt64, foreignReplica: String?, foreign: RecordRef?) -> (text: String, ops: [LogOperation]) {
        var ops: [LogOperation] = []
        var seq = chain.seq, prev = chain.hash
        let nearlyHonest = Int.random(in: 0..<3, using: &rng) == 0
        if nearlyHonest { ops.append(nearlyHonestOperation(&rng, nextSeq: chain.seq + 1, prev: chain.hash, now: now)) }
        for _ in 0..<(nearlyHonest ? 0 : Int.random(in: 1...4, using: &rng)) {
            let op = operation(&rng, nextSeq: seq == .max ? .max : seq + 1, prev: prev, now: now, foreign: foreign)
            ops.append(op)
            seq = op.id.sequence
            prev = op.hash
        }
        let r = foreignReplica != nil && Int.random(in: 0..<10, using: &rng) == 0 ? foreignReplica! : replica.rawValue
        var text = String(decoding: (try? JSONEncoder().encode(PushRequest(replica: r, operations: ops))) ?? Data(), as: UTF8.self)
        if !nearlyHonest { text = Self.mutate(text, &rng) }
        return (text, ops)
    }

    /// Learns what the server took from its answer.
    public mutating func accepted(_ ops: [LogOperation], held: UInt64) {
        guard held > chain.seq else { return }
        let taken = ops.filter { $0.id.sequence <= held && $0.id.sequence > chain.seq }
        if let last = taken.last { chain = (last.id.sequence, last.hash) }
        own.append(contentsOf: taken.map(\.record))
    }

    func operation(_ rng: inout SplitMix64, nextSeq: UInt64, prev: SHA256Digest, now: UInt64, foreign: RecordRef?) -> LogOperation {

        let seq = Self.pick([nextSeq, nextSeq, nextSeq, nextSeq == .max ? 1 : nextSeq + 1, 1, UInt64(Int64.max), UInt64(1) << 63, UInt64.max,
                        UInt64.random(in: 1...UInt64.max, using: &rng)], &rng)
        let hlc = Self.pick([HLCTimestamp(wallMillis: now, counter: 0).packed, HLCTimestamp(wallMillis: now + 3_600_000, counter: 0).packed,
                        HLCTimestamp(wallMillis: now + 86_400_000, counter: 9).packed, 0, HLCTimestamp.maxPacked, UInt64.max,
                        HLCTimestamp(wallMillis: now - 31_536_000_000, counter: 0).packed, UInt64.random(in: 0...UInt64.max, using: &rng)], &rng)
        let previous = Self.pick([prev, prev, prev, .zero, SHA256.hash([UInt8.random(in: 0...255, using: &rng)])], &rng)
        let storeField = Self.pick([store, store, otherStore, "store-zz"], &rng)
        // Hostile chat moments use their own day, so that the honest counts stay checkable.
        let chat = try! ChatMomentKey(store: store, lane: Int64.random(in: 1...99, using: &rng), day: "2026-12-02")
        let signal = RecordRef(kind: .signal, id: RecordID.random(using: &rng))
        let record = Self.pick([signal, chat.ref, foreign ?? signal, own.isEmpty ? chat.ref : Self.pick(own, &rng),
                           RecordRef(kind: .chatMoment, id: RecordID(trusted: "\(store)/../\(otherStore)/1/2026-12-02")),
                           RecordRef(kind: .feedback, id: RecordID.random(using: &rng))], &rng)
        let huge = String(repeating: Self.pick(["x", "é", "😀", "\u{202E}"], &rng), count: Self.pick([0, 1, 2000, 2001, 8000], &rng))
        let changes: [[FieldChange]] = [
            (try? SignalDraft(store: storeField, observedAt: Int64(now), reporter: "kassa-1", indicators: ["withdrawn"], note: "n").changes()) ?? [],
            [.set(field: "note", value: .string(huge), supersedes: [])],
            [.set(field: "bogus", value: .int(1), supersedes: [])],
            [.set(field: "nps", value: .int(Self.pick([11, -1, Int64.max, Int64.min, 7], &rng)), supersedes: [])],
            [.set(field: "urgency", value: .string("soon"), supersedes: []), .set(field: "urgency", value: .string("urgent"), supersedes: [])],
            [.set(field: "contact", value: .string("06-12345678"), supersedes: [])],
            chat.increment(by: Self.pick([1, 0, 1_000_001, UInt64.max], &rng)),
            [.advance(field: "status", epoch: Self.pick([0, 1, UInt32.max], &rng), state: Self.pick(["submitted", "closed", "bogus"], &rng))],
            [.reopen(field: "status", epoch: Self.pick([0, 1, UInt32.max], &rng))],
            [.set(field: "note", value: .string("x"), supersedes: [OperationID(replica: ReplicaID(trusted: "someone"), sequence: UInt64.max)])],
            [],
        ]
        let body: OperationBody = Int.random(in: 0..<12, using: &rng) == 0 ? .erase : .changes(Self.pick(changes, &rng))
        if case let .changes(c) = body, c.isEmpty {
            return LogOperation(unchecked: OperationID(replica: replica, sequence: seq), timestamp: HLCTimestamp(packed: hlc),
                                author: AuthorID(trusted: "kassa-1"), record: record, body: body, previousHash: previous,
                                payloadHash: SHA256.hash([]), hash: SHA256.hash([1]))
        }
        return LogOperation(id: OperationID(replica: replica, sequence: seq), timestamp: HLCTimestamp(packed: hlc),
                            author: AuthorID(trusted: "kassa-1"), record: record, body: body, previousHash: previous)
    }

    func nearlyHonestOperation(_ rng: inout SplitMix64, nextSeq: UInt64, prev: SHA256Digest, now: UInt64) -> LogOperation {

        let chat = try! ChatMomentKey(store: store, lane: Int64.random(in: 1...99, using: &rng), day: "2026-12-02")
        let note = String(repeating: Self.pick(["x", "é", "😀", "\u{202E}", "\u{0}"], &rng), count: Self.pick([0, 1, 2000, 2001], &rng))
        let signal = RecordRef(kind: .signal, id: RecordID.random(using: &rng))
        let choices: [(RecordRef, [FieldChange])] = [
            (signal, (try? SignalDraft(store: store, observedAt: Int64(now), reporter: "kassa-1", indicators: ["withdrawn"], note: note).changes()) ?? []),
            (chat.ref, chat.increment(by: Self.pick([1, 1_000_000, 1_000_001], &rng))),
            (own.isEmpty ? signal : Self.pick(own, &rng), [.set(field: "note", value: .string(note), supersedes: [])]),
            (own.isEmpty ? signal : Self.pick(own, &rng), [.advance(field: "status", epoch: 0, state: Self.pick(["submitted", "closed"], &rng))]),
        ]
        let (record, changes) = Self.pick(choices, &rng)
        let erase = !own.isEmpty && Int.random(in: 0..<8, using: &rng) == 0
        return LogOperation(id: OperationID(replica: replica, sequence: nextSeq), timestamp: HLCTimestamp(wallMillis: now, counter: 0),
                            author: AuthorID(trusted: "kassa-1"), record: erase ? Self.pick(own, &rng) : record,
                            body: erase ? .erase : .changes(changes), previousHash: prev)
    }

    /// Damage to the JSON text that the types cannot express.
    public static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        switch Int.random(in: 0..<14, using: &rng) {
        case 0: return text.replacingOccurrences(of: "\"protocolVersion\":1", with: "\"protocolVersion\":1,\"protocolVersion\":2")
        case 1: return text.replacingOccurrences(of: "\"protocolVersion\":1", with: "\"protocolVersion\":1.0")
        case 2: return text.replacingOccurrences(of: "#", with: "#0")
        case 3: return text.replacingOccurrences(of: "\"hlc\":\"", with: "\"hlc\":\"99999999999999999999")
        case 4: return String(text.dropLast(Int.random(in: 1...max(1, text.count / 2), using: &rng)))
        case 5: return text.replacingOccurrences(of: "\"body\":{", with: "\"body\":{\"erase\":true,")
        case 6: return text.replacingOccurrences(of: "\"operations\":[", with: "\"operations\":[null,")
        case 7: return text.replacingOccurrences(of: "\"hlc\":\"", with: "\"hlc\":\"-")
        case 8: return text.replacingOccurrences(of: "\"replica\":\"", with: "\"replica\":\"\(String(repeating: "z", count: 300))")
        default: return text
        }
    }
}
