/// The state of a last-writer-wins register.
///
/// With `keepsConflicts` it is a multi-value register: `heads` holds every write that no
/// other write has superseded (named in its `supersedes`), winner first; the rest of the
/// heads are the visible conflicts. `superseded` is the grow-only union of every
/// `supersedes` list seen, so a write that arrives after the write that superseded it never
/// becomes a head: the state is the same in every delivery order.
/// Without `keepsConflicts` only the winner is kept and `superseded` stays empty.
///
/// Invariant: `heads` sorted by `MergeOrder`, winner first; no head's op is in `superseded`;
/// `superseded` sorted ascending without duplicates.
public struct RegisterState: Sendable, Hashable {
    public struct Head: Sendable, Hashable {
        public let op: OperationID
        public let timestamp: HLCTimestamp
        public let value: FieldValue
    }

    public private(set) var heads: [Head] = []
    public private(set) var superseded: [OperationID] = []

    public init() {}

    init(heads: [Head], superseded: [OperationID]) {
        self.heads = heads
        self.superseded = superseded
    }

    public var winner: Head? { heads.first }
    public var conflicts: ArraySlice<Head> { heads.dropFirst() }

    /// The op ids a writer that has seen this state must put in `supersedes`.
    public var headIDs: [OperationID] { heads.map(\.op).sorted() }

    mutating func apply(op: OperationID, timestamp: HLCTimestamp, value: FieldValue, supersedes: [OperationID], keepsConflicts: Bool) {
        let head = Head(op: op, timestamp: timestamp, value: value)
        guard keepsConflicts else {
            if let current = heads.first, !MergeOrder.wins((timestamp, op), over: (current.timestamp, current.op)) { return }
            heads = [head]
            return
        }
        if !supersedes.isEmpty {
            superseded = Self.union(superseded, supersedes)
            heads.removeAll { Self.contains(superseded, $0.op) }
        }
        guard !Self.contains(superseded, op), !heads.contains(where: { $0.op == op }) else { return }
        let at = heads.firstIndex { MergeOrder.wins((timestamp, op), over: ($0.timestamp, $0.op)) } ?? heads.endIndex
        heads.insert(head, at: at)
    }

    static func contains(_ sorted: [OperationID], _ id: OperationID) -> Bool {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] == id { return true }
            if sorted[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        return false
    }

    static func union(_ a: [OperationID], _ b: [OperationID]) -> [OperationID] {
        var out: [OperationID] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) { out.append(a[i]); i += 1 }
            else if i == a.count || b[j] < a[i] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        return out
    }
}
