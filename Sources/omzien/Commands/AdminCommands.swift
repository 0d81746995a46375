import Foundation
import OmzienClient
import OmzienProtocol

/// Shared by the `admin` commands: which server, which token.
struct AdminContext {
    /// `--server URL`, read by `serverURL`; the partner and account commands take it too.
    static let serverOption = Option.text("server", "URL", "the sync server", default: .described("$OMZIEN_SERVER or http://127.0.0.1:8080"))
    /// The options every admin command takes, read by `init`.
    static let options: [Option] = [
        serverOption,
        .text("token", "TOKEN", "the admin token", default: .described("$OMZIEN_ADMIN_TOKEN, or --token-file")),
        .text("token-file", "PATH", "read the token from PATH", default: .described("omzien-server.sqlite.admin-token")),
        .flag("json", "print the answer as JSON"),
    ]

    let client: SyncClient
    let json: Bool

    /// `--server`, else `$OMZIEN_SERVER`, else the local default; must be an http(s) URL.
    static func serverURL(_ args: inout ArgumentReader) throws -> URL {
        let server = args.value("server") ?? ProcessInfo.processInfo.environment["OMZIEN_SERVER"] ?? "http://127.0.0.1:8080"
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw CLIError.usage("--server must be an http(s) URL like http://127.0.0.1:8080, got '\(server)'", command: args.command)
        }
        return url
    }

    init(_ args: inout ArgumentReader) throws {
        let env = ProcessInfo.processInfo.environment
        let url = try Self.serverURL(&args)
        var token = args.value("token") ?? env["OMZIEN_ADMIN_TOKEN"]
        let file = args.value("token-file")
        if token == nil {
            let path = file ?? "omzien-server.sqlite.admin-token"
            token = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if token == nil {
                throw CLIError.usage("no admin token: pass --token, set OMZIEN_ADMIN_TOKEN, or --token-file (tried '\(path)')", command: args.command)
            }
        }
        client = SyncClient(baseURL: url, token: token, retry: .none)
        json = args.flag("json")
    }

    /// A context for another kind of token (a person's own, `account tokens`).
    init(client: SyncClient, json: Bool) {
        self.client = client
        self.json = json
    }

    func call<T: Codable>(_ method: String, _ path: String, body: (any Encodable)? = nil, as: T.Type) throws -> T {
        do {
            return try client.call(method, path, body: body, as: T.self)
        } catch let e as ClientError {
            throw ServerFailure.cliError(e, server: client.baseURL.absoluteString,
                                         unreachable: "check --server or OMZIEN_SERVER and that the server runs; nothing was changed")
        }
    }

    func print<T: Encodable>(_ value: T, text: () -> Void) throws {
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Output.line(String(decoding: try e.encode(value), as: UTF8.self))
        } else {
            text()
        }
    }
}

struct AdminRegionAddCommand: Command {
    static let name = "admin region add"
    static let summary = "create a region (the area a welfare partner covers)"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the region id")],
        options: [.text("name", "NAME", "the region's name", required: true)] + AdminContext.options)
    let context: AdminContext, id: String, regionName: String
    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        regionName = args.string("name")
        context = try AdminContext(&args)
    }
    func run() throws {
        let r = try context.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: id, name: regionName), as: RegionInfo.self)
        try context.print(r) { Output.line("Created region \(r.id) (\(r.name)).") }
    }
}

struct AdminStoreAddCommand: Command {
    static let name = "admin store add"
    static let summary = "create a store in a region"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the store id")],
        options: [.text("region", "REGION", "the region it belongs to", required: true),
                  .text("name", "NAME", "the store's name", required: true)] + AdminContext.options)
    let context: AdminContext, id: String, region: String, storeName: String
    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        region = args.string("region")
        storeName = args.string("name")
        context = try AdminContext(&args)
    }
    func run() throws {
        let s = try context.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: id, region: region, name: storeName), as: StoreInfo.self)
        try context.print(s) { Output.line("Created store \(s.id) (\(s.name)) in region \(s.region).") }
    }
}

struct AdminEnrollCommand: Command {
    static let name = "admin enroll"
    static let summary = "make a one-time enrollment code for a new device of a store"
    static let declaration = Declaration(
        options: [.text("store", "STORE", "the store the device belongs to", required: true),
                  .integer("hours", "1-168", in: 1...168, "how long the code is valid", default: 24)] + AdminContext.options)
    let context: AdminContext, store: String, hours: Int
    init(_ args: inout ArgumentReader) throws {
        store = args.string("store")
        hours = args.integer("hours")
        context = try AdminContext(&args)
    }
    func run() throws {
        let c = try context.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: store, expiresInHours: hours), as: EnrollmentCodeResponse.self)
        try context.print(c) {
            Output.line("Enrollment code for \(c.store): \(c.code) (valid \(hours) h, once).")
            Output.line("On the device: omzien device enroll --server URL --code \(c.code)")
        }
    }
}

