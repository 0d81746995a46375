import Foundation
import OmzienClient
import OmzienProtocol

/// A person's own password and personal tokens on the CLI (PARTNERS.md R-WEB-5, R-WEB-6), and
/// the reset by the admin or a partner's coordinator.
enum PersonalTokenContext {
    static let options: [Option] = [
        AdminContext.serverOption,
        .text("token", "TOKEN", "your personal token (omz_u_…)", default: .described("$OMZIEN_TOKEN")),
        .flag("json", "print the answer as JSON"),
    ]

    static func make(_ args: inout ArgumentReader) throws -> AdminContext {
        let url = try AdminContext.serverURL(&args)
        guard let token = args.value("token") ?? ProcessInfo.processInfo.environment["OMZIEN_TOKEN"] else {
            throw CLIError.usage("no personal token: pass --token or set OMZIEN_TOKEN ('omzien account token --name NAME' gets one)", command: args.command)
        }
        return AdminContext(client: SyncClient(baseURL: url, token: token, retry: .none), json: args.flag("json"))
    }
}

struct AccountTokensCommand: Command {
    static let name = "account tokens"
    static let summary = "list your personal tokens: id, created, expires, state (never the token)"
    static let declaration = Declaration(options: PersonalTokenContext.options)
    let context: AdminContext
    init(_ args: inout ArgumentReader) throws { context = try PersonalTokenContext.make(&args) }
    func run() throws {
        let list = try context.call("GET", "v1/accounts/tokens", as: [PersonalTokenInfo].self)
        try context.print(list) {
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            Output.table(["ID", "CREATED", "EXPIRES", "STATE"], list.map { t in
                let state = t.revokedAt.map { "revoked \(ExpiryText.utc($0))" } ?? (t.expiresAt <= now ? "expired" : "valid")
                return [t.id + (t.current ? " (this one)" : ""), ExpiryText.utc(t.createdAt), ExpiryText.utc(t.expiresAt), state]
            })
        }
    }
}

struct AccountRevokeTokenCommand: Command {
    static let name = "account revoke-token"
    static let summary = "revoke one of your personal tokens by its id (it stops working at once)"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the token's id: its first 12 characters, as 'omzien account tokens' shows")],
        options: PersonalTokenContext.options)
    let context: AdminContext, id: String
    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        context = try PersonalTokenContext.make(&args)
    }
    func run() throws {
        let t = try context.call("POST", "v1/accounts/tokens/\(id)/revoke", as: PersonalTokenInfo.self)
        try context.print(t) { Output.line("Token \(t.id) is revoked\(t.current ? " (it was the one this command used)" : "").") }
    }
}

struct AccountPasswordCommand: Command {
    static let name = "account password"
    static let summary = "change your password with the old one: your web sessions and personal tokens end"
    static let declaration = Declaration(
        options: [.text("name", "NAME", "your account's name", required: true), AdminContext.serverOption],
        about: """
        Reads the old password from the first line of stdin and the new one (at least 12
        characters) from the second, or $OMZIEN_PASSWORD and $OMZIEN_NEW_PASSWORD. Every web
        session and personal token of the account ends; get a new token with 'omzien account
        token'. A wrong old password counts towards the lockout like a failed login.
        """)
    let server: URL, request: PasswordChangeRequest
    init(_ args: inout ArgumentReader) throws {
        let name = args.string("name")
        server = try AdminContext.serverURL(&args)
        let env = ProcessInfo.processInfo.environment
        guard let old = env["OMZIEN_PASSWORD"] ?? readLine(strippingNewline: true), !old.isEmpty,
              let new = env["OMZIEN_NEW_PASSWORD"] ?? readLine(strippingNewline: true), !new.isEmpty else {
            throw CLIError.usage("write the old password on the first line of stdin and the new one on the second (or set OMZIEN_PASSWORD and OMZIEN_NEW_PASSWORD)", command: Self.name)
        }
        request = PasswordChangeRequest(account: name, password: old, newPassword: new)
    }
    func run() throws {
        let context = AdminContext(client: SyncClient(baseURL: server, token: nil, retry: .none), json: false)
        let a = try context.call("POST", "v1/accounts/password", body: request, as: AccountInfo.self)
        Output.line("Password of \(a.name) changed; its web sessions and personal tokens have ended.")
    }
}

struct AdminAccountResetCommand: Command {
    static let name = "admin account reset"
    static let summary = "give an account a new password (shown once): its sessions and personal tokens end"
    static let declaration = Declaration(
        arguments: [Argument("NAME", "the account's name")], options: AdminContext.options,
        about: """
        The server makes up the new password and this prints it once; a lockout is lifted. A
        partner's coordinator may reset the workers of its own organisation with its personal
        token in --token.
        """)
    let context: AdminContext, account: String
    init(_ args: inout ArgumentReader) throws {
        account = args.positional()
        context = try AdminContext(&args)
    }
    func run() throws {
        let reset = try context.call("POST", "v1/accounts/\(account)/password", as: AccountCreated.self)
        try context.print(reset) {
            Output.line("Account \(reset.account.name) has a new password; its web sessions and personal tokens have ended.")
            if let p = reset.initialPassword { Output.line("New password (shown once; give it to the person in person): \(p)") }
        }
    }
}
