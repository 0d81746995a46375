import Foundation
import OmzienProtocol
import OmzienClient
import OmzienModel
import OmzienStore

/// Checks of what a cashier types, told in the words they use (issue 12 items 5 and 6).
enum DeviceInput {
    /// A text field's limit is in bytes on the wire (MODEL.md); people count characters. Says
    /// how long the text is, how many of its characters fit, and by how much to shorten it.
    static func checkLength(_ text: String?, option: String, maxBytes: Int) throws {
        guard let text, text.utf8.count > maxBytes else { return }
        var bytes = 0, fitting = 0
        for c in text {
            bytes += c.utf8.count
            if bytes > maxBytes { break }
            fitting += 1
        }
        let length = text.count
        throw CLIError.dataError("--\(option) is \(length) characters long; at most \(fitting) of these fit "
            + "(the limit is \(maxBytes) characters of plain letters; é, ë or an emoji take the room of 2 to 4). "
            + "Shorten it by \(length - fitting) characters.")
    }

    /// What `--help` says about a limit.
    static func limit(_ maxBytes: Int) -> String { "at most \(maxBytes) characters, fewer with accents or emoji" }

    /// Contact details are kept only with consent given (MODEL.md R-MODEL-3).
    static func checkConsent(consent: String?, contact: String?) throws {
        if let consent, consent != "given", let contact, !contact.isEmpty {
            throw CLIError.dataError("contact details are kept only when the customer gave consent, and --consent is '\(consent)': "
                + "use --consent given --contact TEXT, or leave --contact out")
        }
    }

    /// The local date today (`YYYY-MM-DD`).
    static func today() -> String { ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withFullDate]) }
}

