/// A value held by a last-writer-wins register.
///
/// Equality and hashing are by canonical bytes: strings compare by their UTF-8 bytes (no
/// Unicode normalization: "é" precomposed and decomposed are two different values, as they
/// are two different byte strings on every replica), and doubles compare by their bit
/// pattern after NaN canonicalization (every NaN is the quiet NaN 0x7FF8000000000000;
/// -0.0 and +0.0 are different values).
public enum FieldValue: Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    /// A value dropped from this copy for its audience (PRIVACY.md R-PRIV-30): the register
    /// keeps the write's operation id and timestamp, so merging still works, but not the
    /// value. Never written by a person; canonical value tag 6, JSON `{"withheld":true}`.
    case withheld

    public static let canonicalNaNBits: UInt64 = 0x7FF8_0000_0000_0000

    /// The bit pattern that is encoded for a double.
    public static func canonicalBits(_ d: Double) -> UInt64 { d.isNaN ? canonicalNaNBits : d.bitPattern }

    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .double: "double"
        case .string: "string"
        case .withheld: "withheld"
        }
    }

    public var stringValue: String? { if case let .string(s) = self { s } else { nil } }
    public var intValue: Int64? { if case let .int(i) = self { i } else { nil } }

    public var description: String {
        switch self {
        case .null: "null"
        case let .bool(b): String(b)
        case let .int(i): String(i)
        case let .double(d): d.isNaN ? "NaN" : (d == 0 && d.sign == .minus ? "-0.0" : String(d))
        case let .string(s): ModelError.quote(s)
        case .withheld: "(withheld)"
        }
    }
}

extension FieldValue: Hashable {
    public static func == (a: FieldValue, b: FieldValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.int(x), .int(y)): x == y
        case let (.double(x), .double(y)): canonicalBits(x) == canonicalBits(y)
        case let (.string(x), .string(y)): x.utf8.elementsEqual(y.utf8)
        case (.withheld, .withheld): true
        default: false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case let .bool(b): h.combine(1); h.combine(b)
        case let .int(i): h.combine(2); h.combine(i)
        case let .double(d): h.combine(3); h.combine(Self.canonicalBits(d))
        case let .string(s): h.combine(4); for b in s.utf8 { h.combine(b) }
        case .withheld: h.combine(5)
        }
    }
}
