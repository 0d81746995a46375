import Foundation
import OmzienClient
import OmzienProtocol

/// Shared by the `partner` commands: which server, which partner token.
struct PartnerContext {
    /// The options every partner command takes, read by `init`.
    static let options: [Option] = [
        AdminContext.serverOption,
        .text("token", "TOKEN", "the partner token, or a person's token from 'omzien account token'", default: .described("$OMZIEN_PARTNER_TOKEN")),
    ]
    /// `--json`, for the commands that print referrals or notes.
    static let jsonOption = Option.flag("json", "print the answer as JSON")
    /// `--author NAME`, for the commands that write.
    static let authorOption = Option.text("author", "NAME", "your pseudonym, 2-48 characters of a-z 0-9 . _ - : (no names or spaces), e.g. partner:wz-noord:eline",
                                          default: .described("partner:<your partner id>"))
    /// `--csv` and `--csv-dialect`, for the commands that list referrals (PRIVACY.md R-PRIV-7).
    static let csvOptions: [Option] = [
        .flag("csv", "one line per referral, for import into a case system or a spreadsheet: starts with a UTF-8 BOM, times in ISO 8601 "
              + "local time, a field that starts with = + - @ gets a leading ' so it is never run as a formula; not with --json"),
        .choice("csv-dialect", CSVWriter.Dialect.allCases.map(\.rawValue), "excel (',') or excel-nl (';', for a Dutch spreadsheet); implies --csv",
                default: CSVWriter.Dialect.excel.rawValue),
    ]
    let client: SyncClient

    init(_ args: inout ArgumentReader) throws {
        let url = try AdminContext.serverURL(&args)
        guard let token = args.value("token") ?? ProcessInfo.processInfo.environment["OMZIEN_PARTNER_TOKEN"] else {
            throw CLIError.usage("no partner token: pass --token or set OMZIEN_PARTNER_TOKEN", command: args.command)
        }
        client = SyncClient(baseURL: url, token: token)
    }

    func call<T: Decodable>(_ method: String, _ path: String, query: [String: String] = [:], body: (any Encodable)? = nil, as: T.Type) throws -> T {
        do {
            return try client.call(method, path, query: query, body: body, as: T.self)
        } catch let e as ClientError {
            throw ServerFailure.cliError(e, server: client.baseURL.absoluteString,
                                         unreachable: "check --server or OMZIEN_SERVER and the network; nothing was changed")
        }
    }

    static func row(_ r: ReferralView) -> [String] {
        if r.erased == true { return [r.id, r.store, "-", "erased by the store: delete your copy", "", ""] }
        let contact = r.consent == "given" ? (r.contact ?? "-") : "(\(r.consent ?? "not asked"))"
        return [r.id, r.store, r.urgency ?? "-", r.status ?? "-", (r.indicators ?? []).joined(separator: "+"), contact]
    }
}

/// Where `partner pull` remembers how far a consumer got (R-PART-26): one cursor per consumer,
/// so a quick look does not empty the next export for the case system.
struct PartnerCursor {
    /// The options `init` reads.
    static let options: [Option] = [
        .text("cursor-name", "NAME", "whose cursor: each consumer has its own, kept in omzien-partner-NAME.cursor, so a quick look never empties the next export",
              default: .described("'table', 'csv' or 'json' by output")),
        .text("cursor-file", "PATH", "keep the cursor in PATH instead (not with --cursor-name)"),
    ]
    let name: String, path: String

    init(_ args: inout ArgumentReader, format: String) throws {
        let file = args.value("cursor-file"), named = args.value("cursor-name")
        if file != nil && named != nil { throw CLIError.usage("choose --cursor-name or --cursor-file, not both", command: args.command) }
        if let named {
            guard !named.isEmpty, named.utf8.count <= 64, named.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }) else {
                throw CLIError.usage("--cursor-name must be 1-64 characters of a-z, 0-9, '.', '_' and '-', got '\(named)'", command: args.command)
            }
        }
        if let file {
            name = file
            path = file
        } else {
            name = named ?? format
            path = "omzien-partner-\(name).cursor"
        }
    }

    /// The cursor and when it was last used (ms), or nil before the first pull.
    func load() -> (cursor: String, at: Int64?)? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let cursor = lines.first else { return nil }
        let at = lines.dropFirst().first { $0.hasPrefix("pulled-at ") }.flatMap { Int64($0.dropFirst("pulled-at ".count)) }
        return (cursor, at)
    }

    func save(_ cursor: String, at: UInt64) throws {
        do { try (cursor + "\npulled-at \(at)\n").write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw CLIError.io("cannot write the cursor file '\(path)': \(error.localizedDescription)")
        }
    }
}

