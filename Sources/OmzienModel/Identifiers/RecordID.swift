/// The id of one record within its kind. 1 to 128 ASCII letters, digits, `.`, `_`, `-`, `:`
/// or `/`. Devices make random ids for signals and feedback; chat moments use the
/// deterministic id `store/lane/day` so that all devices count into the same record.
public struct RecordID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) throws {
        try IdentifierRules.check(rawValue, what: "record id", maxLength: 128) {
            IdentifierRules.isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D || $0 == 0x3A || $0 == 0x2F
        }
        self.rawValue = rawValue
    }

    public init(trusted rawValue: String) {
        do { try self.init(rawValue) } catch { preconditionFailure("\(error)") }
    }

    /// A new random id: 128 bits as 32 lowercase hex digits.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> RecordID {
        let hi = generator.next(), lo = generator.next()
        return RecordID(trusted: hex64(hi) + hex64(lo))
    }

    public static func random() -> RecordID {
        var g = SystemRandomNumberGenerator()
        return random(using: &g)
    }

    public static func < (a: RecordID, b: RecordID) -> Bool { a.rawValue.utf8.lexicographicallyPrecedes(b.rawValue.utf8) }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(rawValue) }
}

func hex64(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}
