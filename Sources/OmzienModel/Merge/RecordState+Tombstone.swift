extension RecordState {
    /// The state every replica holds of an erased record: erased, no field. What an erase
    /// leaves (`apply(.erase)`), built without the operation for a copy that is not a replica
    /// in sync: a backup file the server scrubs (Protocol/PRIVACY.md R-PRIV-34).
    public static func tombstone(_ ref: RecordRef) -> RecordState {
        RecordState(ref: ref, erased: true, fields: [:])
    }
}

extension RecordState {
    /// This state with every non-null value of `names` (registers: the winner and every kept
    /// conflict) replaced by `FieldValue.withheld`, everything the merge needs kept: the
    /// store audience's projection (`StoreAudience`), and a backup's copy of a cleared text
    /// (PRIVACY.md R-PRIV-34).
    public func withholding<S: Sequence>(_ names: S) -> RecordState where S.Element == String {
        var projected = fields
        for name in names {
            guard case let .register(reg)? = projected[name] else { continue }
            let heads = reg.heads.map { $0.value == .null ? $0 : RegisterState.Head(op: $0.op, timestamp: $0.timestamp, value: .withheld) }
            projected[name] = .register(RegisterState(heads: heads, superseded: reg.superseded))
        }
        return RecordState(ref: ref, erased: erased, fields: projected)
    }
}