enum PartnerOutput {
    static func localTime(_ ms: Int64) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// Every referral from the start (or from `cursor`), the last version of each, and the server's time.
    static func fetch(_ context: PartnerContext, from start: String) throws -> (referrals: [ReferralView], cursor: String, serverTime: UInt64) {
        var cursor = start
        var all: [ReferralView] = []
        var serverTime: UInt64 = 0
        while true {
            let page = try context.call("GET", "v1/partner/referrals", query: ["cursor": cursor], as: ReferralPage.self)
            all += page.referrals
            cursor = page.cursor
            serverTime = page.serverTime
            if !page.more { break }
        }
        // Later pages carry newer versions of a referral: keep the last one of each.
        var latest: [String: ReferralView] = [:]
        var order: [String] = []
        for r in all {
            if latest[r.id] == nil { order.append(r.id) }
            latest[r.id] = r
        }
        return (order.map { latest[$0]! }, cursor, serverTime)
    }

    static func isOpen(_ r: ReferralView) -> Bool { r.erased != true && !["closed", "declined"].contains(r.status ?? "") }

    static func json(_ value: some Encodable) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Output.line(String(decoding: try e.encode(value), as: UTF8.self))
    }

    /// The CSV export (PRIVACY.md R-PRIV-7: formulas neutralised, BOM, dialect, ISO local times).
    static func csv(_ referrals: [ReferralView], dialect: CSVWriter.Dialect) {
        let lines = CSVWriter(dialect: dialect).referralLines(referrals)
        Output.line(CSVWriter.byteOrderMark + lines[0])
        for l in lines.dropFirst() { Output.line(l) }
    }

    /// `key  value`, a value of several lines indented under its first (R-PART-29).
    static func field(_ key: String, _ value: String, width: Int = 11) -> String {
        let lines = value.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        let pad = String(repeating: " ", count: width)
        return lines.enumerated().map { i, l in (i == 0 ? key.padding(toLength: width, withPad: " ", startingAt: 0) : pad) + l }.joined(separator: "\n")
    }

    /// What changed, in words: "2 new referrals, 1 with new follow-up, 1 erased".
    static func summary(_ referrals: [ReferralView]) -> String {
        let erased = referrals.filter { $0.erased == true }.count
        let fresh = referrals.filter { $0.erased != true && $0.status == "submitted" }.count
        let updated = referrals.count - erased - fresh
        var parts: [String] = []
        if fresh > 0 { parts.append("\(fresh.counted("new referral"))") }
        if updated > 0 { parts.append("\(updated) with new follow-up") }
        if erased > 0 { parts.append("\(erased) erased by the store") }
        return parts.joined(separator: ", ")
    }
}

struct PartnerPullCommand: Command {
    static let name = "partner pull"
    static let summary = "fetch the referrals of your region that changed since your last pull (table, --json or --csv)"
    static let declaration = Declaration(
        options: PartnerCursor.options + [.flag("from-start", "ignore the cursor and fetch every referral"), PartnerContext.jsonOption]
            + PartnerContext.csvOptions + PartnerContext.options,
        about: """
        Prints the referrals that changed since the last pull with the same cursor, says what is
        new, and remembers where it got to. Every referral fetched is recorded in the server's
        audit log. To see everything open without moving a cursor: omzien partner list.
        """)
    let context: PartnerContext, cursor: PartnerCursor, fromStart: Bool, json: Bool, csv: Bool, dialect: CSVWriter.Dialect

    init(_ args: inout ArgumentReader) throws {
        fromStart = args.flag("from-start")
        json = args.flag("json")
        dialect = CSVWriter.Dialect(rawValue: args.string("csv-dialect"))!
        csv = args.flag("csv") || args.given("csv-dialect")
        if json && csv { throw CLIError.usage("choose --json or --csv, not both", command: Self.name) }
        cursor = try PartnerCursor(&args, format: json ? "json" : csv ? "csv" : "table")
        context = try PartnerContext(&args)
    }

