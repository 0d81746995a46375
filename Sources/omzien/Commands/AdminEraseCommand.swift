import Foundation
import OmzienProtocol

/// `omzien admin erase --contact` (PRIVACY.md R-PRIV-13/14): a person asks to be forgotten
/// (GDPR art. 17) and gives the phone number or e-mail address they left at the store.
struct AdminEraseCommand: Command {
    static let name = "admin erase"
    static let summary = "erase every signal that carries a person's contact (a request under GDPR art. 17)"
    static let declaration = Declaration(
        options: [.text("contact", "TEXT", "the person's phone number or e-mail address (sent in the request body, never in a URL or a log line)", required: true),
                  .flag("dry-run", "only list the signals (by id) that would be erased")] + AdminContext.options,
        about: """
        Finds every signal whose contact (now, in a kept conflict, or in any earlier write)
        is this phone number or e-mail address, and erases it the way a store's erase does:
        every device and the partner receive the erase, the server's copies go (case notes,
        quarantine), and the erasure ledger keeps it through a restored backup. Cannot be
        undone. Phone numbers match whatever way they are written: 06-12345678,
        06 1234 5678, +31 6 12345678 and 0031612345678 are the same number.
        """)
    let context: AdminContext, contact: String, dryRun: Bool
    init(_ args: inout ArgumentReader) throws {
        contact = args.string("contact")
        dryRun = args.flag("dry-run")
        context = try AdminContext(&args)
    }
    func run() throws {
        let r = try context.call("POST", "v1/admin/erasures", body: ErasureRequest(contact: contact, dryRun: dryRun), as: ErasureResponse.self)
        try context.print(r) {
            if r.dryRun {
                Output.line(r.erased == 0 ? "No signal carries this contact; nothing would be erased." : "\(r.erased) signals carry this contact and would be erased:")
                for id in r.records { Output.line("  \(id)") }
                if r.erased > 0 { Output.line("Run again without --dry-run to erase them.") }
            } else {
                Output.line(r.erased == 0 ? "No signal carries this contact; nothing was erased."
                    : "Erased \(r.erased) signals. Every device and the partner receive the erase on their next sync.")
            }
        }
    }
}
