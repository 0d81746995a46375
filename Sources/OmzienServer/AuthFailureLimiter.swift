import Foundation
import Synchronization

/// Rate limit on failed authentication per client address (R-OPS-4): a token bucket per
/// address that each failure (a 401: bad bearer token, unknown enrollment code) takes a token
/// from; it refills at `refillPerSecond` up to `burst`. While an address's bucket is empty its
/// enrollment attempts are answered 429 without looking at the code, and its bearer requests
/// that fail are 429 instead of 401, both with `Retry-After`. Valid tokens from the same
/// address (a store behind one NAT) keep working.
///
/// Memory is bounded: at most `maxAddresses` buckets; when full, buckets that have refilled
/// completely are dropped, and if none has, the oldest is.
public final class AuthFailureLimiter: Sendable {
    public let burst: Double
    public let refillPerSecond: Double
    public let maxAddresses: Int

    private struct Bucket {
        var tokens: Double
        var updated: UInt64  // monotonic ns
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: @Sendable () -> UInt64

    public init(burst: Int = 10, refillPerSecond: Double = 1, maxAddresses: Int = 10_000,
                clock: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.burst = Double(max(burst, 1))
        self.refillPerSecond = refillPerSecond
        self.maxAddresses = maxAddresses
        self.clock = clock
    }

    /// Seconds until `address` may fail again, or nil when it has a token left.
    public func retryAfter(_ address: String) -> Int? {
        let now = clock()
        return buckets.withLock { b -> Int? in
            guard var bucket = b[address] else { return nil }
            refill(&bucket, now)
            b[address] = bucket
            guard bucket.tokens < 1 else { return nil }
            return max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up)))
        }
    }

    /// Takes one token from `address`'s bucket (a failed authentication).
    public func charge(_ address: String) {
        let now = clock()
        buckets.withLock { b in
            if b[address] == nil && b.count >= maxAddresses { evict(&b, now) }
            var bucket = b[address] ?? Bucket(tokens: burst, updated: now)
            refill(&bucket, now)
            bucket.tokens = max(bucket.tokens - 1, 0)
            b[address] = bucket
        }
    }

    /// How many addresses are tracked (tests, metrics).
    public var trackedAddresses: Int { buckets.withLock { $0.count } }

    private func refill(_ bucket: inout Bucket, _ now: UInt64) {
        let elapsed = Double(now &- bucket.updated) / 1e9
        bucket.tokens = min(burst, bucket.tokens + elapsed * refillPerSecond)
        bucket.updated = now
    }

    private func evict(_ b: inout [String: Bucket], _ now: UInt64) {
        let full = b.filter { burst - $0.value.tokens <= Double(now &- $0.value.updated) / 1e9 * refillPerSecond }.map(\.key)
        for k in full { b[k] = nil }
        if b.count >= maxAddresses, let oldest = b.min(by: { $0.value.updated < $1.value.updated })?.key { b[oldest] = nil }
    }
}
