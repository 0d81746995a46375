/// Who made a change: a staff pseudonym (`kassa-17`), a partner worker's pseudonym
/// (`partner:wz-noord:jb`), or a system actor. Never a real name: the alphabet is lowercase
/// ASCII letters, digits, `.`, `_`, `-` and `:` (no spaces, no capitals), 2 to 48 bytes.
public struct AuthorID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) throws {
        try IdentifierRules.check(rawValue, what: "author pseudonym", maxLength: 48) {
            IdentifierRules.isLowerAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D || $0 == 0x3A
        }
        guard rawValue.utf8.count >= 2 else {
            throw ModelError.invalidIdentifier(what: "author pseudonym", value: rawValue, reason: "it is shorter than 2 bytes")
        }
        self.rawValue = rawValue
    }

    public init(trusted rawValue: String) {
        do { try self.init(rawValue) } catch { preconditionFailure("\(error)") }
    }

    public static func < (a: AuthorID, b: AuthorID) -> Bool { a.rawValue.utf8.lexicographicallyPrecedes(b.rawValue.utf8) }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(rawValue) }
}
