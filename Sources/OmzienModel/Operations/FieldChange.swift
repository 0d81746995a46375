/// One change to one field, as carried by an operation. Which cases fit which field is
/// decided by the field's `MergeKind` (checked by `LogOperation.validate`).
public enum FieldChange: Sendable, Hashable {
    /// Register: write `value`. `supersedes` lists the operations whose values the writer saw
    /// for this field (the current winner and any kept conflicts) and replaces: it is what
    /// resolves a conflict. Sorted, no duplicates, at most `maxSupersedes`.
    case set(field: String, value: FieldValue, supersedes: [OperationID])
    /// Add-wins set: add `element`; the tag of this add is (operation id, element).
    case add(field: String, element: String)
    /// Add-wins set: remove `element` by cancelling the add tags the writer observed.
    /// A concurrent add (not observed) survives. Sorted, no duplicates.
    case remove(field: String, element: String, observed: [OperationID])
    /// Counter: add `amount` (1...maxIncrement) to this replica's part.
    case increment(field: String, amount: UInt64)
    /// Status: move to `state` within `epoch`; the merge keeps the highest (epoch, rank).
    case advance(field: String, epoch: UInt32, state: String)
    /// Status: explicitly reopen, starting `epoch` (the writer's epoch + 1) at the lattice's
    /// reopen state. The only way a status ever goes "back".
    case reopen(field: String, epoch: UInt32)

    public static let maxSupersedes = 64
    public static let maxIncrement: UInt64 = 1_000_000

    public var field: String {
        switch self {
        case let .set(f, _, _), let .add(f, _), let .remove(f, _, _), let .increment(f, _), let .advance(f, _, _), let .reopen(f, _):
            return f
        }
    }

    public var changeName: String {
        switch self {
        case .set: "set"
        case .add: "add"
        case .remove: "remove"
        case .increment: "increment"
        case .advance: "advance"
        case .reopen: "reopen"
        }
    }
}
