import Foundation
import OmzienClient
import OmzienProtocol

/// Shared by the `partner` commands: which server, which partner token.
struct PartnerContext {
    static let help = """
          --server URL     the sync server (default: $OMZIEN_SERVER or http://127.0.0.1:8080)
          --token TOKEN    the partner token (default: $OMZIEN_PARTNER_TOKEN)
        """
    static let options: Set<String> = ["server", "token"]
    let client: SyncClient

    init(_ args: inout ArgumentReader) throws {
        let url = try AdminContext.serverURL(&args)
        guard let token = args.option("token") ?? ProcessInfo.processInfo.environment["OMZIEN_PARTNER_TOKEN"] else {
            throw CLIError.usage("no partner token: pass --token or set OMZIEN_PARTNER_TOKEN", command: args.command)
        }
        client = SyncClient(baseURL: url, token: token)
    }

    func call<T: Decodable>(_ method: String, _ path: String, query: [String: String] = [:], body: (any Encodable)? = nil, as: T.Type) throws -> T {
        do {
            return try client.call(method, path, query: query, body: body, as: T.self)
        } catch let e as ClientError {
            if case .offline = e { throw CLIError.unavailable(e.description) }
            if case let .problem(p) = e, [400, 404, 409, 422].contains(p.status) { throw CLIError.dataError(e.description) }
            throw CLIError.failure(e.description)
        }
    }

