import OmzienClient

/// What `device sync` says after the server ordered this device to erase its data
/// (PRIVACY.md R-PRIV-12): which files went, how many records, and how many unsent
/// operations were dropped by the operator's choice.
enum RevocationWipeOutput {
    static func print(_ w: DeviceSync.WipeReport, json: Bool) {
        if json {
            try? Output.json(["wiped": true, "files": w.files, "records": w.records, "droppedUnsent": w.droppedUnsent, "reason": w.reason])
            return
        }
        Output.line("This device was revoked, and the operator asked it to erase its data: \(w.reason)")
        Output.line("Erased \(w.files.count) files (\(w.files.joined(separator: ", "))): \(w.records) records.")
        Output.line(w.droppedUnsent == 0
            ? "Nothing unsent was lost."
            : "\(w.droppedUnsent) unsent operations were dropped, by the operator's choice; they never reached the server.")
        Output.line("To use this device again, enroll it with a new code: omzien device enroll --server URL --code CODE")
    }
}
