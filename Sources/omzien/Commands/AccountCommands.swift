import Foundation
import OmzienClient
import OmzienProtocol

/// Person accounts on the CLI (PARTNERS.md section 10): the admin (or, with its personal
/// token in --token, a partner's coordinator) adds, lists, disables and enables accounts;
/// a person gets a personal token for the CLI with its own name and password.
struct AdminAccountAddCommand: Command {
    static let name = "admin account add"
    static let summary = "add a person's account: a partner worker or coordinator, or head-office staff"
    static let declaration = Declaration(
        options: [.text("name", "NAME", "the account's name", required: true),
                  .text("partner", "ID", "the partner organisation the person works for (with --role)"),
                  .text("role", "worker|coordinator", "the person's role at the partner"),
                  .flag("head-office", "the person is head-office staff (instead of --partner and --role)"),
                  .flag("password-stdin", "read the initial password from the first line of stdin")] + AdminContext.options,
        about: """
        Adds the account NAME (2-32 characters a-z 0-9 . _ -, unique on the server; the audit
        log names the person as partner:ID:NAME or headoffice:NAME). Without --password-stdin
        the server makes up an initial password and this prints it once; with it, the first
        line of stdin is the password (at least 12 characters). A partner's coordinator may add
        workers of its own organisation with its personal token in --token.
        """)
    let context: AdminContext, request: CreateAccountRequest
    init(_ args: inout ArgumentReader) throws {
        let name = args.string("name")
        let partner = args.value("partner"), role = args.value("role"), headOffice = args.flag("head-office")
        guard headOffice != (partner != nil) else { throw CLIError.usage("pass --partner ID with --role, or --head-office", command: Self.name) }
        if partner != nil, role != "worker", role != "coordinator" { throw CLIError.usage("--role must be worker or coordinator", command: Self.name) }
        var password: String?
        if args.flag("password-stdin") {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIError.usage("--password-stdin: stdin had no password line", command: Self.name) }
            password = line
        }
        request = CreateAccountRequest(partner: partner, headOffice: headOffice ? true : nil, name: name, role: headOffice ? nil : role, password: password)
        context = try AdminContext(&args)
    }
    func run() throws {
        let created = try context.call("POST", "v1/accounts", body: request, as: AccountCreated.self)
        try context.print(created) {
            Output.line("Account \(created.account.name) (\(created.account.role), audit name \(created.account.actor)) added.")
            if let p = created.initialPassword { Output.line("Initial password (shown once; give it to the person in person): \(p)") }
            Output.line("Log in at /web/login, or get a CLI token: omzien account token --name \(created.account.name)")
        }
    }
}

struct AdminAccountListCommand: Command {
    static let name = "admin account list"
    static let summary = "list accounts: name, organisation, role, state (never a password)"
    static let declaration = Declaration(options: AdminContext.options)
    let context: AdminContext
    init(_ args: inout ArgumentReader) throws { context = try AdminContext(&args) }
    func run() throws {
        let list = try context.call("GET", "v1/accounts", as: [AccountInfo].self)
        try context.print(list) {
            if list.isEmpty { return Output.line("No accounts. 'omzien admin account add' adds one.") }
            Output.table(["NAME", "ORGANISATION", "ROLE", "STATE"], list.map { a in
                [a.name, a.partner ?? "head office", a.role, a.disabledAt != nil ? "disabled" : a.lockedUntil.map { "locked until \(ExpiryText.utc($0))" } ?? "active"]
            })
        }
    }
}

struct AdminAccountDisableCommand: Command {
    static let name = "admin account disable"
    static let summary = "disable an account: its sessions and personal tokens stop at once"
    static let declaration = Declaration(arguments: [Argument("NAME", "the account's name")], options: AdminContext.options)
    let context: AdminContext, account: String
    init(_ args: inout ArgumentReader) throws {
        account = args.positional()
        context = try AdminContext(&args)
    }
    func run() throws {
        let a = try context.call("POST", "v1/accounts/\(account)/disable", as: AccountInfo.self)
        try context.print(a) { Output.line("Account \(a.name) is disabled; 'omzien admin account enable \(a.name)' undoes it.") }
    }
}

struct AdminAccountEnableCommand: Command {
    static let name = "admin account enable"
    static let summary = "enable a disabled account again (also lifts a lockout)"
    static let declaration = Declaration(arguments: [Argument("NAME", "the account's name")], options: AdminContext.options)
    let context: AdminContext, account: String
    init(_ args: inout ArgumentReader) throws {
        account = args.positional()
        context = try AdminContext(&args)
    }
    func run() throws {
        let a = try context.call("POST", "v1/accounts/\(account)/enable", as: AccountInfo.self)
        try context.print(a) { Output.line("Account \(a.name) is enabled.") }
    }
}

struct AccountTokenCommand: Command {
    static let name = "account token"
    static let summary = "get a personal token for the CLI with your account's name and password"
    static let declaration = Declaration(
        options: [.text("name", "NAME", "your account's name", required: true),
                  .integer("days", "1-90", in: 1...90, "how long the token is valid", default: 30),
                  AdminContext.serverOption,
                  .flag("json", "print the token as JSON")],
        about: """
        Reads the password from the first line of stdin (or $OMZIEN_PASSWORD) and prints a
        personal token (omz_u_…, valid --days, default 30). Pass it as --token to the partner
        commands: the audit log then names you. Five wrong passwords lock the account 15 minutes.
        """)
    let server: URL, request: PersonalTokenRequest, json: Bool
    init(_ args: inout ArgumentReader) throws {
        let name = args.string("name")
        let days = args.integer("days")
        server = try AdminContext.serverURL(&args)
        json = args.flag("json")
        guard let password = ProcessInfo.processInfo.environment["OMZIEN_PASSWORD"] ?? readLine(strippingNewline: true), !password.isEmpty else {
            throw CLIError.usage("no password: write it on stdin or set OMZIEN_PASSWORD", command: Self.name)
        }
        request = PersonalTokenRequest(account: name, password: password, tokenDays: days)
    }
    func run() throws {
        let client = SyncClient(baseURL: server, token: nil, retry: .none)
        let t: PersonalTokenResponse
        do { t = try client.call("POST", "v1/accounts/token", body: request, as: PersonalTokenResponse.self) } catch let e as ClientError {
            throw CLIError.failure(e.description)
        }
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            Output.line(String(decoding: try e.encode(t), as: UTF8.self))
        } else {
            Output.line("Personal token for \(t.actor) (shown once, expires \(ExpiryText.utc(t.expiresAt))): \(t.token)")
        }
    }
}
