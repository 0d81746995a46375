extension RecordState {
    /// The state every replica holds of an erased record: erased, no field. What an erase
    /// leaves (`apply(.erase)`), built without the operation for a copy that is not a replica
    /// in sync: a backup file the server scrubs (Protocol/PRIVACY.md R-PRIV-34).
    public static func tombstone(_ ref: RecordRef) -> RecordState {
        RecordState(ref: ref, erased: true, fields: [:])
    }
}
