/// The merged state of one record: the fold of every operation on it, in any order.
///
/// Merge is commutative, associative and idempotent per operation id (the replica log
/// filters duplicates before `apply`; see `ReplicaState`). Erase is absorbing: once an
/// erase is applied the record holds no field state, and later operations change nothing.
public struct RecordState: Sendable, Hashable {
    public let ref: RecordRef
    public private(set) var erased: Bool
    /// Field name → state; fields never written are absent.
    public private(set) var fields: [String: FieldState]

    public init(ref: RecordRef) {
        self.ref = ref
        self.erased = false
        self.fields = [:]
    }

    init(ref: RecordRef, erased: Bool, fields: [String: FieldState]) {
        self.ref = ref
        self.erased = erased
        self.fields = fields
    }

    /// Applies a validated operation on this record. Precondition: `op.record == ref` and
    /// `op.validate()` passed (a broken invariant traps; bad input is rejected earlier).
    public mutating func apply(_ op: LogOperation) {
        precondition(op.record == ref, "operation for \(op.record) applied to \(ref)")
        if erased { return }
        switch op.body {
        case .redacted:
            return
        case .erase:
            erased = true
            fields = [:]
        case let .changes(changes):
            let schema = RecordSchema.of(ref.kind)
            for change in changes {
                guard let spec = try? schema.field(change.field) else { preconditionFailure("unvalidated operation \(op.id)") }
                apply(change, spec: spec, op: op)
            }
        }
    }

    private mutating func apply(_ change: FieldChange, spec: FieldSpec, op: LogOperation) {
        var state = fields[spec.name] ?? FieldState.empty(for: spec.merge)
        switch (change, spec.merge, state) {
        case let (.set(_, value, supersedes), .register(keeps), .register(current)?):
            var reg = current
            reg.apply(op: op.id, timestamp: op.timestamp, value: value, supersedes: supersedes, keepsConflicts: keeps)
            state = .register(reg)
        case let (.add(_, element), .addWinsSet, .set(current)?):
            var set = current
            set.add(element, tag: op.id)
            state = .set(set)
        case let (.remove(_, element, observed), .addWinsSet, .set(current)?):
            var set = current
            set.remove(element, observed: observed)
            state = .set(set)
        case let (.increment(_, amount), .counter, .counter(current)?):
            var counter = current
            counter.increment(replica: op.id.replica, by: amount)
            state = .counter(counter)
        case let (.advance(_, epoch, name), .status(lattice), _):
            let next = StatusState(epoch: epoch, rank: lattice.rank(of: name)!)
            if case let .status(current)? = state, current >= next { return }
            state = .status(next)
        case let (.reopen(_, epoch), .status(lattice), _):
            let next = StatusState(epoch: epoch, rank: lattice.rank(of: lattice.reopenState)!)
            if case let .status(current)? = state, current >= next { return }
            state = .status(next)
        default:
            preconditionFailure("unvalidated change \(change.changeName) on \(ref).\(spec.name)")
        }
        fields[spec.name] = state
    }
}
