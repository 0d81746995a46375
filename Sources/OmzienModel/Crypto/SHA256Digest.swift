/// A SHA-256 digest: exactly 32 bytes.
///
/// Invariant: `bytes.count == SHA256Digest.byteCount`, checked by `precondition` in `init(bytes:)`.
/// Ordering is lexicographic on `bytes`, which equals lexicographic order on `hex`.
public struct SHA256Digest: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length of a SHA-256 digest in bytes.
    public static let byteCount = 32

    /// The 32 digest bytes, big-endian as specified by FIPS 180-4 §6.2.2 step 4.
    public let bytes: [UInt8]

    /// The all-zero digest, e.g. the predecessor hash of the first operation in a chain.
    public static let zero = SHA256Digest(bytes: [UInt8](repeating: 0, count: byteCount))

    /// Wraps 32 bytes. Traps if `bytes.count != 32` (a programmer error, not bad input;
    /// use `init?(hex:)` for untrusted text).
    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "SHA256Digest needs \(Self.byteCount) bytes, got \(bytes.count)")
        self.bytes = bytes
    }

    /// Parses 64 hexadecimal digits (either case). Returns nil for any other input.
    public init?(hex: String) {
        guard hex.utf8.count == Self.byteCount * 2 else { return nil }
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        var text = hex
        let ok = text.withUTF8 { Self.decodeHex($0, into: &out) }
        guard ok else { return nil }
        self.bytes = out
    }

    private static func decodeHex(_ chars: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        for i in 0..<byteCount {
            guard let hi = nibble(chars[2 * i]), let lo = nibble(chars[2 * i + 1]) else { return false }
            out[i] = hi << 4 | lo
        }
        return true
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// The digest as 64 lowercase hexadecimal digits.
    public var hex: String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: Self.byteCount * 2) { out in
            digits.withUTF8Buffer { d in
                for (i, b) in bytes.enumerated() {
                    out[2 * i] = d[Int(b >> 4)]
                    out[2 * i + 1] = d[Int(b & 0x0F)]
                }
            }
            return Self.byteCount * 2
        }
    }

    public var description: String { hex }

    public static func < (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
