import Foundation
import OmzienProtocol

/// When a token expires, for people: "2026-03-02 16:15 UTC".
enum ExpiryText {
    static func utc(_ millis: UInt64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}

struct AdminHeadOfficeTokenCommand: Command {
    static let name = "admin headoffice-token"
    static let summary = "issue a head-office token (aggregate reports only)"
    static let usage = "usage: omzien admin headoffice-token [--server URL] [--token TOKEN] [--json]\n\nPrints the new token once.\n" + AdminContext.help
    static let valueOptions: Set<String> = AdminContext.options
    let context: AdminContext
    init(_ args: inout ArgumentReader) throws { context = try AdminContext(&args) }
    func run() throws {
        let t = try context.call("POST", "v1/admin/headoffice-tokens", as: HeadOfficeTokenResponse.self)
        try context.print(t) { Output.line("Head-office token (shown once; it can read aggregate reports only): \(t.token)") }
    }
}

struct AdminPartnerTokenCommand: Command {
    static let name = "admin partner token"
    static let summary = "issue a new token for a welfare partner (renewal), optionally revoking its others"
    static let usage = """
        usage: omzien admin partner token ID [--days 1-365] [--revoke-others] [--server URL] [--token TOKEN] [--json]

        Issues a new partner token valid for --days (default 90) and prints it once, with when
        it expires. --revoke-others revokes the partner's earlier tokens at once (a lost or
        leaked token); without it they keep working until they expire (a planned renewal).

        """ + AdminContext.help
    static let valueOptions: Set<String> = AdminContext.options.union(["days"])
    let context: AdminContext, id: String, days: Int, revokeOthers: Bool
    init(_ args: inout ArgumentReader) throws {
        id = try args.positional("the partner id")
        days = try args.integer("days", default: 90, range: 1...365)
        revokeOthers = args.flag("revoke-others")
        context = try AdminContext(&args)
    }
    func run() throws {
        let p = try context.call("POST", "v1/admin/partners/\(id)/tokens", body: PartnerTokenRequest(tokenDays: days, revokeOthers: revokeOthers), as: PartnerCreated.self)
        try context.print(p) {
            Output.line("New token for partner \(p.id) (shown once; give it to the partner): \(p.token)")
            Output.line("It expires \(ExpiryText.utc(p.tokenExpiresAt))." + (revokeOthers ? " Its earlier tokens are revoked." : " Its earlier tokens work until they expire."))
        }
    }
}
