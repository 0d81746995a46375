/// The hybrid logical clock of one replica (Kulkarni et al., "Logical Physical Clocks").
///
/// Invariant: every timestamp handed out is strictly greater than every timestamp handed
/// out or observed before, whatever the physical clock does (it may jump back by a day).
/// When the counter would overflow, the wall component borrows one millisecond.
public struct HybridClock: Sendable {
    public private(set) var last: HLCTimestamp

    public init(last: HLCTimestamp = .zero) { self.last = last }

    /// A timestamp for a local event at physical time `physicalMillis`.
    public mutating func tick(physicalMillis: UInt64) -> HLCTimestamp {
        let physical = min(physicalMillis, HLCTimestamp.maxWallMillis)
        if physical > last.wallMillis {
            last = HLCTimestamp(wallMillis: physical, counter: 0)
        } else {
            last = Self.successor(of: last)
        }
        return last
    }

    /// Merges a timestamp received from another replica, so that later local timestamps
    /// order after it.
    public mutating func observe(_ remote: HLCTimestamp) {
        if remote > last { last = remote }
    }

    public static func successor(of t: HLCTimestamp) -> HLCTimestamp {
        precondition(t.packed < UInt64.max, "hybrid clock exhausted")
        return HLCTimestamp(packed: t.packed + 1)  // a counter overflow carries into the wall component
    }

    public static func physicalNowMillis() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