    func run() throws {
        let saved = fromStart ? nil : cursor.load()
        let (referrals, next, serverTime) = try PartnerOutput.fetch(context, from: saved?.cursor ?? "")
        try cursor.save(next, at: serverTime)
        let since = saved == nil ? "since the start (first pull with cursor '\(cursor.name)')"
            : "since the last pull with cursor '\(cursor.name)'" + (saved?.at.map { " at \(PartnerOutput.localTime($0))" } ?? "")
        let what = referrals.isEmpty ? "No referrals changed \(since)." : "\(PartnerOutput.summary(referrals)) \(since)."
        if json {
            Output.error(what)
            try PartnerOutput.json(referrals)
        } else if csv {
            Output.error(what)
            PartnerOutput.csv(referrals, dialect: dialect)
        } else {
            Output.line(what)
            if !referrals.isEmpty { Output.table(["REFERRAL", "STORE", "URGENCY", "STATUS", "INDICATORS", "CONTACT"], referrals.map(PartnerContext.row)) }
        }
    }
}

struct PartnerListCommand: Command {
    static let name = "partner list"
    static let summary = "list every open referral of your region (moves no cursor)"
    static let declaration = Declaration(
        options: [.flag("all", "also closed, declined and erased referrals"), PartnerContext.jsonOption] + PartnerContext.csvOptions + PartnerContext.options,
        about: """
        Lists the referrals of your region that are still open (not closed, declined or erased),
        in their current state. Unlike 'partner pull' it is not incremental and moves no cursor,
        so it never takes anything away from a later pull or export. Every referral fetched is
        recorded in the server's audit log.
        """)
    let context: PartnerContext, all: Bool, json: Bool, csv: Bool, dialect: CSVWriter.Dialect

    init(_ args: inout ArgumentReader) throws {
        all = args.flag("all")
        json = args.flag("json")
        dialect = CSVWriter.Dialect(rawValue: args.string("csv-dialect"))!
        csv = args.flag("csv") || args.given("csv-dialect")
        if json && csv { throw CLIError.usage("choose --json or --csv, not both", command: Self.name) }
        context = try PartnerContext(&args)
    }

    func run() throws {
        let referrals = try PartnerOutput.fetch(context, from: "").referrals.filter { all || PartnerOutput.isOpen($0) }
        if json { return try PartnerOutput.json(referrals) }
        if csv { return PartnerOutput.csv(referrals, dialect: dialect) }
        let kind = all ? "referral" : "open referral"
        Output.line(referrals.isEmpty ? "No \(kind)s in your region." : "\(referrals.count.counted(kind)) in your region.")
        if !referrals.isEmpty { Output.table(["REFERRAL", "STORE", "URGENCY", "STATUS", "INDICATORS", "CONTACT"], referrals.map(PartnerContext.row)) }
    }
}

struct PartnerShowCommand: Command {
    static let name = "partner show"
    static let summary = "show one referral of your region"
    static let declaration = Declaration(arguments: [Argument("ID", "the referral id")], options: [PartnerContext.jsonOption] + PartnerContext.options)
    let context: PartnerContext, id: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        json = args.flag("json")
        context = try PartnerContext(&args)
    }

    func run() throws {
        let r = try context.call("GET", "v1/partner/referrals/\(id)", as: ReferralView.self)
        if json { return try PartnerOutput.json(r) }
        let lines: [(String, String?)] = [("referral", r.id), ("store", r.store), ("region", r.region), ("observed", r.observedAt.map(PartnerOutput.localTime)),
                                          ("urgency", r.urgency), ("status", r.status.map { "\($0) (epoch \(r.epoch ?? 0))" }),
                                          ("indicators", r.indicators?.joined(separator: ", ")), ("note", r.note), ("consent", r.consent), ("contact", r.contact),
                                          ("outcome", r.outcome), ("decline", r.declineReason), ("erased", r.erased == true ? "yes: delete your copy" : nil)]
        for (k, v) in lines { if let v { Output.line(PartnerOutput.field(k, v)) } }
    }
}

