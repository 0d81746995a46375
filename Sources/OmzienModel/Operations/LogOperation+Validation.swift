extension LogOperation {
    /// Checks the body against the record kind's schema: every field exists, every change
    /// fits its field's merge kind, every value fits its rule, lists are canonical, and the
    /// consent rule of signals holds. Throws the first problem found.
    ///
    /// The consent rule (Protocol/MODEL.md, "Consent"): an operation that writes non-empty
    /// contact details must itself set `consent` to `given`; one that sets `consent` to
    /// anything else must itself clear `contact`. So no single writer can attach contact
    /// details without consent. Concurrent writers can still end with contact details and
    /// a winning `consent` other than `given`: views then hide the contact details.
    public func validate() throws {
        // R-MODEL-13: numbers that SQLite stores as signed 64-bit integers.
        guard id.sequence <= OperationID.maxSequence else {
            throw ModelError.invalidValue(field: "id", reason: "sequence \(id.sequence) is beyond 2^63-1")
        }
        guard timestamp.packed <= HLCTimestamp.maxPacked else {
            throw ModelError.invalidValue(field: "hlc", reason: "\(timestamp.packed) is beyond 2^63-1")
        }
        let changes: [FieldChange]
        switch body {
        case .erase, .redacted: return
        case let .changes(c): changes = c
        }
        guard !changes.isEmpty else { throw ModelError.emptyOperation(id) }
        let schema = RecordSchema.of(record.kind)
        var setFields = Set<String>()
        for change in changes {
            let spec = try schema.field(change.field)
            try Self.check(change, against: spec, kind: record.kind)
            if case .set = change {
                guard setFields.insert(spec.name).inserted else { throw ModelError.duplicateFieldInOperation(field: spec.name) }
            }
        }
        if record.kind == .signal { try checkConsentRule(changes) }
        if record.kind == .chatMoment { try checkChatMomentID(changes) }
    }

    /// R-MODEL-15: a chat moment's id is `store/lane/day`, made of the fields it sets; an
    /// operation that sets one of them must agree with the id (so `store-a/../store-b/1/…`
    /// cannot count into another store's record under a misleading id).
    private func checkChatMomentID(_ changes: [FieldChange]) throws {
        let parts = record.id.rawValue.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else {
            throw ModelError.invalidValue(field: "record", reason: "a chat moment's id is 'store/lane/day', got \(ModelError.quote(record.id.rawValue))")
        }
        for case let .set(field, value, _) in changes {
            let inID: String
            switch (field, value) {
            case ("store", .string(let v)): inID = parts[0]; if v == inID { continue }
            case ("lane", .int(let v)): inID = parts[1]; if String(v) == inID { continue }
            case ("day", .string(let v)): inID = parts[2]; if v == inID { continue }
            default: continue
            }
            throw ModelError.invalidValue(field: field, reason: "the chat moment \(ModelError.quote(record.id.rawValue)) has \(field) \(ModelError.quote(inID)) in its id, but the operation sets \(value)")
        }
    }

    private func checkConsentRule(_ changes: [FieldChange]) throws {
        var consent: FieldValue?
        var contact: FieldValue?
        for case let .set(field, value, _) in changes {
            if field == "consent" { consent = value }
            if field == "contact" { contact = value }
        }
        if let contact, contact != .null, consent != .string("given") {
            throw ModelError.consentRule("contact details may only be recorded together with consent 'given'")
        }
        if let consent, consent != .string("given"), contact != .null {
            throw ModelError.consentRule("setting consent to \(consent) must also clear the contact details (set contact to null)")
        }
    }

    private static func checkCanonical(_ ids: [OperationID], field: String, what: String) throws {
        guard ids.count <= FieldChange.maxSupersedes else {
            throw ModelError.invalidValue(field: field, reason: "\(what) lists \(ids.count) operations; the limit is \(FieldChange.maxSupersedes)")
        }
        for i in ids.indices.dropFirst() where !(ids[i - 1] < ids[i]) {
            throw ModelError.invalidValue(field: field, reason: "\(what) must be sorted by (replica, sequence) without duplicates")
        }
    }

    private static func check(_ change: FieldChange, against spec: FieldSpec, kind: RecordKind) throws {
        func mismatch() -> ModelError {
            .changeDoesNotFitField(kind: kind.rawValue, field: spec.name, expected: spec.merge.name, got: change.changeName)
        }
        switch (change, spec.merge) {
        case let (.set(_, value, supersedes), .register):
            if value == .withheld {
                // R-PRIV-31: only a field the store audience withholds can arrive withheld, and
                // (R-PRIV-19, R-PRIV-30) a text a later write superseded.
                guard StoreAudience.withholds(kind, spec.name) || RetentionPolicy.clears(kind, spec.name) else {
                    throw ModelError.invalidValue(field: spec.name, reason: "only \(StoreAudience.withheldFieldList), a feedback's comment and a signal's decline reason can be withheld; \(kind.rawValue).\(spec.name) must carry its value")
                }
            } else {
                try spec.rule.check(value, field: spec.name, nullable: spec.nullable)
            }
            try checkCanonical(supersedes, field: spec.name, what: "supersedes")
        case let (.add(_, element), .addWinsSet):
            try spec.rule.check(.string(element), field: spec.name, nullable: false)
        case let (.remove(_, element, observed), .addWinsSet):
            try spec.rule.check(.string(element), field: spec.name, nullable: false)
            try checkCanonical(observed, field: spec.name, what: "observed")
        case let (.increment(_, amount), .counter):
            guard (1...FieldChange.maxIncrement).contains(amount) else {
                throw ModelError.invalidValue(field: spec.name, reason: "an increment must be 1...\(FieldChange.maxIncrement), got \(amount)")
            }
        case let (.advance(_, _, state), .status(lattice)):
            guard lattice.rank(of: state) != nil else {
                throw ModelError.invalidValue(field: spec.name, reason: "\(ModelError.quote(state)) is not one of: \(lattice.states.joined(separator: ", "))")
            }
        case let (.reopen(_, epoch), .status):
            guard epoch >= 1 else { throw ModelError.invalidValue(field: spec.name, reason: "a reopen starts epoch 1 or later") }
        default:
            throw mismatch()
        }
    }
}
