import Foundation
import OmzienModel
import OmzienStore
import Testing
@testable import OmzienServer

/// The push decision (SYNC.md R-SYNC-13) without a database: state in, decision out.
@Suite struct PushPlanTests {
    static let replica = ReplicaID(trusted: "store-a-d1")
    static let now: UInt64 = 1_764_756_000_000
    static let limit = now + 60_000

    /// A chain of operations of one device, stamped with the given wall clocks.
    static func chain(_ walls: [UInt64]) throws -> [LogOperation] {
        var factory = OperationFactory(replica: replica)
        let ref = RecordRef(kind: .signal, id: try RecordID("sig-1"))
        let draft = SignalDraft(store: "store-a", observedAt: Int64(now), reporter: "kassa-1", indicators: ["withdrawn"],
                                note: "", consent: "given", contact: "0612345678")
        return try walls.map { wall in
            try factory.make(record: ref, author: AuthorID(trusted: "kassa-1"), body: .changes(try draft.changes()), physicalMillis: wall)
        }
    }

    static func state(held: UInt64 = 0, lastHash: SHA256Digest = .zero, parked: [UInt64: PushPlan.Parked] = [:],
                      maxParked: Int = 1000) -> PushPlan.State {
        var s = PushPlan.State(heldBefore: held, lastHash: lastHash, parked: parked, clockLimit: limit)
        s.maxParkedOperations = maxParked
        return s
    }

    static func noParked() throws -> [LogOperation] {
        Issue.record("parked operations were decoded although none was due")
        return []
    }

    @Test func operationsWithinTheDriftAreAllApplied() throws {
        let ops = try Self.chain([Self.now, Self.now + 1, Self.now + 2])
        let plan = try PushPlan(ops, replica: Self.replica, state: Self.state(), parkedOperations: Self.noParked)
        #expect(plan.apply.map(\.id) == ops.map(\.id))
        #expect(plan.park.isEmpty && plan.blocked.isEmpty && plan.refusedForSpace == 0 && plan.parkedCount == 0)
    }

    @Test func theFirstOperationTooFarAheadAndEveryOneAfterItAreQuarantined() throws {
        let ops = try Self.chain([Self.now, Self.limit + 1, Self.now + 5])
        let plan = try PushPlan(ops, replica: Self.replica, state: Self.state(), parkedOperations: Self.noParked)
        #expect(plan.apply.map(\.id) == [ops[0].id])
        #expect(plan.park.map(\.id) == [ops[1].id, ops[2].id], "the one after follows it into quarantine, in order")
        #expect(plan.blocked.map(\.id) == [ops[1].id, ops[2].id])
        #expect(plan.parkedCount == 2)
    }

    @Test func aFullQuarantineRefusesTheRestWhichStayOnTheDevice() throws {
        let ops = try Self.chain([Self.limit + 1, Self.limit + 2, Self.limit + 3])
        let plan = try PushPlan(ops, replica: Self.replica, state: Self.state(maxParked: 1), parkedOperations: Self.noParked)
        #expect(plan.apply.isEmpty)
        #expect(plan.park.map(\.id) == [ops[0].id])
        #expect(plan.refusedForSpace == 2)
    }

    @Test func parkedOperationsAreDecodedOnlyWhenTheFirstIsDue() throws {
        let ops = try Self.chain([Self.now, Self.now + 1, Self.now + 2])
        let parked = [UInt64(1): PushPlan.Parked(hash: ops[0].hash, wallMillis: Self.now, bytes: 10)]
        // Due: decoded and applied before the new ones.
        var decoded = 0
        let due = try PushPlan(Array(ops[1...]), replica: Self.replica, state: Self.state(parked: parked)) {
            decoded += 1
            return [ops[0]]
        }
        #expect(decoded == 1 && due.loadedParked)
        #expect(due.apply.map(\.id) == ops.map(\.id))
        // Not due: never decoded, the new ones wait behind it.
        let later = [UInt64(1): PushPlan.Parked(hash: ops[0].hash, wallMillis: Self.limit + 1, bytes: 10)]
        let waiting = try PushPlan(Array(ops[1...]), replica: Self.replica, state: Self.state(parked: later), parkedOperations: Self.noParked)
        #expect(!waiting.loadedParked && waiting.apply.isEmpty)
        #expect(waiting.park.map(\.id) == [ops[1].id, ops[2].id])
        #expect(waiting.parkedCount == 3)
    }

    @Test func aGapABrokenLinkAndAForkAreRefusedNamingTheOperation() throws {
        let ops = try Self.chain([Self.now, Self.now + 1, Self.now + 2])
        #expect(throws: ModelError.sequenceGap(replica: Self.replica, expected: 1, got: 2)) {
            _ = try PushPlan([ops[1], ops[2]], replica: Self.replica, state: Self.state(), parkedOperations: Self.noParked)
        }
        #expect(throws: ModelError.self) {
            _ = try PushPlan([ops[1]], replica: Self.replica, state: Self.state(held: 1, lastHash: .zero), parkedOperations: Self.noParked)
        }
        let other = try Self.chain([Self.now + 9])
        #expect(throws: StoreError.forkedOperation(ops[0].id)) {
            _ = try PushPlan([ops[0], other[0]], replica: Self.replica, state: Self.state(), parkedOperations: Self.noParked)
        }
    }

    @Test func reSentOperationsGoToTheStoreUnchecked() throws {
        let ops = try Self.chain([Self.now, Self.now + 1])
        let plan = try PushPlan(ops, replica: Self.replica, state: Self.state(held: 2, lastHash: ops[1].hash), parkedOperations: Self.noParked)
        #expect(plan.apply.map(\.id) == ops.map(\.id), "the store answers them as duplicates or forks")
    }
}
