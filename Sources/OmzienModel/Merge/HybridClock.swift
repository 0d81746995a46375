/// The hybrid logical clock of one replica (Kulkarni et al., "Logical Physical Clocks").
///
/// Invariant: every timestamp handed out is strictly greater than every timestamp handed
/// out before and every timestamp observed before (as far as `observe` takes it: at most the
/// drift bound ahead of the physical clock), whatever the physical clock does (it may jump
/// back by a day).
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

    /// How far ahead of a replica's own physical clock a remote timestamp may move its clock
    /// (the epsilon of the HLC paper): the protocol's default drift bound, 5 minutes.
    public static let defaultMaxAheadMillis: UInt64 = 5 * 60 * 1000

    /// Merges a timestamp received from another replica, so that later local timestamps
    /// order after it: but never beyond `physicalMillis + maxAheadMillis` (R-MODEL-14). A
    /// remote clock that runs a day ahead does not drag this replica's clock a day ahead, so
    /// its own correctly clocked operations are not quarantined by the server in turn. The
    /// price: a later local write may order before a remote write stamped in the future;
    /// human-written fields still follow causality through `supersedes`.
    public mutating func observe(_ remote: HLCTimestamp, physicalMillis: UInt64, maxAheadMillis: UInt64 = defaultMaxAheadMillis) {
        let (sum, overflow) = physicalMillis.addingReportingOverflow(maxAheadMillis)
        let boundWall = overflow ? HLCTimestamp.maxWallMillis : min(sum, HLCTimestamp.maxWallMillis)
        let bound = min(HLCTimestamp(wallMillis: boundWall, counter: .max), Self.highestRestorable)
        let taken = min(remote, bound)
        if taken > last { last = taken }
    }

    /// A clock restored from storage: a value beyond what a clock can hand out (written by an
    /// older version, or a damaged file) is brought back to the largest valid timestamp, so
    /// that the next local write cannot trap.
    public init(restoring packed: UInt64) {
        last = HLCTimestamp(packed: min(packed, Self.highestRestorable.packed))
    }

    static let highestRestorable = HLCTimestamp(wallMillis: HLCTimestamp.maxWallMillis, counter: 0)

    public static func successor(of t: HLCTimestamp) -> HLCTimestamp {
        // Unreachable from input: observed and restored clocks stay at or below
        // (maxWallMillis, 0), which leaves 65,535 successors within maxPacked.
        precondition(t.packed < HLCTimestamp.maxPacked, "hybrid clock exhausted")
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
