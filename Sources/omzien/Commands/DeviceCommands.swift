import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienStore

/// Shared by the `device` commands: the replica database and who is recording.
struct DeviceContext {
    /// `--db PATH`, read by `dbPath`.
    static let dbOption = Option.text("db", "PATH", "the device's replica database", default: .described("$OMZIEN_DB, else omzien-device.sqlite"))
    /// `--author NAME`, for the commands that record a change.
    static let authorOption = Option.text("author", "NAME", "staff pseudonym recording the change", default: .described("the one given at enroll"))
    /// `--kind`, for the commands that look records up (a probe is no record people see).
    static let kindOption = Option.choice("kind", RecordKind.allCases.filter { $0 != .probe }.map(\.rawValue), "only records of this kind")
    /// `--json`, for the commands that print what they recorded or found.
    static let jsonOption = Option.flag("json", "print the result as JSON")

    static func dbPath(_ args: inout ArgumentReader) -> String {
        args.value("db") ?? ProcessInfo.processInfo.environment["OMZIEN_DB"] ?? "omzien-device.sqlite"
    }

    static func requireFile(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError.usage("no device database at '\(path)'; enroll first with 'omzien device enroll' or pass --db", command: "device")
        }
    }

    static func open(_ path: String) throws -> ReplicaStore {
        try requireFile(path)
        // A sync in another process holds the file only for short steps (R-DEV-20): wait for it.
        let store = try DeviceDatabase.open(path, wait: DeviceDatabase.defaultWait) {
            FileHandle.standardError.write(Data("omzien: the device database is busy (a sync is writing to it); waiting up to \(Int(DeviceDatabase.defaultWait)) s\n".utf8))
        }
        try DeviceSync.purgeExpired(store)  // PRIVACY.md R-PRIV-20: an offline device purges on its own clock
        return store
    }

    static func author(_ given: String?, store: ReplicaStore) throws -> AuthorID {
        let name = try given ?? store.setting("author") ?? "device"
        do { return try AuthorID(name) } catch { throw CLIError.usage("--author: \(error)", command: "device") }
    }

    static func storeID(_ store: ReplicaStore) throws -> String {
        guard let id = try store.setting("store") else { throw CLIError.failure("this device database has no store; was it enrolled?") }
        return id
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

struct DeviceEnrollCommand: Command {
    static let name = "device enroll"
    static let summary = "enroll this device with a one-time code and fetch its store's data"
    static let declaration = Declaration(
        options: [.text("server", "URL", "the sync server's URL, e.g. http://127.0.0.1:8080", required: true),
                  .text("code", "CODE", "the one-time enrollment code, e.g. ABCD-EFGH-JKLM-NPQR", required: true),
                  DeviceContext.dbOption,
                  .text("label", "TEXT", "what people call this device (\"kassa 3\")"),
                  .text("author", "NAME", "default staff pseudonym for changes made on this device"),
                  DeviceContext.jsonOption],
        about: """
        Exchanges the enrollment code (from 'omzien admin enroll') for this device's identity
        and token, creates the device database, and loads the store's current records.
        """)
    let server: URL, code: String, db: String, label: String?, author: String?, json: Bool

    init(_ args: inout ArgumentReader) throws {
        let s = args.string("server")
        guard let url = URL(string: s), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw CLIError.usage("--server must be an http(s) URL like http://127.0.0.1:8080, got '\(s)'", command: Self.name)
        }
        server = url
        code = args.string("code")
        db = DeviceContext.dbPath(&args)
        label = args.value("label")
        author = args.value("author")
        if let author, (try? AuthorID(author)) == nil { throw CLIError.usage("--author must be a pseudonym like kassa-17 (lowercase, no spaces)", command: Self.name) }
        json = args.flag("json")
    }

    func run() throws {
        let device: DeviceSync
        do {
            device = try DeviceSync.enroll(server: server, code: code, label: label, path: db)
        } catch let e as ClientError {
            if case let .offline(why) = e { throw CLIError.unavailable("the server is unreachable (\(why))" + "; nothing was enrolled: check --server \(server.absoluteString) and run the same command again") }
            if case let .problem(p) = e, p.status == 401 || p.status == 400 { throw CLIError.dataError(e.description) }
            throw CLIError.failure(e.description)
        }
        if let author { try device.store.setSetting("author", author) }
        let records = try device.store.records().count
        if json {
            try Output.json(["replica": device.store.replica.rawValue, "store": device.storeID, "records": records, "db": db])
        } else {
            Output.line("Enrolled as \(device.store.replica) for store \(device.storeID); \(records) records loaded into \(db).")
        }
    }
}

struct DeviceRecordSignalCommand: Command {
    static let name = "device signal"
    static let summary = "record a loneliness signal (works offline)"
    static let declaration = Declaration(
        options: [.text("indicators", "LIST", "comma-separated, at least one of: \(Vocabulary.indicators.joined(separator: ", "))", required: true),
                  .text("urgency", "routine|soon|urgent", "how soon the welfare partner should act", default: .value("routine")),
                  .text("note", "TEXT", "what you noticed, \(DeviceInput.limit(Vocabulary.noteMaxBytes)); never the customer's name"),
                  .text("consent", "given|refused|not-asked", "did the customer agree to be contacted", default: .value("not-asked")),
                  .text("contact", "TEXT", "phone or address: only with --consent given"),
                  .flag("draft", "keep it on this device as a draft (not yet a referral)"),
                  DeviceContext.dbOption, DeviceContext.authorOption, DeviceContext.jsonOption])
    let db: String, draftArgs: (indicators: [String], urgency: String, note: String?, consent: String, contact: String?, draft: Bool)
    let author: String?, json: Bool

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        let indicators = DeviceContext.list(args.value("indicators"))
        guard !indicators.isEmpty else { throw CLIError.usage("missing --indicators (at least one of: \(Vocabulary.indicators.joined(separator: ", ")))", command: Self.name) }
        draftArgs = (indicators, args.string("urgency"), args.value("note"), args.string("consent"), args.value("contact"), args.flag("draft"))
        author = args.value("author")
        json = args.flag("json")
        try DeviceInput.checkLength(draftArgs.note, option: "note", maxBytes: Vocabulary.noteMaxBytes)
        try DeviceInput.checkLength(draftArgs.contact, option: "contact", maxBytes: Vocabulary.contactMaxBytes)
        try DeviceInput.checkConsent(consent: draftArgs.consent, contact: draftArgs.contact)
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let who = try DeviceContext.author(author, store: store)
        let draft = SignalDraft(store: try DeviceContext.storeID(store), observedAt: Int64(HybridClock.physicalNowMillis()), reporter: who.rawValue,
                                indicators: draftArgs.indicators, urgency: draftArgs.urgency, note: draftArgs.note,
                                consent: draftArgs.consent, contact: draftArgs.contact, submit: !draftArgs.draft)
        let changes: [FieldChange]
        do { changes = try draft.changes() } catch { throw CLIError.dataError("\(error)") }
        let ref = RecordRef(kind: .signal, id: RecordID.random())
        let op = try store.appendLocal(record: ref, author: who, body: .changes(changes))
        if json {
            try Output.json(["id": ref.id.rawValue, "operation": op.id.description])
        } else {
            Output.line("Recorded signal \(ref.id) (\(draftArgs.draft ? "draft" : "submitted")). It goes to the server on the next 'omzien device sync'.")
        }
    }
}
