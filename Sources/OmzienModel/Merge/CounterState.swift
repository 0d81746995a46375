/// The state of a grow-only counter: each replica's own sum of increments. The value is
/// the total. Sums saturate at `UInt64.max` (saturating addition of non-negative numbers
/// is still commutative and associative), so no order of delivery can overflow.
/// No increment is lost: operations are unique by id, and each adds to its replica's part.
public struct CounterState: Sendable, Hashable {
    public private(set) var parts: [ReplicaID: UInt64] = [:]

    public init() {}

    init(parts: [ReplicaID: UInt64]) { self.parts = parts }

    mutating func increment(replica: ReplicaID, by amount: UInt64) {
        parts[replica] = Self.saturatingAdd(parts[replica] ?? 0, amount)
    }

    public var total: UInt64 { parts.values.reduce(0, Self.saturatingAdd) }

    static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
