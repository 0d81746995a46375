import OmzienModel
import OmzienStore

extension SyncService {
    /// Every record of `kind` as the server holds it (whole, not the store-audience
    /// projection of `digest(store:)`): what the simulation's retention check reads.
    public func records(kind: RecordKind) throws -> [RecordState] {
        try worker.read { store in try store.records(kind: kind) }
    }
}
