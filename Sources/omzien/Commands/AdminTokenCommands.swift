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
    static let summary = "issue a head-office token (aggregate reports only); see also 'list' and 'revoke'"
    static let declaration = Declaration(
        options: [.integer("days", "1-365", in: 1...365, "how long the token is valid", default: 90),
                  .text("label", "TEXT", "whose token it is (\"controlling, Marieke\")")] + AdminContext.options,
        about: """
        Issues a head-office token valid for --days (default 90) and prints it once, with its
        id and when it expires. --label says whose it is ("controlling, Marieke"); 'omzien admin
        headoffice-token list' shows ids and labels, 'omzien admin headoffice-token revoke ID'
        stops a token at once.
        """)
    let context: AdminContext, days: Int, label: String?
    init(_ args: inout ArgumentReader) throws {
        days = args.integer("days")
        label = args.value("label")
        context = try AdminContext(&args)
    }
    func run() throws {
        let t = try context.call("POST", "v1/admin/headoffice-tokens", body: HeadOfficeTokenRequest(tokenDays: days, label: label), as: HeadOfficeTokenResponse.self)
        try context.print(t) {
            Output.line("Head-office token \(t.id) (shown once; it can read aggregate reports only): \(t.token)")
            Output.line("It expires \(ExpiryText.utc(t.expiresAt)). Revoke it with: omzien admin headoffice-token revoke \(t.id)")
        }
    }
}

struct AdminHeadOfficeTokenListCommand: Command {
    static let name = "admin headoffice-token list"
    static let summary = "list head-office tokens: id, label, created, expires, revoked (never the token)"
    static let declaration = Declaration(options: AdminContext.options)
    let context: AdminContext
    init(_ args: inout ArgumentReader) throws { context = try AdminContext(&args) }
    func run() throws {
        let list = try context.call("GET", "v1/admin/headoffice-tokens", as: [HeadOfficeTokenInfo].self)
        try context.print(list) {
            if list.isEmpty { return Output.line("No head-office tokens. 'omzien admin headoffice-token' issues one.") }
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            Output.table(["ID", "LABEL", "CREATED", "EXPIRES", "STATE"], list.map { t in
                let state = t.revokedAt.map { "revoked \(ExpiryText.utc($0))" } ?? (t.expiresAt <= now ? "expired" : "valid")
                return [t.id, t.label ?? "-", ExpiryText.utc(t.createdAt), ExpiryText.utc(t.expiresAt), state]
            })
        }
    }
}

struct AdminHeadOfficeTokenRevokeCommand: Command {
    static let name = "admin headoffice-token revoke"
    static let summary = "revoke a head-office token by its id (it stops working at once)"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the token id: its first 12 characters (omz_h_…, as 'omzien admin headoffice-token list' shows)")],
        options: AdminContext.options)
    let context: AdminContext, id: String
    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        context = try AdminContext(&args)
    }
    func run() throws {
        let t = try context.call("POST", "v1/admin/headoffice-tokens/\(id)/revoke", as: HeadOfficeTokenInfo.self)
        try context.print(t) { Output.line("Head-office token \(t.id)\(t.label.map { " (\($0))" } ?? "") is revoked; it no longer reads reports.") }
    }
}

struct AdminPartnerTokenCommand: Command {
    static let name = "admin partner token"
    static let summary = "issue a new token for a welfare partner (renewal), optionally revoking its others"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the partner id")],
        options: [.integer("days", "1-365", in: 1...365, "how long the token is valid", default: 90),
                  .flag("revoke-others", "revoke the partner's earlier tokens at once")] + AdminContext.options,
        about: """
        Issues a new partner token valid for --days (default 90) and prints it once, with when
        it expires. --revoke-others revokes the partner's earlier tokens at once (a lost or
        leaked token); without it they keep working until they expire (a planned renewal).
        """)
    let context: AdminContext, id: String, days: Int, revokeOthers: Bool
    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        days = args.integer("days")
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
