/// A value handed to exactly one thread (or one concurrent iteration) at a time, by the
/// caller's own structure, not by a lock: a simulated device to the thread that drives it.
///
/// `@unchecked Sendable`: whoever holds an `Unshared` promises that only one thread uses
/// `value` at a time (the benchmarks' and tests' device loops give each device one thread).
public final class Unshared<T>: @unchecked Sendable {
    public var value: T
    public init(_ value: T) { self.value = value }
}