    static func row(_ r: ReferralView) -> [String] {
        if r.erased == true { return [r.id, r.store, "-", "erased by the store: delete your copy", "", ""] }
        let contact = r.consent == "given" ? (r.contact ?? "-") : "(\(r.consent ?? "not asked"))"
        return [r.id, r.store, r.urgency ?? "-", r.status ?? "-", (r.indicators ?? []).joined(separator: "+"), contact]
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

struct PartnerPullCommand: Command {
    static let name = "partner pull"
    static let summary = "fetch the referrals of your region that changed (table, --json or --csv)"
    static let usage = """
        usage: omzien partner pull [--cursor-file PATH] [--from-start] [--json | --csv] [--server URL] [--token TOKEN]

        Prints the referrals that changed since the last pull and remembers where it got to in
        the cursor file (default: omzien-partner.cursor). Every referral fetched is recorded in
        the server's audit log.
          --from-start        ignore the cursor file and fetch every referral
          --csv               one line per referral, for import into a case system
        \(PartnerContext.help)
        """
    static let valueOptions: Set<String> = PartnerContext.options.union(["cursor-file"])
    let context: PartnerContext, cursorFile: String, fromStart: Bool, json: Bool, csv: Bool

    init(_ args: inout ArgumentReader) throws {
        cursorFile = args.option("cursor-file", default: "omzien-partner.cursor")
        fromStart = args.flag("from-start")
        json = args.flag("json")
        csv = args.flag("csv")
        if json && csv { throw CLIError.usage("choose --json or --csv, not both", command: Self.name) }
        context = try PartnerContext(&args)
    }

    func run() throws {
        var cursor = fromStart ? "" : ((try? String(contentsOfFile: cursorFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        var all: [ReferralView] = []
        while true {
            let page = try context.call("GET", "v1/partner/referrals", query: ["cursor": cursor], as: ReferralPage.self)
            all += page.referrals
            cursor = page.cursor
            if !page.more { break }
        }
        // Later pages carry newer versions of a referral: keep the last one of each.
        var latest: [String: ReferralView] = [:]
        var order: [String] = []
        for r in all {
            if latest[r.id] == nil { order.append(r.id) }
            latest[r.id] = r
        }
        let referrals = order.map { latest[$0]! }
        do { try (cursor + "\n").write(toFile: cursorFile, atomically: true, encoding: .utf8) } catch {
            throw CLIError.io("cannot write the cursor file '\(cursorFile)': \(error.localizedDescription)")
        }
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Output.line(String(decoding: try e.encode(referrals), as: UTF8.self))
        } else if csv {
            Output.line("id,store,region,observedAt,urgency,status,epoch,indicators,consent,contact,outcome,declineReason,erased,note")
            for r in referrals {
                let fields = [r.id, r.store, r.region, r.observedAt.map(String.init) ?? "", r.urgency ?? "", r.status ?? "", r.epoch.map(String.init) ?? "",
                              (r.indicators ?? []).joined(separator: ";"), r.consent ?? "", r.contact ?? "", r.outcome ?? "", r.declineReason ?? "",
                              r.erased == true ? "true" : "", r.note ?? ""]
                Output.line(fields.map(PartnerContext.csvField).joined(separator: ","))
            }
        } else if referrals.isEmpty {
            Output.line("No referrals changed since the last pull.")
        } else {
            Output.table(["REFERRAL", "STORE", "URGENCY", "STATUS", "INDICATORS", "CONTACT"], referrals.map(PartnerContext.row))
        }
    }
}

struct PartnerShowCommand: Command {
    static let name = "partner show"
    static let summary = "show one referral of your region"
    static let usage = "usage: omzien partner show ID [--json] [--server URL] [--token TOKEN]\n" + PartnerContext.help
    static let valueOptions: Set<String> = PartnerContext.options
    let context: PartnerContext, id: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        id = try args.positional("the referral id")
        json = args.flag("json")
        context = try PartnerContext(&args)
    }

    func run() throws {
        let r = try context.call("GET", "v1/partner/referrals/\(id)", as: ReferralView.self)
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            Output.line(String(decoding: try e.encode(r), as: UTF8.self))
            return
        }
        let lines: [(String, String?)] = [("referral", r.id), ("store", r.store), ("region", r.region), ("urgency", r.urgency), ("status", r.status.map { "\($0) (epoch \(r.epoch ?? 0))" }),
                                          ("indicators", r.indicators?.joined(separator: ", ")), ("note", r.note), ("consent", r.consent), ("contact", r.contact),
                                          ("outcome", r.outcome), ("decline", r.declineReason), ("erased", r.erased == true ? "yes: delete your copy" : nil)]
        for (k, v) in lines { if let v { Output.line(k.padding(toLength: 11, withPad: " ", startingAt: 0) + v) } }
    }
}

struct PartnerUpdateCommand: Command {
    static let name = "partner update"
    static let summary = "post follow-up on a referral (accepted, contact, closed…)"
    static let usage = """
        usage: omzien partner update ID --state STATE [--outcome O] [--reason TEXT] [--case-note TEXT] [--author NAME] [--server URL] [--token TOKEN]

          --state STATE     accepted, contact-attempted, in-contact, closed (needs --outcome),
                            declined (needs --reason), reopened
          --outcome O       linked-to-activity, home-visit, referred-elsewhere, no-help-wanted, unreachable, other
          --reason TEXT     why the referral was declined (the store sees it)
          --case-note TEXT  your internal note: kept on the server, never shown to the store
          --author NAME     your pseudonym (default: partner:<your partner id>)
        \(PartnerContext.help)
        """
    static let valueOptions: Set<String> = PartnerContext.options.union(["state", "outcome", "reason", "case-note", "author"])
    let context: PartnerContext, id: String, request: ReferralUpdateRequest

    init(_ args: inout ArgumentReader) throws {
        id = try args.positional("the referral id")
        let state = try args.requiredOption("state", "accepted, contact-attempted, in-contact, closed, declined or reopened")
        request = ReferralUpdateRequest(state: state, outcome: args.option("outcome"), declineReason: args.option("reason"),
                                        caseNote: args.option("case-note"), author: args.option("author"))
        context = try PartnerContext(&args)
    }

    func run() throws {
        let r = try context.call("POST", "v1/partner/referrals/\(id)/status", body: request, as: ReferralView.self)
        Output.line("Referral \(r.id) is now \(r.status ?? "-")\(r.outcome.map { " (\($0))" } ?? ""). The store sees it on its next sync.")
    }
}

struct AdminPartnerAddCommand: Command {
    static let name = "admin partner add"
    static let summary = "create the welfare partner of a region and print its token"
    static let usage = "usage: omzien admin partner add ID --region REGION --name NAME [--server URL] [--token TOKEN] [--json]\n" + AdminContext.help
    static let valueOptions: Set<String> = AdminContext.options.union(["name", "region"])
    let context: AdminContext, id: String, region: String, partnerName: String
    init(_ args: inout ArgumentReader) throws {
        id = try args.positional("the partner id")
        region = try args.requiredOption("region", "the region it covers")
        partnerName = try args.requiredOption("name", "the organisation's name")
        context = try AdminContext(&args)
    }
    func run() throws {
        let p = try context.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: id, region: region, name: partnerName), as: PartnerCreated.self)
        try context.print(p) {
            Output.line("Created partner \(p.id) (\(p.name)) for region \(p.region).")
            Output.line("Its token (shown once; give it to the partner): \(p.token)")
            Output.line("The token expires \(ExpiryText.utc(p.tokenExpiresAt)); renew it with 'omzien admin partner token \(p.id)'.")
        }
    }
}
