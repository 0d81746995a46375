import Foundation
import OmzienProtocol

/// `omzien admin quarantine list|release` (SYNC.md R-SYNC-14).
struct AdminQuarantineListCommand: Command {
    static let name = "admin quarantine list"
    static let summary = "list operations held back because their device's clock is too far ahead"
    static let declaration = Declaration(options: AdminContext.options, about: """
        Shows, per device, the operations the server keeps in quarantine: stamped further in the
        future than the allowed drift ('serve --max-drift-ms'), or following such an operation.
        No payloads are shown. They are applied by themselves once the server's clock catches up;
        'omzien admin quarantine release DEVICE' applies them now.
        """)
    let context: AdminContext
    init(_ args: inout ArgumentReader) throws { context = try AdminContext(&args) }

    func run() throws {
        let list = try context.call("GET", "v1/admin/quarantine", as: [QuarantineEntry].self)
        try context.print(list) {
            guard !list.isEmpty else { Output.line("Nothing is in quarantine."); return }
            Output.table(["OPERATION", "STORE", "CLOCK AHEAD", "PARKED AT", "REASON"],
                         list.map { [$0.operation, $0.store, QuarantineText.ahead($0.aheadMillis), QuarantineText.localTime($0.receivedAt), $0.reason] })
            let devices = Set(list.map(\.replica)).count
            Output.line("\(list.count.counted("operation")) of \(devices.counted("device")); release with 'omzien admin quarantine release DEVICE'.")
        }
    }
}

struct AdminQuarantineReleaseCommand: Command {
    static let name = "admin quarantine release"
    static let summary = "apply a device's quarantined operations now, whatever their clock"
    static let declaration = Declaration(
        arguments: [Argument("DEVICE", "the device (replica id, see 'omzien admin quarantine list')")],
        options: AdminContext.options,
        about: """
        Applies every quarantined operation of DEVICE (a replica id from 'admin quarantine list')
        now. Do this once you know the device's clock was wrong and its operations are wanted;
        fix the clock first, or its next operations are quarantined again.
        """)
    let context: AdminContext, replica: String
    init(_ args: inout ArgumentReader) throws {
        replica = args.positional()
        context = try AdminContext(&args)
    }

    func run() throws {
        let r = try context.call("POST", "v1/admin/quarantine/\(replica)/release", as: QuarantineReleaseResponse.self)
        try context.print(r) {
            Output.line("Released \(r.released.counted("operation")) of \(r.replica); the server now holds \(r.held) of its log.")
        }
    }
}

enum QuarantineText {
    static func ahead(_ ms: UInt64) -> String {
        if ms == 0 { return "due" }
        if ms >= 86_400_000 { return String(format: "%.1f days", Double(ms) / 86_400_000) }
        if ms >= 3_600_000 { return String(format: "%.1f hours", Double(ms) / 3_600_000) }
        return "\(max(ms / 60_000, 1)) min"
    }

    /// Local date and time, to the minute.
    static func localTime(_ ms: UInt64) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm"
        f.timeZone = .current
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