struct DeviceUpdateSignalCommand: Command {
    static let name = "device update"
    static let summary = "change or erase a signal or a feedback: a signal's urgency, note, indicators, consent; a feedback's score, category, comment"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the record id")],
        options: [.text("urgency", "U", "a signal's urgency: routine, soon or urgent"),
                  .text("note", "TEXT", "a signal's note, \(DeviceInput.limit(Vocabulary.noteMaxBytes)); empty removes it"),
                  .text("add-indicator", "X", "add an indicator to a signal"),
                  .text("remove-indicator", "X", "remove an indicator from a signal"),
                  .text("consent", "C", "a signal's consent: given, refused or not-asked"),
                  .text("contact", "TEXT", "a signal's contact (only with consent given)"),
                  .flag("submit", "submit a signal kept as a draft"),
                  .text("category", "C", "a feedback's category"),
                  .integer("nps", "0-10", in: 0...10, "a feedback's score"),
                  .text("comment", "TEXT", "a feedback's comment, \(DeviceInput.limit(Vocabulary.commentMaxBytes)); empty removes it"),
                  .flag("erase", "erase the record everywhere (cannot be undone; wins over every other change); no other change goes with it"),
                  DeviceContext.dbOption, DeviceContext.authorOption,
                  .flag("json", "what was recorded, as JSON")],
        about: """
        ID is a signal or a feedback (any unique start of the id 'omzien device list' shows).
        Every change is recorded offline and merged with changes made elsewhere. Writing a field
        resolves the conflicts you could see on it ('omzien device conflicts'). A signal's
        options and a feedback's options do not go together.
        """)
    let id: String, db: String, author: String?, json: Bool
    let urgency: String?, note: String?, add: String?, remove: String?, consent: String?, contact: String?, submit: Bool, erase: Bool
    let category: String?, nps: Int?, comment: String?

    var signalOptions: [String?] { [urgency, note, add, remove, consent, contact, submit ? "" : nil] }
    var feedbackOptions: [String?] { [category, nps.map(String.init), comment] }

    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        db = DeviceContext.dbPath(&args)
        author = args.value("author")
        json = args.flag("json")
        urgency = args.value("urgency"); note = args.value("note"); add = args.value("add-indicator"); remove = args.value("remove-indicator")
        consent = args.value("consent"); contact = args.value("contact"); submit = args.flag("submit"); erase = args.flag("erase")
        category = args.value("category"); comment = args.value("comment")
        nps = args.optionalInteger("nps")
        let any = (signalOptions + feedbackOptions).contains { $0 != nil }
        if erase && any { throw CLIError.usage("--erase cannot be combined with other changes", command: Self.name) }
        if !erase && !any {
            throw CLIError.usage("nothing to change: give --erase, or for a signal --urgency, --note, --add-indicator, --remove-indicator, --consent, --contact or --submit, "
                + "or for a feedback --category, --nps or --comment", command: Self.name)
        }
        if signalOptions.contains(where: { $0 != nil }) && feedbackOptions.contains(where: { $0 != nil }) {
            throw CLIError.usage("--category, --nps and --comment change a feedback; the other options change a signal: not both at once", command: Self.name)
        }
        try DeviceInput.checkLength(note, option: "note", maxBytes: Vocabulary.noteMaxBytes)
        try DeviceInput.checkLength(contact, option: "contact", maxBytes: Vocabulary.contactMaxBytes)
        try DeviceInput.checkLength(comment, option: "comment", maxBytes: Vocabulary.commentMaxBytes)
        try DeviceInput.checkConsent(consent: consent, contact: contact)
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let who = try DeviceContext.author(author, store: store)
        let wantsFeedback = feedbackOptions.contains { $0 != nil }, wantsSignal = signalOptions.contains { $0 != nil }
        let kinds: [RecordKind] = wantsFeedback ? [.feedback] : wantsSignal ? [.signal] : [.signal, .feedback]
        let current = try RecordLookup.find(id, kinds: kinds, in: store, command: Self.name)
        let ref = current.ref
        let what = ref.kind == .signal ? "signal" : "feedback"
        guard !current.erased else { throw CLIError.dataError("\(what) \(ref.id) was erased") }
        if erase {
            let op = try store.appendLocal(record: ref, author: who, body: .erase)
            if json { try Output.json(["id": ref.id.rawValue, "kind": ref.kind.rawValue, "erased": true, "operation": op.id.description]); return }
            Output.line("Erased \(what) \(ref.id). The erase reaches every replica on the next sync.")
            return
        }
        let changes = ref.kind == .signal ? try signalChanges(current) : feedbackChanges(current)
        let op: LogOperation
        do {
            op = try store.appendLocal(record: ref, author: who, body: .changes(changes))
        } catch let e as ModelError {
            throw CLIError.dataError(e.description)
        }
        if json {
            try Output.json(["id": ref.id.rawValue, "kind": ref.kind.rawValue, "changes": changes.map(\.field), "operation": op.id.description])
            return
        }
        Output.line("Updated \(what) \(ref.id) (\(changes.count.counted("change"))).")
    }

    func signalChanges(_ current: RecordState) throws -> [FieldChange] {
        var changes: [FieldChange] = []
        if let urgency { changes.append(.set(field: "urgency", value: .string(urgency), supersedes: current.heads("urgency"))) }
        if let note { changes.append(.set(field: "note", value: note.isEmpty ? .null : .string(note), supersedes: current.heads("note"))) }
        if let contact, !contact.isEmpty, consent == nil, current.string("consent") != "given" {
            throw CLIError.dataError("contact details are kept only when the customer gave consent, and this signal's consent is '\(current.string("consent") ?? "not-asked")': "
                + "use --consent given --contact TEXT")
        }
        if let consent {
            changes.append(.set(field: "consent", value: .string(consent), supersedes: current.heads("consent")))
            if consent != "given" { changes.append(.set(field: "contact", value: .null, supersedes: current.heads("contact"))) }
        }
        if let contact, !(consent.map { $0 != "given" } ?? false) {
            if consent == nil && current.string("consent") == "given" {
                changes.append(.set(field: "consent", value: .string("given"), supersedes: current.heads("consent")))
            }
            changes.append(.set(field: "contact", value: contact.isEmpty ? .null : .string(contact), supersedes: current.heads("contact")))
        }
        if let add { changes.append(.add(field: "indicators", element: add)) }
        if let remove { changes.append(.remove(field: "indicators", element: remove, observed: current.liveTags("indicators", element: remove))) }
        if submit { changes.append(.advance(field: "status", epoch: current.epoch("status"), state: "submitted")) }
        return changes
    }

    func feedbackChanges(_ current: RecordState) -> [FieldChange] {
        var changes: [FieldChange] = []
        if let category { changes.append(.set(field: "category", value: .string(category), supersedes: current.heads("category"))) }
        if let nps { changes.append(.set(field: "nps", value: .int(Int64(nps)), supersedes: current.heads("nps"))) }
        if let comment { changes.append(.set(field: "comment", value: comment.isEmpty ? .null : .string(comment), supersedes: current.heads("comment"))) }
        return changes
    }
}

