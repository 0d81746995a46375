/// The merged state of one field, by merge kind.
public enum FieldState: Sendable, Hashable {
    case register(RegisterState)
    case set(AddWinsSetState)
    case counter(CounterState)
    case status(StatusState)

    static func empty(for merge: MergeKind) -> FieldState? {
        switch merge {
        case .register: .register(RegisterState())
        case .addWinsSet: .set(AddWinsSetState())
        case .counter: .counter(CounterState())
        case .status: nil
        }
    }
}
