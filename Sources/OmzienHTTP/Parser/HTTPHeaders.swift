/// One header (or trailer) field line: a name and a value as received, in order.
public struct HTTPField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An ordered list of header fields with case-insensitive name lookup (RFC 9110 §5.1).
///
/// Field names and values are kept exactly as received (no lowercasing, no combining).
/// Values may contain `obs-text` bytes (0x80–0xFF, RFC 9110 §5.5); those are decoded as UTF-8
/// with invalid sequences replaced by U+FFFD. The parser guarantees that received names are
/// `token`s and values contain no control characters, CR or LF. Values set by application
/// code are validated when the response is serialized (see ``HTTPHeaders/isValidFieldValue(_:)``).
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [HTTPField]

    public init() { fields = [] }
    public init(_ fields: [HTTPField]) { self.fields = fields }
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { HTTPField(name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }
    public func makeIterator() -> IndexingIterator<[HTTPField]> { fields.makeIterator() }

    /// The first value of the field `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        get {
            for field in fields where HTTPHeaders.namesEqual(field.name, name) { return field.value }
            return nil
        }
        set {
            if let newValue { replaceOrAdd(name: name, value: newValue) } else { remove(name: name) }
        }
    }

    /// All values of the field `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        fields.filter { HTTPHeaders.namesEqual($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { HTTPHeaders.namesEqual($0.name, name) }
    }

    /// Appends a field line, keeping any existing ones with the same name.
    public mutating func add(name: String, value: String) {
        fields.append(HTTPField(name: name, value: value))
    }

    /// Replaces all fields named `name` by one field, keeping the position of the first.
    public mutating func replaceOrAdd(name: String, value: String) {
        if let first = fields.firstIndex(where: { HTTPHeaders.namesEqual($0.name, name) }) {
            fields[first].value = value
            var i = fields.count - 1
            while i > first {
                if HTTPHeaders.namesEqual(fields[i].name, name) { fields.remove(at: i) }
                i -= 1
            }
        } else {
            fields.append(HTTPField(name: name, value: value))
        }
    }

    public mutating func remove(name: String) {
        fields.removeAll { HTTPHeaders.namesEqual($0.name, name) }
    }

    /// The comma-separated list elements of all `name` fields (RFC 9110 §5.6.1), trimmed of
    /// optional whitespace, empty elements dropped. Quoted strings are not special-cased:
    /// use this only for fields whose elements are tokens.
    public func tokens(for name: String) -> [Substring] {
        var result: [Substring] = []
        for field in fields where HTTPHeaders.namesEqual(field.name, name) {
            for element in field.value.split(separator: ",", omittingEmptySubsequences: true) {
                let trimmed = element.trimmingOWS()
                if !trimmed.isEmpty { result.append(trimmed) }
            }
        }
        return result
    }

    /// ASCII case-insensitive comparison of field names.
    public static func namesEqual(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { ab in
            b.withUTF8 { bb in ASCII.caseInsensitiveEqual(UnsafeRawBufferPointer(ab), UnsafeRawBufferPointer(bb)) }
        }
    }

    /// True when `name` is a non-empty `token` (RFC 9110 §5.1).
    public static func isValidFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(ByteClass.isTChar)
    }

    /// True when `value` has no leading/trailing whitespace and only field-vchar, SP and
    /// HTAB (RFC 9110 §5.5): no CR, LF, NUL or other control characters.
    public static func isValidFieldValue(_ value: String) -> Bool {
        let utf8 = value.utf8
        if let first = utf8.first, first == ASCII.space || first == ASCII.tab { return false }
        if let last = utf8.last, last == ASCII.space || last == ASCII.tab { return false }
        return utf8.allSatisfy { ByteClass.isFieldVChar($0) || $0 == ASCII.space || $0 == ASCII.tab }
    }
}

extension Substring {
    /// Drops leading and trailing SP / HTAB (RFC 9110 §5.6.3 OWS).
    func trimmingOWS() -> Substring {
        var s = self[...]
        while let f = s.utf8.first, f == ASCII.space || f == ASCII.tab { s = s.dropFirst() }
        while let l = s.utf8.last, l == ASCII.space || l == ASCII.tab { s = s.dropLast() }
        return s
    }
}

extension StringProtocol {
    /// ASCII case-insensitive equality (for tokens such as `chunked`, `close`, `gzip`).
    func asciiCaseInsensitiveEquals(_ other: String) -> Bool {
        let a = self.utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { ASCII.lower($0) == ASCII.lower($1) }
    }
}
