/// What the store audience (store devices) keeps of a record: the store-audience projection
/// (Protocol/PRIVACY.md R-PRIV-30..32, MODEL.md section 7.1).
///
/// Once a signal is submitted (its status is `submitted` or later, in any epoch) the store
/// sees its status, urgency, indicators, consent, the partner's outcome and decline reason
/// (PARTNERS.md R-PART-27) and the bookkeeping fields (`store`, `observedAt`, `reporter`),
/// but not the personal text about the customer: `note` and `contact` are **withheld**. A withheld register keeps everything the merge
/// needs (every head's operation id and timestamp, the superseded ids), with each non-null
/// value replaced by `FieldValue.withheld`; a null stays null (it holds nothing). A draft,
/// and every other kind of record, is projected to itself: the cashier is still writing.
///
/// Invariants the sync relies on (checked by `DropBoxTests` and `MergePropertyTests`-style
/// sweeps in `StoreAudienceTests`):
/// - `project` is idempotent, and a function of the merged state alone, so the server and a
///   device compute the same projection from the same operations.
/// - Merging commutes with it: register merge orders by (timestamp, replica, sequence) and
///   `supersedes`, never by value, and the status only moves up, so once a record is
///   projected it stays projected: `project(apply(project(s), op)) == project(apply(s, op))`.
/// - The projection's canonical bytes keep no hash of a withheld value (a SHA-256 of a phone
///   number can be brute-forced): the value tag 6 has no bytes.
public enum StoreAudience {
    /// The fields of each kind withheld from the store once a signal is submitted.
    public static let withheldFields: [RecordKind: Set<String>] = [.signal: ["note", "contact"]]

    /// The fields a store device may ever keep of a submitted signal (R-PRIV-30).
    public static let signalFields: [String] = ["store", "observedAt", "reporter", "indicators", "urgency", "consent", "status", "outcome", "declineReason"]

    static let withheldFieldList = "a signal's note and contact"

    public static func withholds(_ kind: RecordKind, _ field: String) -> Bool {
        withheldFields[kind]?.contains(field) ?? false
    }

    /// Whether the store audience sees `state` withheld: a signal, not erased, with a status
    /// at or past `submitted`.
    public static func applies(to state: RecordState) -> Bool {
        guard state.ref.kind == .signal, !state.erased, case let .status(status)? = state.fields["status"] else { return false }
        return status >= StatusState(epoch: 0, rank: 1)
    }

    /// The store audience's copy of `state` (itself when the rule does not apply).
    public static func project(_ state: RecordState) -> RecordState {
        guard applies(to: state), let fields = withheldFields[state.ref.kind] else { return state }
        return state.withholding(fields.sorted())
    }

    /// Whether `state` still holds a value the store audience withholds.
    public static func holdsWithheldValues(_ state: RecordState) -> Bool {
        project(state) != state
    }

    /// The store audience's copy of an operation on a record whose merged state is `state`:
    /// every non-null value of a withheld field replaced by `.withheld`, hashes unchanged
    /// (the header hash covers the payload hash, not the payload, so the chain verifies).
    public static func project(_ op: LogOperation, mergedState state: RecordState?) -> LogOperation {
        guard let state, applies(to: state), case let .changes(changes) = op.body else { return op }
        var changed = false
        let projected = changes.map { change -> FieldChange in
            guard case let .set(field, value, supersedes) = change, value != .null, value != .withheld,
                  withholds(op.record.kind, field) else { return change }
            changed = true
            return .set(field: field, value: .withheld, supersedes: supersedes)
        }
        return changed ? op.replacingBody(.changes(projected)) : op
    }

    /// The state digest of the store-audience projection of `records` (MODEL.md 7.1).
    public static func digest<S: Sequence>(_ records: S) -> SHA256Digest where S.Element == RecordState {
        StateDigest.of(records.map(project))
    }
}

extension OperationBody {
    /// Whether some change carries a withheld value (then the body no longer hashes to the
    /// operation's payload hash).
    public var hasWithheldValues: Bool {
        guard case let .changes(changes) = self else { return false }
        return changes.contains { if case .set(_, .withheld, _) = $0 { true } else { false } }
    }
}
