import Foundation
import OmzienModel

/// How a person's password is kept (R-WEB-1): PBKDF2-HMAC-SHA256 (RFC 8018) of the password's
/// UTF-8 bytes with a per-account random 16-byte salt from the system's generator
/// (`SystemRandomNumberGenerator`: getrandom/urandom), 32 bytes of output, the iteration
/// count stored beside it (so the work factor can be raised later: an account is rehashed at
/// its next successful login). Verification compares in constant time.
struct PasswordHash: Sendable, Equatable {
    static let saltBytes = 16
    /// Passwords: at least 12 characters (a passphrase, as NIST SP 800-63B allows and the
    /// initial passwords the server makes up are), at most 256 bytes (PBKDF2 hashes long
    /// passwords first; the cap keeps a hostile login from costing more).
    static let minimumCharacters = 12
    static let maximumBytes = 256

    let salt: [UInt8]
    let hash: [UInt8]
    let iterations: Int

    static func make(_ password: String, iterations: Int) -> PasswordHash {
        var g = SystemRandomNumberGenerator()
        let salt = (0..<saltBytes).map { _ in UInt8.random(in: 0...255, using: &g) }
        return PasswordHash(salt: salt, hash: PBKDF2.hmacSHA256(password: Array(password.utf8), salt: salt, iterations: iterations), iterations: iterations)
    }

    func matches(_ password: String) -> Bool {
        let candidate = PBKDF2.hmacSHA256(password: Array(password.utf8), salt: salt, iterations: iterations, byteCount: hash.count)
        return HMACSHA256.constantTimeEquals(candidate, hash)
    }

    /// The rule a new password must meet, as a sentence; nil when it does.
    static func problem(with password: String) -> String? {
        if password.count < minimumCharacters { return "a password needs at least \(minimumCharacters) characters (a few words make a good one)" }
        if password.utf8.count > maximumBytes { return "a password has at most \(maximumBytes) bytes" }
        if password.trimmingCharacters(in: .whitespaces).isEmpty { return "a password cannot be only spaces" }
        return nil
    }

    /// An initial password: 4 groups of 4 characters from an alphabet without look-alikes
    /// (about 79 bits), readable over the phone.
    static func initial() -> String { Tokens.enrollmentCode().lowercased() }
}
