/// The id of one replica (a device, the server, a partner client): the writer of one
/// operation log. 1 to 64 ASCII letters, digits, `.`, `_` or `-`.
/// Ordering is by UTF-8 bytes, which is the tie-break order of the merge rules.
public struct ReplicaID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) throws {
        try IdentifierRules.check(rawValue, what: "replica id", maxLength: 64) {
            IdentifierRules.isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D
        }
        self.rawValue = rawValue
    }

    /// For literals in code and tests; traps on an invalid id (a programmer error).
    public init(trusted rawValue: String) {
        do { try self.init(rawValue) } catch { preconditionFailure("\(error)") }
    }

    public static func < (a: ReplicaID, b: ReplicaID) -> Bool { a.rawValue.utf8.lexicographicallyPrecedes(b.rawValue.utf8) }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(rawValue) }
}