struct AdminListCommand: Command {
    static let name = "admin list"
    static let summary = "list regions, stores, partners or devices"
    static let declaration = Declaration(
        arguments: [Argument("regions|stores|partners|devices", "what to list")],
        options: AdminContext.options)
    let context: AdminContext, what: String
    init(_ args: inout ArgumentReader) throws {
        what = args.positional()
        guard ["regions", "stores", "partners", "devices"].contains(what) else {
            throw CLIError.usage("list regions, stores, partners or devices, not '\(what)'", command: Self.name)
        }
        context = try AdminContext(&args)
    }
    func run() throws {
        switch what {
        case "regions":
            let list = try context.call("GET", "v1/admin/regions", as: [RegionInfo].self)
            try context.print(list) { Output.table(["REGION", "NAME"], list.map { [$0.id, $0.name] }) }
        case "stores":
            let list = try context.call("GET", "v1/admin/stores", as: [StoreInfo].self)
            try context.print(list) { Output.table(["STORE", "REGION", "NAME"], list.map { [$0.id, $0.region, $0.name] }) }
        case "partners":
            let list = try context.call("GET", "v1/admin/partners", as: [PartnerInfo].self)
            try context.print(list) {
                Output.table(["PARTNER", "REGION", "NAME", "ACTIVE TOKENS", "TOKEN EXPIRES"],
                             list.map { [$0.id, $0.region, $0.name, "\($0.activeTokens)", $0.tokenExpiresAt.map { ExpiryText.utc($0) } ?? "none: rotate with 'admin partner token'"] })
            }
        default:
            let list = try context.call("GET", "v1/admin/devices", as: [DeviceInfo].self)
            try context.print(list) {
                Output.table(["DEVICE", "STORE", "LABEL", "OPERATIONS HELD", "QUARANTINED", "LAST PUSH", "OUTCOME", "STATE"],
                             list.map { [$0.replica, $0.store, $0.label ?? "", "\($0.held)", $0.quarantined.map { "\($0)" } ?? "",
                                         $0.lastPushAt.map { ExpiryText.utc($0) } ?? "-", $0.lastPushOutcome ?? "-", $0.revoked ? "revoked" : "active"] })
            }
        }
    }
}

struct AdminRevokeCommand: Command {
    static let name = "admin revoke"
    static let summary = "revoke a device's token and have it erase its local data (its operations already sent stay)"
    static let declaration = Declaration(
        arguments: [Argument("DEVICE", "the device (replica id, see 'omzien admin list devices')")],
        options: [.flag("keep-data", "revoke without the wipe: the device gets a plain 401 and keeps its file (to recover unsent "
                        + "work by hand first; revoke again without --keep-data to wipe it afterwards)")] + AdminContext.options,
        about: """
        Revokes the device's token. By default the device is also told to erase its local
        database at its next contact (any request): a lost or retired tablet keeps nothing
        (PRIVACY.md R-PRIV-10). Whatever the device recorded but has not sent yet is then lost:
        the server cannot know how much that is ('admin list devices' shows what it holds).
        """)
    let context: AdminContext, replica: String, keepData: Bool
    init(_ args: inout ArgumentReader) throws {
        replica = args.positional()
        keepData = args.flag("keep-data")
        context = try AdminContext(&args)
    }
    func run() throws {
        if !keepData {
            // R-PRIV-11: before the wipe is ordered, say what it costs.
            Output.error("warning: \(replica) will erase its local database at its next contact; whatever it recorded and has not sent yet is lost (use --keep-data to revoke without the wipe).")
        }
        let d = try context.call("POST", "v1/admin/devices/\(replica)/revoke", body: RevokeDeviceRequest(wipe: !keepData), as: DeviceInfo.self)
        try context.print(d) {
            if d.wipe == true {
                Output.line("Revoked \(d.replica) of \(d.store): at its next contact it is told to erase its local data. The server keeps the \(d.held) operations it holds from it.")
            } else {
                Output.line("Revoked \(d.replica) of \(d.store) without a wipe; it gets 401 from now on and keeps its local data.")
            }
        }
    }
}

struct AdminStoreMoveCommand: Command {
    static let name = "admin store move"
    static let summary = "move a store to another region; its open referrals go to that region's partner"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the store id")],
        options: [.text("region", "REGION", "the region it moves to", required: true)] + AdminContext.options)
    let context: AdminContext, id: String, region: String
    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        region = args.string("region")
        context = try AdminContext(&args)
    }
    func run() throws {
        let m = try context.call("POST", "v1/admin/stores/\(id)/move", body: MoveStoreRequest(region: region), as: MoveStoreResponse.self)
        try context.print(m) {
            Output.line("Moved \(m.store) from \(m.fromRegion) to \(m.toRegion); \(m.handedOver.count) open referral(s) handed over to \(m.toRegion)'s partner.")
        }
    }
}
