import OmzienModel
import OmzienStore

extension DeviceSync {
    /// The drop-box step of a sync (Protocol/PRIVACY.md R-PRIV-31): after the push was
    /// acknowledged and the pull applied, every submitted signal whose writes by this device
    /// the server durably holds keeps only what the store needs (`StoreAudience`); the note
    /// and contact are dropped from the file's bytes. A draft keeps everything.
    @discardableResult
    func dropDelivered(_ store: ReplicaStore, progress: ((String) -> Void)?) throws -> ReplicaStore.DropReport {
        let report = try store.dropWithheldValues()
        try store.dropClearedText()  // comments a purge cleared, here or on the server (R-PRIV-19)
        if !report.records.isEmpty {
            progress?("kept only what the store needs of \(report.records.count) submitted signal\(report.records.count == 1 ? "" : "s"): the server holds their notes and contacts")
        }
        return report
    }
}
