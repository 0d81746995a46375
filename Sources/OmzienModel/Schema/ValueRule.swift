/// What values a register accepts (or, for a set, which elements).
public enum ValueRule: Sendable, Hashable {
    /// UTF-8 text of at most `maxBytes` bytes, no control characters but tab and newline.
    case text(maxBytes: Int)
    /// One of a fixed list of strings.
    case oneOf([String])
    /// An integer in a closed range.
    case integer(ClosedRange<Int64>)
    /// Milliseconds since 1970 (an integer, 2000-01-01 up to 2200-01-01).
    case timestamp
    /// A calendar day `YYYY-MM-DD`.
    case day
    /// An identifier: ASCII letters, digits, `.`, `_`, `-`, at most 64 bytes.
    case identifier
    /// Any double, including NaN, infinities and -0.0 (probe records only).
    case anyDouble
    /// Any value at all (probe records only).
    case anyValue

    static let minTimestamp: Int64 = 946_684_800_000
    static let maxTimestamp: Int64 = 7_258_118_400_000

    /// Throws `invalidValue` naming the field if `value` breaks the rule. `null` is accepted
    /// only when `nullable`.
    public func check(_ value: FieldValue, field: String, nullable: Bool) throws {
        func bad(_ reason: String) -> ModelError { .invalidValue(field: field, reason: reason) }
        if case .null = value {
            if nullable { return }
            throw bad("it may not be empty")
        }
        switch self {
        case .anyValue:
            return
        case .anyDouble:
            guard case .double = value else { throw bad("expected a number with a fraction (double), got \(value.typeName)") }
        case let .text(maxBytes):
            guard case let .string(s) = value else { throw bad("expected text, got \(value.typeName)") }
            let n = s.utf8.count
            guard n <= maxBytes else { throw bad("the text is \(n) bytes; the limit is \(maxBytes) bytes") }
            if s.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F }) {
                throw bad("the text contains a control character")
            }
        case let .oneOf(allowed):
            guard case let .string(s) = value else { throw bad("expected one of \(allowed.joined(separator: ", ")), got \(value.typeName)") }
            guard allowed.contains(where: { $0.utf8.elementsEqual(s.utf8) }) else {
                throw bad("\(ModelError.quote(s)) is not one of: \(allowed.joined(separator: ", "))")
            }
        case let .integer(range):
            guard case let .int(i) = value else { throw bad("expected a whole number, got \(value.typeName)") }
            guard range.contains(i) else { throw bad("\(i) is outside \(range.lowerBound)...\(range.upperBound)") }
        case .timestamp:
            guard case let .int(i) = value else { throw bad("expected a time in milliseconds since 1970, got \(value.typeName)") }
            guard i >= Self.minTimestamp && i < Self.maxTimestamp else { throw bad("\(i) ms is not a time between 2000 and 2200") }
        case .day:
            guard case let .string(s) = value, Self.isDay(s) else { throw bad("expected a day as YYYY-MM-DD") }
        case .identifier:
            guard case let .string(s) = value else { throw bad("expected an identifier, got \(value.typeName)") }
            do {
                try IdentifierRules.check(s, what: field, maxLength: 64) {
                    IdentifierRules.isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D
                }
            } catch let e as ModelError { throw bad(e.description) }
        }
    }

    static func isDay(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9]
        guard digits.allSatisfy({ b[$0] >= 0x30 && b[$0] <= 0x39 }) else { return false }
        func num(_ r: [Int]) -> Int { r.reduce(0) { $0 * 10 + Int(b[$1] - 0x30) } }
        let month = num([5, 6]), day = num([8, 9])
        return (1...12).contains(month) && (1...31).contains(day)
    }
}
