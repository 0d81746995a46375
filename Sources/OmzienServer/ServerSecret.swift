import Foundation
import OmzienModel

/// The server's own secret (Protocol/PRIVACY.md R-PRIV-3, R-PRIV-5): 32 random bytes, kept
/// as 64 hex digits in a file beside the database (`<database>.server-key`, mode 0600) and
/// never in the database itself, so that a copy of the database (a backup, a stolen disk
/// image) does not carry it. Each use gets its own key derived from it:
/// HMAC-SHA-256(secret, "omzien-" + purpose), for example the pseudonyms of recordings and
/// the audit chain's key. Losing the file makes old recordings' pseudonyms unlinkable to new
/// ones and the audit chain unverifiable: back it up apart from the database.
public struct ServerSecret: Sendable {
    let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A secret that lives only in this process (an in-memory database).
    public static func random() -> ServerSecret {
        var g = SystemRandomNumberGenerator()
        return ServerSecret(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    /// Where the secret of the database at `database` lives.
    public static func path(besideDatabase database: String) -> String { database + ".server-key" }

    /// Reads the secret at `path`, or creates it (mode 0600) when there is none.
    public static func loadOrCreate(at path: String) throws -> ServerSecret {
        if FileManager.default.fileExists(atPath: path) { return try load(at: path) }
        let bytes = random().bytes
        let text = bytes.map { String(format: "%02x", $0) }.joined() + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ServerSecretError(description: "cannot write the server secret to '\(path)': check that its directory exists and is writable")
        }
        return ServerSecret(bytes: bytes)
    }

    /// Reads the secret at `path`; a missing or malformed file is an error that says what to do.
    public static func load(at path: String) throws -> ServerSecret {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServerSecretError(description: "no server secret at '\(path)': it is created beside the database when the server first starts; pass the file the server wrote")
        }
        let hex = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard hex.count == 64, let digest = SHA256Digest(hex: hex) else {
            throw ServerSecretError(description: "'\(path)' is not a server secret (64 hex digits expected): restore it from its backup")
        }
        return ServerSecret(bytes: digest.bytes)
    }

    /// The key for one use of the secret.
    public func key(for purpose: String) -> [UInt8] {
        HMACSHA256.authenticationCode(for: Array(("omzien-" + purpose).utf8), key: bytes).bytes
    }
}

public struct ServerSecretError: Error, CustomStringConvertible {
    public let description: String
}
