import OmzienModel
import OmzienProtocol
import OmzienStore

/// What one push does with its operations (SYNC.md R-SYNC-13): a pure decision, state in and
/// decision out, with no database (the caller reads the state inside its write job and
/// carries the decision out there).
///
/// Re-sent operations (sequence ≤ `heldBefore`) go to the store, which answers them as
/// duplicates or forks. New ones are checked here for gaps, forks and their hash links,
/// whether they will be applied or parked; in sequence order they are **applied** until the
/// first whose clock is beyond `clockLimit`, and that one and every one after it are
/// **quarantined** (parked, or already parked), within the quarantine's bounds; the ones that
/// do not fit are **refused for space** (they stay on the device, which sends them again).
///
/// Invariant used: parked sequences are contiguous from `heldBefore + 1` and new operations
/// follow them, so walking up from there visits each sequence of either once; a missing
/// one is a gap.
struct PushPlan {
    /// What the plan reads: how far the store holds the device's log, the quarantine of that
    /// device, and the bounds.
    struct State {
        var heldBefore: UInt64
        /// The hash of the device's last operation the store holds.
        var lastHash: SHA256Digest
        /// The device's parked operations by sequence, all above `heldBefore`.
        var parked: [UInt64: Parked]
        /// The latest clock (wall ms) an operation may carry to be applied now.
        var clockLimit: UInt64
        var maxParkedOperations = Limits.maxQuarantinedOperations
        var maxParkedBytes = Limits.maxQuarantinedBytes
    }

    /// One parked operation, as much of it as the decision needs (no payload).
    struct Parked {
        let hash: SHA256Digest
        let wallMillis: UInt64
        let bytes: Int
    }

    /// Operations to apply now, in order (re-sent ones first, as they came).
    var apply: [LogOperation] = []
    /// New operations to park.
    var park: [LogOperation] = []
    /// Every operation of the push that is (now or already) parked, in order.
    var blocked: [(id: OperationID, wallMillis: UInt64)] = []
    /// Parked operations were decoded and are among `apply` (they are valid: checked before parking).
    var loadedParked = false
    /// Operations not parked because the quarantine is full (they stay on the device).
    var refusedForSpace = 0
    /// How many operations of the device are parked once the plan is carried out.
    var parkedCount = 0

    /// Whether the first parked operation is due now, so that the parked operations must be
    /// decoded and applied with the push.
    static func parkedAreDue(_ state: State) -> Bool {
        state.parked[state.heldBefore + 1].map { $0.wallMillis <= state.clockLimit } ?? false
    }

    /// Decides the push of `ops` by `replica`. `parkedOperations` is asked for the decoded
    /// parked operations only when ``parkedAreDue(_:)``.
    /// - Throws: `StoreError.forkedOperation`, `ModelError.brokenHashLink` or
    ///   `ModelError.sequenceGap`, naming the operation.
    init(_ ops: [LogOperation], replica: ReplicaID, state: State, parkedOperations: () throws -> [LogOperation]) throws {
        let heldBefore = state.heldBefore, parked = state.parked, limit = state.clockLimit
        var bySequence: [UInt64: LogOperation] = [:]
        for op in ops {
            if op.id.sequence <= heldBefore { apply.append(op); continue }
            if let other = bySequence[op.id.sequence], other.hash != op.hash { throw StoreError.forkedOperation(op.id) }
            if let p = parked[op.id.sequence], p.hash != op.hash { throw StoreError.forkedOperation(op.id) }
            bySequence[op.id.sequence] = op
        }
        if Self.parkedAreDue(state) {
            for op in try parkedOperations() where op.id.sequence > heldBefore && bySequence[op.id.sequence] == nil {
                bySequence[op.id.sequence] = op
            }
            loadedParked = true
        }
        var count = parked.count
        var bytes = parked.values.reduce(0) { $0 + $1.bytes }
        var isBlocked = false
        var previous = state.lastHash
        let total = Set(bySequence.keys).union(parked.keys).count
        var seq = heldBefore + 1
        for _ in 0..<total {
            if let op = bySequence[seq] {
                guard op.previousHash == previous else { throw ModelError.brokenHashLink(op.id, expected: previous, got: op.previousHash) }
                if !isBlocked && op.timestamp.wallMillis <= limit {
                    apply.append(op)
                } else {
                    isBlocked = true
                    if parked[seq] == nil {
                        let size = op.jsonText.utf8.count
                        guard count < state.maxParkedOperations, bytes + size <= state.maxParkedBytes else {
                            refusedForSpace = bySequence.keys.filter { $0 >= seq }.count  // they stay on the device
                            break
                        }
                        count += 1
                        bytes += size
                        park.append(op)
                    }
                    blocked.append((op.id, op.timestamp.wallMillis))
                }
                previous = op.hash
            } else if let p = parked[seq] {
                isBlocked = true
                previous = p.hash
            } else {
                let next = bySequence.keys.filter { $0 > seq }.min() ?? seq
                throw ModelError.sequenceGap(replica: replica, expected: seq, got: next)
            }
            seq += 1
        }
        parkedCount = count
    }
}
