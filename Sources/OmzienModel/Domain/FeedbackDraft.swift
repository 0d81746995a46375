/// Customer feedback as recorded at the till: an irritation category, an NPS score 0-10,
/// an optional comment and the channel.
public struct FeedbackDraft: Sendable, Hashable {
    public var store: String
    public var givenAt: Int64
    public var category: String
    public var nps: Int64
    public var comment: String?
    public var channel: String

    public init(store: String, givenAt: Int64, category: String, nps: Int64, comment: String? = nil, channel: String = "till") {
        self.store = store
        self.givenAt = givenAt
        self.category = category
        self.nps = nps
        self.comment = comment
        self.channel = channel
    }

    public func changes() throws -> [FieldChange] {
        var changes: [FieldChange] = [
            .set(field: "store", value: .string(store), supersedes: []),
            .set(field: "givenAt", value: .int(givenAt), supersedes: []),
            .set(field: "category", value: .string(category), supersedes: []),
            .set(field: "nps", value: .int(nps), supersedes: []),
            .set(field: "channel", value: .string(channel), supersedes: []),
        ]
        if let comment { changes.append(.set(field: "comment", value: .string(comment), supersedes: [])) }
        let schema = RecordSchema.feedback
        for case let .set(field, value, _) in changes {
            let spec = try schema.field(field)
            try spec.rule.check(value, field: field, nullable: spec.nullable)
        }
        return changes
    }
}
