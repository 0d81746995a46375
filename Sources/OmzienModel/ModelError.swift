/// Everything that can be wrong with input to the model: identifiers, values, operations,
/// encodings. Every case names what was wrong and, where it helps, what to do instead.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidIdentifier(what: String, value: String, reason: String)
    case unknownRecordKind(String)
    case unknownField(kind: String, field: String)
    case changeDoesNotFitField(kind: String, field: String, expected: String, got: String)
    case invalidValue(field: String, reason: String)
    case consentRule(String)
    case emptyOperation(OperationID)
    case duplicateFieldInOperation(field: String)
    case sequenceGap(replica: ReplicaID, expected: UInt64, got: UInt64)
    case brokenHashLink(OperationID, expected: SHA256Digest, got: SHA256Digest)
    case hashMismatch(OperationID)
    case payloadHashMismatch(OperationID)
    case truncatedEncoding(what: String, offset: Int)
    case malformedEncoding(what: String, offset: Int, reason: String)
    case unsupportedEncodingVersion(what: String, version: Int)

    public var description: String {
        switch self {
        case let .invalidIdentifier(what, value, reason):
            return "invalid \(what) \(Self.quote(value)): \(reason)"
        case let .unknownRecordKind(kind):
            return "unknown record kind \(Self.quote(kind)); known kinds: \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .unknownField(kind, field):
            return "record kind '\(kind)' has no field \(Self.quote(field))"
        case let .changeDoesNotFitField(kind, field, expected, got):
            return "field '\(kind).\(field)' is merged as \(expected); a '\(got)' change cannot apply to it"
        case let .invalidValue(field, reason):
            return "invalid value for '\(field)': \(reason)"
        case let .consentRule(reason):
            return "consent rule: \(reason)"
        case let .emptyOperation(id):
            return "operation \(id) changes nothing; an operation needs at least one field change or an erase"
        case let .duplicateFieldInOperation(field):
            return "field '\(field)' is changed twice in one operation; merge the two changes into one"
        case let .sequenceGap(replica, expected, got):
            return "operation \(replica)#\(got) arrived but \(replica)#\(expected) is the next one expected; send the missing operations first"
        case let .brokenHashLink(id, expected, got):
            return "operation \(id) links to previous hash \(got.hex.prefix(16))… but the previous operation's hash is \(expected.hex.prefix(16))…; the log was altered or forked"
        case let .hashMismatch(id):
            return "operation \(id) carries a hash that does not match its contents"
        case let .payloadHashMismatch(id):
            return "operation \(id) carries a payload that does not match its payload hash"
        case let .truncatedEncoding(what, offset):
            return "\(what) ends early at byte \(offset): more bytes were expected"
        case let .malformedEncoding(what, offset, reason):
            return "\(what) is malformed at byte \(offset): \(reason)"
        case let .unsupportedEncodingVersion(what, version):
            return "\(what) has encoding version \(version), which this build does not know; upgrade Omzien"
        }
    }

    static func quote(_ s: String) -> String {
        let shown = s.count > 60 ? String(s.prefix(60)) + "…" : s
        return "'" + shown.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "'"
    }
}
