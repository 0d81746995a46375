import Foundation
import OmzienClient
import OmzienModel
import OmzienStore

struct DeviceUpdateSignalCommand: Command {
    static let name = "device update"
    static let summary = "change a signal: urgency, note, indicators, consent, submit, or erase it"
    static let usage = """
        usage: omzien device update ID [--urgency U] [--note TEXT] [--add-indicator X] [--remove-indicator X]
                                    [--consent C] [--contact TEXT] [--submit] [--erase] [--db PATH] [--author NAME]

        Every change is recorded offline and merged with changes made elsewhere. Writing a field
        resolves the conflicts you could see on it ('omzien device conflicts').
          --erase    erase the signal everywhere (cannot be undone; wins over every other change)
        \(DeviceContext.dbHelp)
        \(DeviceContext.authorHelp)
        """
    static let valueOptions: Set<String> = ["urgency", "note", "add-indicator", "remove-indicator", "consent", "contact", "db", "author"]
    let id: String, db: String, author: String?
    let urgency: String?, note: String?, add: String?, remove: String?, consent: String?, contact: String?, submit: Bool, erase: Bool

    init(_ args: inout ArgumentReader) throws {
        id = try args.positional("the signal id")
        db = DeviceContext.dbPath(&args)
        author = args.option("author")
        urgency = args.option("urgency"); note = args.option("note"); add = args.option("add-indicator"); remove = args.option("remove-indicator")
        consent = args.option("consent"); contact = args.option("contact"); submit = args.flag("submit"); erase = args.flag("erase")
        if erase && [urgency, note, add, remove, consent, contact].contains(where: { $0 != nil }) {
            throw CLIError.usage("--erase cannot be combined with other changes", command: Self.name)
        }
        if !erase && !submit && [urgency, note, add, remove, consent, contact].allSatisfy({ $0 == nil }) {
            throw CLIError.usage("nothing to change: give at least one of --urgency, --note, --add-indicator, --remove-indicator, --consent, --contact, --submit, --erase", command: Self.name)
        }
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let who = try DeviceContext.author(author, store: store)
        let current = try RecordLookup.find(id, kinds: [.signal], in: store, command: Self.name)
        let ref = current.ref
        guard !current.erased else { throw CLIError.dataError("signal \(ref.id) was erased") }
        var changes: [FieldChange] = []
        if erase {
            try store.appendLocal(record: ref, author: who, body: .erase)
            Output.line("Erased signal \(ref.id). The erase reaches every replica on the next sync.")
            return
        }
        if let urgency { changes.append(.set(field: "urgency", value: .string(urgency), supersedes: current.heads("urgency"))) }
        if let note { changes.append(.set(field: "note", value: note.isEmpty ? .null : .string(note), supersedes: current.heads("note"))) }
        if let consent {
            changes.append(.set(field: "consent", value: .string(consent), supersedes: current.heads("consent")))
            if consent != "given" { changes.append(.set(field: "contact", value: .null, supersedes: current.heads("contact"))) }
        }
        if let contact {
            if consent == nil && current.string("consent") == "given" {
                changes.append(.set(field: "consent", value: .string("given"), supersedes: current.heads("consent")))
            }
            changes.append(.set(field: "contact", value: contact.isEmpty ? .null : .string(contact), supersedes: current.heads("contact")))
        }
        if let add { changes.append(.add(field: "indicators", element: add)) }
        if let remove { changes.append(.remove(field: "indicators", element: remove, observed: current.liveTags("indicators", element: remove))) }
        if submit { changes.append(.advance(field: "status", epoch: current.epoch("status"), state: "submitted")) }
        do {
            try store.appendLocal(record: ref, author: who, body: .changes(changes))
        } catch let e as ModelError {
            throw CLIError.dataError(e.description)
        }
        Output.line("Updated signal \(ref.id) (\(changes.count) change\(changes.count == 1 ? "" : "s")).")
    }
}

struct DeviceFeedbackCommand: Command {
    static let name = "device feedback"
    static let summary = "record customer feedback with an NPS score (works offline)"
    static let usage = """
        usage: omzien device feedback --category C --nps 0-10 [--comment TEXT] [--channel till|kletskassa|coffee-corner] [--db PATH] [--author NAME]

          --category C   \(Vocabulary.feedbackCategories.joined(separator: ", "))
          --nps N        how likely to recommend us, 0-10
        \(DeviceContext.dbHelp)
        """
    static let valueOptions: Set<String> = ["category", "nps", "comment", "channel", "db", "author"]
    let db: String, author: String?, category: String, nps: Int, comment: String?, channel: String

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        author = args.option("author")
        category = try args.requiredOption("category", Vocabulary.feedbackCategories.joined(separator: ", "))
        guard args.option("nps") != nil else { throw CLIError.usage("missing --nps (0-10)", command: Self.name) }
        nps = try args.integer("nps", default: 0, range: 0...10)
        comment = args.option("comment")
        channel = args.option("channel", default: "till")
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let draft = FeedbackDraft(store: try DeviceContext.storeID(store), givenAt: Int64(HybridClock.physicalNowMillis()),
                                  category: category, nps: Int64(nps), comment: comment, channel: channel)
        let changes: [FieldChange]
        do { changes = try draft.changes() } catch { throw CLIError.dataError("\(error)") }
        let ref = RecordRef(kind: .feedback, id: RecordID.random())
        try store.appendLocal(record: ref, author: try DeviceContext.author(author, store: store), body: .changes(changes))
        Output.line("Recorded feedback \(ref.id) (\(category), NPS \(nps)).")
    }
}

struct DeviceChatCommand: Command {
    static let name = "device chat"
    static let summary = "count Kletskassa conversations on a lane (works offline)"
    static let usage = """
        usage: omzien device chat --lane N [--count N] [--day YYYY-MM-DD] [--db PATH] [--author NAME]

        Adds to today's count of conversations at the Kletskassa on lane N. Every device counts
        into the same number; no count is lost when devices sync.
        \(DeviceContext.dbHelp)
        """
    static let valueOptions: Set<String> = ["lane", "count", "day", "db", "author"]
    let db: String, author: String?, lane: Int, count: Int, day: String?

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        author = args.option("author")
        guard args.option("lane") != nil else { throw CLIError.usage("missing --lane (1-99)", command: Self.name) }
        lane = try args.integer("lane", default: 1, range: 1...99)
        count = try args.integer("count", default: 1, range: 1...1000)
        day = args.option("day")
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let today = day ?? ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withFullDate])
        let key: ChatMomentKey
        do { key = try ChatMomentKey(store: try DeviceContext.storeID(store), lane: Int64(lane), day: today) } catch { throw CLIError.dataError("\(error)") }
        try store.appendLocal(record: key.ref, author: try DeviceContext.author(author, store: store), body: .changes(key.increment(by: UInt64(count))))
        let total = try store.loadRecord(key.ref)?.count("count") ?? 0
        Output.line("Lane \(lane) on \(today): \(total) conversations counted on this device's view.")
    }
}
