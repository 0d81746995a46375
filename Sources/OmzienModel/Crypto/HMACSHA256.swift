/// HMAC-SHA-256 (RFC 2104, FIPS 198-1), checked against the RFC 4231 test cases.
///
/// Keys longer than the 64-byte block are hashed first; shorter keys are zero-padded.
public enum HMACSHA256 {
    /// HMAC(K, m) = H((K' ⊕ opad) ‖ H((K' ⊕ ipad) ‖ m)).
    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> SHA256Digest {
        message.withUnsafeBytes { authenticationCode(for: $0, key: key) }
    }

    /// HMAC-SHA-256 over raw bytes.
    public static func authenticationCode(for message: UnsafeRawBufferPointer, key: [UInt8]) -> SHA256Digest {
        let blockSize = SHA256.blockByteCount
        var paddedKey = key.count > blockSize ? SHA256.hash(key).bytes : key
        paddedKey += [UInt8](repeating: 0, count: blockSize - paddedKey.count)

        var inner = SHA256()
        inner.update(paddedKey.map { $0 ^ 0x36 })
        inner.update(message)

        var outer = SHA256()
        outer.update(paddedKey.map { $0 ^ 0x5c })
        outer.update(inner.finalize().bytes)
        return outer.finalize()
    }

    /// Whether `code` is the HMAC of `message` under `key`. The comparison takes the same
    /// time wherever the first differing byte is, so it leaks nothing about the right code.
    public static func isValid(_ code: SHA256Digest, for message: [UInt8], key: [UInt8]) -> Bool {
        constantTimeEquals(code.bytes, authenticationCode(for: message, key: key).bytes)
    }

    /// Compares two byte arrays in time that depends only on their lengths.
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<lhs.count {
            difference |= lhs[i] ^ rhs[i]
        }
        return difference == 0
    }
}
