/// PBKDF2 with HMAC-SHA-256 as its pseudorandom function (RFC 8018 section 5.2), on our own
/// `SHA256`; checked against the PBKDF2-HMAC-SHA256 vectors of RFC 7914 section 11 and
/// Python's `hashlib.pbkdf2_hmac`.
///
/// DK = T_1 ‖ T_2 ‖ … truncated to `byteCount`, T_i = U_1 ⊕ … ⊕ U_c with U_1 = PRF(P, S ‖ INT(i))
/// and U_j = PRF(P, U_{j-1}). The HMAC's inner and outer key blocks are absorbed once and the
/// two hash states copied per iteration (SHA256 is a value), so one iteration costs two
/// compressions, not four.
public enum PBKDF2 {
    /// The work factor a password is stored with (OWASP's 2023 advice for PBKDF2-HMAC-SHA256).
    /// Measured on this project's 2-core build machine: see Protocol/PARTNERS.md R-WEB-1.
    public static let defaultIterations = 210_000

    /// The derived key of `password` and `salt` after `iterations` rounds.
    /// - Precondition: `iterations >= 1`, `1 <= byteCount <= 32 * 1024`.
    public static func hmacSHA256(password: [UInt8], salt: [UInt8], iterations: Int, byteCount: Int = 32) -> [UInt8] {
        precondition(iterations >= 1, "PBKDF2 needs at least one iteration")
        precondition((1...32 * 1024).contains(byteCount), "PBKDF2 output length out of range")
        let blockSize = SHA256.blockByteCount
        var key = password.count > blockSize ? SHA256.hash(password).bytes : password
        key += [UInt8](repeating: 0, count: blockSize - key.count)
        var innerStart = SHA256()
        innerStart.update(key.map { $0 ^ 0x36 })
        var outerStart = SHA256()
        outerStart.update(key.map { $0 ^ 0x5c })

        func prf(_ message: [UInt8]) -> [UInt8] {
            var inner = innerStart
            inner.update(message)
            var outer = outerStart
            outer.update(inner.finalize().bytes)
            return outer.finalize().bytes
        }

        var derived: [UInt8] = []
        derived.reserveCapacity(byteCount + 32)
        var block: UInt32 = 1
        while derived.count < byteCount {
            let index = [UInt8(block >> 24), UInt8(truncatingIfNeeded: block >> 16), UInt8(truncatingIfNeeded: block >> 8), UInt8(truncatingIfNeeded: block)]
            var u = prf(salt + index)
            var t = u
            if iterations > 1 {
                for _ in 2...iterations {
                    u = prf(u)
                    for k in 0..<t.count { t[k] ^= u[k] }
                }
            }
            derived += t
            block += 1
        }
        return Array(derived.prefix(byteCount))
    }
}
