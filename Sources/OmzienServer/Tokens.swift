import Foundation
import OmzienModel

/// Bearer tokens and enrollment codes (R-SYNC-4, R-SYNC-6). Only their SHA-256 is stored.
enum Tokens {
    static func random(prefix: String) -> String {
        var g = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &g) }
        return prefix + base64URL(bytes)
    }

    /// The device token of an enrollment with a nonce (R-SYNC-2a): HMAC-SHA-256 under the
    /// server's enrollment key of the code's hash and the nonce, so that every copy of the
    /// same enrollment request (a retry whose answer was lost, a late duplicate) gets the
    /// same token and none replaces the token the device already holds. Unguessable without
    /// the key, like a random one; the key lives outside the database (ServerSecret).
    static func enrollment(codeHash: [UInt8], nonce: String, key: [UInt8]) -> String {
        "omz_d_" + base64URL(HMACSHA256.authenticationCode(for: codeHash + Array(nonce.utf8), key: key).bytes)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L), in groups of 4.
    static func enrollmentCode() -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var g = SystemRandomNumberGenerator()
        let chars = (0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] }
        return stride(from: 0, to: 16, by: 4).map { String(chars[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// Codes are compared case-insensitively and without dashes or spaces.
    static func normalizeCode(_ code: String) -> String {
        String(code.uppercased().filter { $0 != "-" && $0 != " " })
    }

    static func hash(_ secret: String) -> [UInt8] { SHA256.hash(secret).bytes }

    /// The detail of a 401 for a token that is unknown, expired or revoked: what the holder
    /// of that kind of token can do about it (R-OPS-6).
    static func refusal(_ token: String) -> String {
        switch token.prefix(6) {
        case "omz_a_": "the admin token is unknown, expired or revoked; with a valid one run 'omzien admin token', or on the server host 'omzien admin token --db PATH'"
        case "omz_p_": "the partner token is unknown, expired or revoked; ask the operator for a new one ('omzien admin partner token ID')"
        case "omz_u_": "the personal token is unknown, expired or revoked, or its account was disabled; get a new one with 'omzien account token'"
        case "omz_h_": "the head-office token is unknown, expired or revoked; ask the operator for a new one ('omzien admin headoffice-token')"
        case "omz_d_": "the device token is unknown or was revoked; enroll the device again"
        // Not a token of any kind this server issues: say what the kinds look like (issue 12 item 5).
        default: "the token is not one this server issued (admin tokens start omz_a_, partner omz_p_, head-office omz_h_, device omz_d_); check that it was copied whole"
        }
    }
}
