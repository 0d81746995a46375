/// A hybrid logical clock timestamp: wall-clock milliseconds since 1970 (48 bits) and a
/// logical counter (16 bits), packed as `wall << 16 | counter`. Ordering is numeric on
/// the packed value; ties between replicas break on replica id (see `MergeOrder`).
public struct HLCTimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The largest wall component a clock hands out (2^47 - 1 ms: the year 6429), so that
    /// every timestamp fits SQLite's signed 64-bit integer (R-MODEL-13).
    public static let maxWallMillis: UInt64 = (1 << 47) - 1
    /// The largest packed value an operation may carry (2^63 - 1, R-MODEL-13); decoders
    /// refuse larger ones.
    public static let maxPacked = UInt64(Int64.max)
    public let packed: UInt64

    public init(packed: UInt64) { self.packed = packed }

    public init(wallMillis: UInt64, counter: UInt16) {
        precondition(wallMillis <= Self.maxWallMillis, "wall clock beyond the year 6429")
        self.packed = wallMillis << 16 | UInt64(counter)
    }

    public var wallMillis: UInt64 { packed >> 16 }
    public var counter: UInt16 { UInt16(truncatingIfNeeded: packed) }

    public static let zero = HLCTimestamp(packed: 0)
    public static func < (a: HLCTimestamp, b: HLCTimestamp) -> Bool { a.packed < b.packed }
    public var description: String { "\(wallMillis).\(counter)" }

    public init(from decoder: any Decoder) throws { packed = try decoder.singleValueContainer().decode(UInt64.self) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(packed) }
}
