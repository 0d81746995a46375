/// The kinds of record a replica holds. The raw value is what is encoded and hashed.
public enum RecordKind: String, Sendable, Hashable, Comparable, Codable, CaseIterable {
    case signal
    case feedback
    case chatMoment = "chat-moment"
    /// A kind with one field of every merge kind and value type; used only by tests and
    /// test vectors to exercise the merge rules (floats, NaN, extreme integers...).
    case probe

    public init(validating raw: String) throws {
        guard let kind = RecordKind(rawValue: raw) else { throw ModelError.unknownRecordKind(raw) }
        self = kind
    }

    public static func < (a: RecordKind, b: RecordKind) -> Bool { a.rawValue.utf8.lexicographicallyPrecedes(b.rawValue.utf8) }
}
