/// How concurrent changes to a field combine. Every field of every record declares one.
public enum MergeKind: Sendable, Hashable, CustomStringConvertible {
    /// Last writer wins, ordered by (HLC timestamp, replica id, sequence). With
    /// `keepsConflicts` (human-written fields) the values of concurrent writes that lost
    /// stay visible as conflicts until someone writes the field having seen them.
    case register(keepsConflicts: Bool)
    /// A forward-only status: (epoch, rank) joined by maximum. Reopening is an explicit
    /// change that starts a new epoch.
    case status(StatusLattice)
    /// A grow-only counter kept per replica; the value is the sum.
    case counter
    /// An add-wins set of strings: a remove cancels only the adds it observed.
    case addWinsSet

    public var name: String {
        switch self {
        case .register: "register"
        case .status: "status"
        case .counter: "counter"
        case .addWinsSet: "add-wins set"
        }
    }

    public var description: String { name }
}

/// The states of a forward-only status field, lowest rank first.
public struct StatusLattice: Sendable, Hashable {
    public let states: [String]
    /// The state a reopen moves to (in the new epoch).
    public let reopenState: String

    public init(states: [String], reopenState: String) {
        precondition(states.contains(reopenState))
        precondition(Set(states).count == states.count)
        self.states = states
        self.reopenState = reopenState
    }

    public func rank(of state: String) -> Int? { states.firstIndex(of: state) }
}