struct DeviceFeedbackCommand: Command {
    static let name = "device feedback"
    static let summary = "record customer feedback with an NPS score (works offline)"
    static let declaration = Declaration(
        options: [.text("category", "C", Vocabulary.feedbackCategories.joined(separator: ", "), required: true),
                  .integer("nps", "0-10", in: 0...10, "how likely to recommend us", required: true),
                  .text("comment", "TEXT", DeviceInput.limit(Vocabulary.commentMaxBytes)),
                  .text("channel", "till|kletskassa|coffee-corner", "where the feedback was given", default: .value("till")),
                  DeviceContext.dbOption, DeviceContext.authorOption, DeviceContext.jsonOption],
        notes: "A feedback recorded wrongly is corrected or erased with 'omzien device update ID'.")
    let db: String, author: String?, category: String, nps: Int, comment: String?, channel: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        author = args.value("author")
        category = args.string("category")
        nps = args.integer("nps")
        comment = args.value("comment")
        channel = args.string("channel")
        json = args.flag("json")
        try DeviceInput.checkLength(comment, option: "comment", maxBytes: Vocabulary.commentMaxBytes)
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let draft = FeedbackDraft(store: try DeviceContext.storeID(store), givenAt: Int64(HybridClock.physicalNowMillis()),
                                  category: category, nps: Int64(nps), comment: comment, channel: channel)
        let changes: [FieldChange]
        do { changes = try draft.changes() } catch { throw CLIError.dataError("\(error)") }
        let ref = RecordRef(kind: .feedback, id: RecordID.random())
        let op = try store.appendLocal(record: ref, author: try DeviceContext.author(author, store: store), body: .changes(changes))
        if json { try Output.json(["id": ref.id.rawValue, "kind": ref.kind.rawValue, "operation": op.id.description]); return }
        Output.line("Recorded feedback \(ref.id) (\(category), NPS \(nps)).")
    }
}

struct DeviceChatCommand: Command {
    static let name = "device chat"
    static let summary = "count Kletskassa conversations on a lane, or take back a miscount (works offline)"
    static let declaration = Declaration(
        options: [.integer("lane", "N", in: 1...99, "the lane (1-99)", required: true),
                  .integer("count", "N", in: 1...1000, "conversations to add", default: 1),
                  .integer("remove", "N", in: 1...1000, "instead of --count: take back N conversations counted by mistake (at most what this "
                           + "device shows); corrections made on several devices all add up (MODEL.md R-MODEL-30)"),
                  .text("day", "YYYY-MM-DD", "the day; never a day in the future", default: .described("today")),
                  DeviceContext.dbOption, DeviceContext.authorOption, DeviceContext.jsonOption],
        about: """
        Adds to today's count of conversations at the Kletskassa on lane N. Every device counts
        into the same number; no count is lost when devices sync.
        """)
    let db: String, author: String?, lane: Int, count: Int, remove: Int?, day: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        author = args.value("author")
        lane = args.integer("lane")
        let counts = args.given("count")
        count = args.integer("count")
        remove = args.optionalInteger("remove")
        if counts && remove != nil { throw CLIError.usage("--count adds and --remove takes back: give one of them", command: Self.name) }
        let today = DeviceInput.today()
        day = args.value("day") ?? today
        json = args.flag("json")
        if day.count == 10, day > today {
            throw CLIError.usage("--day \(day) is in the future (today is \(today)): conversations are counted on the day they happen", command: Self.name)
        }
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let key: ChatMomentKey
        do { key = try ChatMomentKey(store: try DeviceContext.storeID(store), lane: Int64(lane), day: day) } catch { throw CLIError.dataError("\(error)") }
        let shown = try store.loadRecord(key.ref)?.chatMomentCount ?? 0
        let changes: [FieldChange]
        if let remove {
            guard UInt64(remove) <= shown else {
                throw CLIError.dataError("lane \(lane) on \(day) shows \(shown.counted("conversation")) on this device; "
                    + "you can take back at most \(shown) (sync first if others counted them)")
            }
            changes = key.correction(removing: UInt64(remove))
        } else {
            changes = key.increment(by: UInt64(count))
        }
        let op = try store.appendLocal(record: key.ref, author: try DeviceContext.author(author, store: store), body: .changes(changes))
        let total = try store.loadRecord(key.ref)?.chatMomentCount ?? 0
        if json {
            try Output.json(["id": key.ref.id.rawValue, "kind": key.ref.kind.rawValue, "lane": lane, "day": day, "count": total, "operation": op.id.description])
            return
        }
        let taken = remove.map { "Took back \($0.counted("conversation")). " } ?? ""
        Output.line(taken + "Lane \(lane) on \(day): \(total.counted("conversation")) counted on this device's view.")
    }
}
