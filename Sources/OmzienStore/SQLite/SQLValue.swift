import OmzienModel

/// A value as SQLite stores it: one of its five storage classes.
///
/// `.text` holds valid Unicode; text read from a damaged file is repaired with U+FFFD rather
/// than trapping. `.blob([])` and `.text("")` are values, distinct from `.null`.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The integer, or nil for any other storage class.
    public var int64: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// A non-negative integer as `UInt64` (times, sizes), or nil for a negative one or any
    /// other storage class.
    public var unsigned: UInt64? {
        if case .integer(let value) = self, value >= 0 { return UInt64(value) }
        return nil
    }

    /// The floating-point value; integers are widened. Nil for other storage classes.
    public var double: Double? {
        switch self {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    /// The text, or nil for any other storage class.
    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The bytes, or nil for any other storage class.
    public var blob: [UInt8]? {
        if case .blob(let value) = self { return value }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// A digest stored as a 32-byte blob.
    public init(_ digest: SHA256Digest) {
        self = .blob(digest.bytes)
    }

    /// The digest in a 32-byte blob, or nil when this is not a 32-byte blob.
    public var digest: SHA256Digest? {
        guard case .blob(let bytes) = self, bytes.count == SHA256Digest.byteCount else { return nil }
        return SHA256Digest(bytes: bytes)
    }
}

extension SQLValue: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral {
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLValue: CustomStringConvertible {
    /// A short, SQL-literal-like rendering for logs and test failures.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .text(let value): return "'" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        case .blob(let bytes):
            let digits = Array("0123456789abcdef")
            return "x'" + String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] }) + "'"
        }
    }
}
