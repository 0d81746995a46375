/// Reading a merged record field by field, as people and views see it.
extension RecordState {
    /// The winning value of a register field (nil if never written or erased).
    public func value(_ field: String) -> FieldValue? {
        if case let .register(reg)? = fields[field] { return reg.winner?.value }
        return nil
    }

    public func string(_ field: String) -> String? { value(field)?.stringValue }

    /// The losing values of concurrent writes, kept visible (register fields with conflicts).
    public func conflicts(_ field: String) -> [RegisterState.Head] {
        if case let .register(reg)? = fields[field] { return Array(reg.conflicts) }
        return []
    }

    /// Every (field, losing write) of this record, fields in name order.
    public var allConflicts: [(field: String, head: RegisterState.Head)] {
        fields.keys.sorted().flatMap { name in conflicts(name).map { (name, $0) } }
    }

    public func elements(_ field: String) -> [String] {
        if case let .set(set)? = fields[field] { return set.elements }
        return []
    }

    public func count(_ field: String) -> UInt64 {
        if case let .counter(c)? = fields[field] { return c.total }
        return 0
    }

    /// A chat moment's conversations as every audience sees them (R-MODEL-30): those counted
    /// minus those taken back, never below zero (a correction may arrive before the counts it
    /// corrects; the raw counters keep both, so the sum is right once both are in).
    public var chatMomentCount: UInt64 {
        let counted = count("count"), removed = count("removed")
        return counted > removed ? counted - removed : 0
    }

    /// The status (state name and epoch) of a status field.
    public func status(_ field: String) -> (state: String, epoch: UInt32)? {
        guard case let .status(s)? = fields[field], case let .status(lattice) = (try? RecordSchema.of(ref.kind).field(field))?.merge else { return nil }
        return (lattice.states[s.rank], s.epoch)
    }

    /// The contact details of a signal, shown only while the winning consent is `given`
    /// (Protocol/MODEL.md, R-MODEL-3).
    public var visibleContact: String? {
        guard ref.kind == .signal, string("consent") == "given" else { return nil }
        return string("contact")
    }

    /// A field's winning value as any audience may see it: a signal's contact only while the
    /// winning consent is `given` (R-MODEL-3), everything else as merged.
    public func shownValue(_ field: String) -> FieldValue? {
        if ref.kind == .signal && field == "contact" { return visibleContact.map(FieldValue.string) }
        return value(field)
    }

    /// The kept conflicts as any audience may see them: a signal's contact values (won or
    /// lost) only while the winning consent is `given` (R-MODEL-3). The merge keeps them all;
    /// views, reports and exports use this instead of `allConflicts`.
    public var shownConflicts: [(field: String, head: RegisterState.Head)] {
        allConflicts.filter { ref.kind != .signal || $0.field != "contact" || string("consent") == "given" }
    }

    /// What a writer that has seen this record must list in `supersedes` for `field`.
    public func heads(_ field: String) -> [OperationID] {
        if case let .register(reg)? = fields[field] { return reg.headIDs }
        return []
    }

    /// The live tags of an element: what a remove must list as observed.
    public func liveTags(_ field: String, element: String) -> [OperationID] {
        if case let .set(set)? = fields[field] { return set.liveTags(of: element) }
        return []
    }

    /// The epoch a status change made after seeing this record is in.
    public func epoch(_ field: String) -> UInt32 {
        if case let .status(s)? = fields[field] { return s.epoch }
        return 0
    }
}

extension RecordState {
    /// This state with every string value of the named register fields passed through
    /// `transform` (heads and conflicts alike): for redacting logs that leave the building.
    public func redactingStrings(of names: Set<String>, _ transform: (String) -> String) -> RecordState {
        var fields = self.fields
        for name in names {
            guard case let .register(reg)? = fields[name] else { continue }
            let heads = reg.heads.map { head -> RegisterState.Head in
                guard case let .string(text) = head.value else { return head }
                return RegisterState.Head(op: head.op, timestamp: head.timestamp, value: .string(transform(text)))
            }
            fields[name] = .register(RegisterState(heads: heads, superseded: reg.superseded))
        }
        return RecordState(ref: ref, erased: erased, fields: fields)
    }
}
