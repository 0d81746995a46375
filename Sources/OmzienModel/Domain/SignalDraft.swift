/// What a cashier fills in for a new loneliness signal. `changes()` validates the whole
/// draft (required fields, value rules, the consent rule) and returns the field changes of
/// the operation that creates the signal.
public struct SignalDraft: Sendable, Hashable {
    public var store: String
    public var observedAt: Int64
    public var reporter: String
    public var indicators: [String]
    public var urgency: String
    public var note: String?
    public var consent: String
    public var contact: String?
    /// Submit at once (the signal becomes a referral on the next sync), or keep as a draft.
    public var submit: Bool

    public init(store: String, observedAt: Int64, reporter: String, indicators: [String], urgency: String = "routine",
                note: String? = nil, consent: String = "not-asked", contact: String? = nil, submit: Bool = true) {
        self.store = store
        self.observedAt = observedAt
        self.reporter = reporter
        self.indicators = indicators
        self.urgency = urgency
        self.note = note
        self.consent = consent
        self.contact = contact
        self.submit = submit
    }

    public func changes() throws -> [FieldChange] {
        if let contact, !contact.isEmpty, consent != "given" {
            throw ModelError.consentRule("contact details were given but consent is '\(consent)'; record consent 'given' or leave the contact details out")
        }
        guard !indicators.isEmpty else {
            throw ModelError.invalidValue(field: "indicators", reason: "tick at least one indicator (\(Vocabulary.indicators.joined(separator: ", ")))")
        }
        var changes: [FieldChange] = [
            .set(field: "store", value: .string(store), supersedes: []),
            .set(field: "observedAt", value: .int(observedAt), supersedes: []),
            .set(field: "reporter", value: .string(reporter), supersedes: []),
            .set(field: "urgency", value: .string(urgency), supersedes: []),
            .set(field: "consent", value: .string(consent), supersedes: []),
            .set(field: "contact", value: contact.map { $0.isEmpty ? .null : .string($0) } ?? .null, supersedes: []),
        ]
        if let note { changes.append(.set(field: "note", value: .string(note), supersedes: [])) }
        for indicator in Set(indicators).sorted() { changes.append(.add(field: "indicators", element: indicator)) }
        changes.append(.advance(field: "status", epoch: 0, state: submit ? "submitted" : "draft"))
        let schema = RecordSchema.signal
        for change in changes {
            let spec = try schema.field(change.field)
            switch change {
            case let .set(_, value, _): try spec.rule.check(value, field: spec.name, nullable: spec.nullable)
            case let .add(_, element): try spec.rule.check(.string(element), field: spec.name, nullable: false)
            default: break
            }
        }
        return changes
    }
}
