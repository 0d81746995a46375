/// One field of a record kind: its name, merge kind and value rule.
public struct FieldSpec: Sendable, Hashable {
    public let name: String
    public let merge: MergeKind
    public let rule: ValueRule
    public let nullable: Bool

    public init(_ name: String, _ merge: MergeKind, _ rule: ValueRule = .anyValue, nullable: Bool = false) {
        self.name = name
        self.merge = merge
        self.rule = rule
        self.nullable = nullable
    }
}
