/// Shared validation for the small identifier types. Identifiers are ASCII so that they
/// compare, sort and hash the same way on every platform, and carry no personal data.
enum IdentifierRules {
    static func check(_ value: String, what: String, maxLength: Int, allowed: (UInt8) -> Bool) throws {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty else {
            throw ModelError.invalidIdentifier(what: what, value: value, reason: "it is empty")
        }
        guard bytes.count <= maxLength else {
            throw ModelError.invalidIdentifier(what: what, value: value, reason: "it is \(bytes.count) bytes long; the limit is \(maxLength)")
        }
        if let bad = bytes.first(where: { !allowed($0) }) {
            let shown = bad < 0x80 && bad >= 0x20 ? "'\(Character(Unicode.Scalar(bad)))'" : "byte 0x\(String(bad, radix: 16))"
            throw ModelError.invalidIdentifier(what: what, value: value, reason: "\(shown) is not allowed here")
        }
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
    static func isLowerAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A)
    }
}
