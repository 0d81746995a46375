/// One record: its kind and its id.
public struct RecordRef: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let kind: RecordKind
    public let id: RecordID

    public init(kind: RecordKind, id: RecordID) {
        self.kind = kind
        self.id = id
    }

    public static func < (a: RecordRef, b: RecordRef) -> Bool { a.kind == b.kind ? a.id < b.id : a.kind < b.kind }
    public var description: String { "\(kind.rawValue)/\(id)" }
}