struct PartnerUpdateCommand: Command {
    static let name = "partner update"
    static let summary = "post follow-up on a referral (accepted, contact, closed…)"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the referral id")],
        options: [.text("state", "STATE", "accepted, contact-attempted, in-contact, closed (needs --outcome), declined (needs --reason), "
                        + "reopened (only a closed or declined referral)", required: true),
                  .text("outcome", "O", "with closed only: linked-to-activity, home-visit, referred-elsewhere, no-help-wanted, unreachable, other"),
                  .text("reason", "TEXT", "with declined only: why the referral was declined (the store sees it)"),
                  .text("case-note", "TEXT", "your internal note: kept on the server, never shown to the store (a note without a state "
                        + "change: omzien partner note ID TEXT)"),
                  PartnerContext.authorOption, PartnerContext.jsonOption] + PartnerContext.options)
    let context: PartnerContext, id: String, request: ReferralUpdateRequest, json: Bool

    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        let state = args.string("state")
        request = ReferralUpdateRequest(state: state, outcome: args.value("outcome"), declineReason: args.value("reason"),
                                        caseNote: args.value("case-note"), author: args.value("author"))
        json = args.flag("json")
        context = try PartnerContext(&args)
    }

    func run() throws {
        let r = try context.call("POST", "v1/partner/referrals/\(id)/status", body: request, as: ReferralView.self)
        if json { return try PartnerOutput.json(r) }
        let detail = r.outcome.map { " (\($0))" } ?? r.declineReason.map { ": \($0)" } ?? ""
        Output.line("Referral \(r.id) is now \(r.status ?? "-")\(detail). The store sees it on its next sync.")
        if request.caseNote?.isEmpty == false { Output.line("Your case note is kept on the server (read it with 'omzien partner notes \(r.id)').") }
    }
}

struct PartnerNoteCommand: Command {
    static let name = "partner note"
    static let summary = "add an internal case note to a referral (no state change; the store never sees it)"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the referral id"), Argument("TEXT", "the note's text")],
        options: [PartnerContext.authorOption, PartnerContext.jsonOption] + PartnerContext.options,
        about: """
        Keeps TEXT (1-4000 bytes, several lines allowed) on the server with the referral, the time
        and the author. Only your organisation reads it back (omzien partner notes ID).
        """)
    let context: PartnerContext, id: String, request: CaseNoteRequest, json: Bool

    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        let text = args.positional()
        request = CaseNoteRequest(text: text, author: args.value("author"))
        json = args.flag("json")
        context = try PartnerContext(&args)
    }

    func run() throws {
        let n = try context.call("POST", "v1/partner/referrals/\(id)/notes", body: request, as: CaseNote.self)
        if json { return try PartnerOutput.json(n) }
        Output.line("Case note added to referral \(n.referral) by \(n.author) at \(PartnerOutput.localTime(Int64(n.at))). The store never sees it.")
    }
}

struct PartnerNotesCommand: Command {
    static let name = "partner notes"
    static let summary = "read your internal case notes on a referral, oldest first"
    static let declaration = Declaration(arguments: [Argument("ID", "the referral id")], options: [PartnerContext.jsonOption] + PartnerContext.options)
    let context: PartnerContext, id: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        json = args.flag("json")
        context = try PartnerContext(&args)
    }

    func run() throws {
        let list = try context.call("GET", "v1/partner/referrals/\(id)/notes", as: CaseNoteList.self)
        if json { return try PartnerOutput.json(list) }
        if list.notes.isEmpty { return Output.line("No case notes on referral \(list.referral) yet (add one with 'omzien partner note \(list.referral) TEXT').") }
        Output.line("\(list.notes.count.counted("case note")) on referral \(list.referral):")
        for n in list.notes {
            Output.line("")
            Output.line("\(PartnerOutput.localTime(Int64(n.at)))  \(n.author)")
            Output.line(PartnerOutput.field("", n.text, width: 2))
        }
    }
}

struct AdminPartnerAddCommand: Command {
    static let name = "admin partner add"
    static let summary = "create the welfare partner of a region and print its token"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the partner id")],
        options: [.text("region", "REGION", "the region it covers", required: true),
                  .text("name", "NAME", "the organisation's name", required: true)] + AdminContext.options)
    let context: AdminContext, id: String, region: String, partnerName: String
    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        region = args.string("region")
        partnerName = args.string("name")
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
