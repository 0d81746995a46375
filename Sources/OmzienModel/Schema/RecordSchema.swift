/// The fields of one record kind, each with its merge kind and value rule.
public struct RecordSchema: Sendable {
    public let kind: RecordKind
    public let fields: [FieldSpec]
    private let byName: [String: FieldSpec]

    public init(kind: RecordKind, fields: [FieldSpec]) {
        self.kind = kind
        self.fields = fields
        self.byName = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0) })
    }

    public func field(_ name: String) throws -> FieldSpec {
        guard let spec = byName[name] else { throw ModelError.unknownField(kind: kind.rawValue, field: name) }
        return spec
    }

    /// The schema of a record kind.
    public static func of(_ kind: RecordKind) -> RecordSchema {
        switch kind {
        case .signal: signal
        case .feedback: feedback
        case .chatMoment: chatMoment
        case .probe: probe
        }
    }

    /// A loneliness signal (melding). See Protocol/MODEL.md, "Signal".
    public static let signal = RecordSchema(kind: .signal, fields: [
        FieldSpec("store", .register(keepsConflicts: false), .identifier),
        FieldSpec("observedAt", .register(keepsConflicts: false), .timestamp),
        FieldSpec("reporter", .register(keepsConflicts: false), .identifier),
        FieldSpec("indicators", .addWinsSet, .oneOf(Vocabulary.indicators)),
        FieldSpec("urgency", .register(keepsConflicts: true), .oneOf(Vocabulary.urgencies)),
        FieldSpec("note", .register(keepsConflicts: true), .text(maxBytes: Vocabulary.noteMaxBytes), nullable: true),
        FieldSpec("consent", .register(keepsConflicts: true), .oneOf(Vocabulary.consents)),
        FieldSpec("contact", .register(keepsConflicts: true), .text(maxBytes: Vocabulary.contactMaxBytes), nullable: true),
        FieldSpec("status", .status(Vocabulary.signalStatus)),
        FieldSpec("outcome", .register(keepsConflicts: true), .oneOf(Vocabulary.outcomes), nullable: true),
        FieldSpec("declineReason", .register(keepsConflicts: true), .text(maxBytes: 500), nullable: true),
    ])

    /// Customer feedback on one of the shoppers' irritations, with an NPS score.
    public static let feedback = RecordSchema(kind: .feedback, fields: [
        FieldSpec("store", .register(keepsConflicts: false), .identifier),
        FieldSpec("givenAt", .register(keepsConflicts: false), .timestamp),
        FieldSpec("category", .register(keepsConflicts: true), .oneOf(Vocabulary.feedbackCategories)),
        FieldSpec("nps", .register(keepsConflicts: true), .integer(0...10)),
        FieldSpec("comment", .register(keepsConflicts: true), .text(maxBytes: Vocabulary.commentMaxBytes), nullable: true),
        FieldSpec("channel", .register(keepsConflicts: false), .oneOf(Vocabulary.channels)),
    ])

    /// Kletskassa conversations per store, lane and day; id `store/lane/day`.
    public static let chatMoment = RecordSchema(kind: .chatMoment, fields: [
        FieldSpec("store", .register(keepsConflicts: false), .identifier),
        FieldSpec("lane", .register(keepsConflicts: false), .integer(1...99)),
        FieldSpec("day", .register(keepsConflicts: false), .day),
        FieldSpec("count", .counter),
        // Conversations counted by mistake and taken back (MODEL.md R-MODEL-30): the shown
        // count is count - removed, a PN-counter made of two grow-only counters.
        FieldSpec("removed", .counter),
    ])

    /// For tests and vectors only: one field of each merge kind, any values.
    public static let probe = RecordSchema(kind: .probe, fields: [
        FieldSpec("text", .register(keepsConflicts: true), .anyValue, nullable: true),
        FieldSpec("number", .register(keepsConflicts: false), .anyValue, nullable: true),
        FieldSpec("real", .register(keepsConflicts: true), .anyDouble),
        FieldSpec("tags", .addWinsSet, .text(maxBytes: 64)),
        FieldSpec("hits", .counter),
        FieldSpec("phase", .status(StatusLattice(states: ["new", "open", "active", "done"], reopenState: "open"))),
    ])
}
