import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienStore

/// How a record looks in `device list` / `device show` (JSON form).
enum RecordPresenter {
    /// A time as people read it: local date and time (`2026-12-03 12:04`).
    static func time(_ ms: Int64) -> String { date(ms) }

    static func date(_ ms: Int64?) -> String {
        guard let ms else { return "-" }
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// A value as a person reads it: text without quotes, nothing as "-".
    static func plain(_ v: FieldValue?) -> String {
        switch v {
        case nil, .null?: "-"
        case let .string(s)?: s
        case let v?: v.description
        }
    }

    /// Fields that hold a time in ms (shown as local date and time to people).
    static let timeFields: Set<String> = ["observedAt", "givenAt"]

    static func json(_ r: RecordState) -> [String: Any] {
        var out: [String: Any] = ["kind": r.ref.kind.rawValue, "id": r.ref.id.rawValue]
        if r.erased { out["erased"] = true; return out }
        switch r.ref.kind {
        case .signal:
            out["store"] = r.string("store") ?? ""
            out["observedAt"] = r.value("observedAt")?.intValue ?? 0
            out["urgency"] = r.string("urgency") ?? ""
            out["indicators"] = r.elements("indicators")
            out["note"] = r.string("note") ?? NSNull()
            out["consent"] = r.string("consent") ?? ""
            out["contact"] = r.visibleContact ?? NSNull()
            out["status"] = r.status("status")?.state ?? "draft"
            if let o = r.string("outcome") { out["outcome"] = o }
            if let d = r.string("declineReason") { out["declineReason"] = d }  // the partner's reason (PARTNERS.md R-PART-27)
            let withheld = StoreAudience.withheldFields[.signal, default: []].sorted().filter { r.value($0) == .withheld }
            if !withheld.isEmpty { out["withheld"] = withheld }  // kept by the server only (PRIVACY.md R-PRIV-31)
        case .feedback:
            out["category"] = r.string("category") ?? ""
            out["nps"] = r.value("nps")?.intValue ?? 0
            out["comment"] = r.string("comment") ?? NSNull()
            out["channel"] = r.string("channel") ?? ""
        case .chatMoment:
            out["lane"] = r.value("lane")?.intValue ?? 0
            out["day"] = r.string("day") ?? ""
            out["count"] = r.chatMomentCount
            if r.count("removed") > 0 { out["takenBack"] = r.count("removed") }  // R-MODEL-30
        case .probe:
            break
        }
        let conflicts = r.shownConflicts
        if !conflicts.isEmpty {
            out["conflicts"] = conflicts.map { ["field": $0.field, "value": plain($0.head.value), "operation": $0.head.op.description] }
        }
        return out
    }

    static func row(_ r: RecordState) -> [String] {
        let conflicts = r.shownConflicts.count
        if r.erased { return [r.ref.kind.rawValue, r.ref.kind == .chatMoment ? r.ref.id.rawValue : String(r.ref.id.rawValue.prefix(12)), "(erased)", ""] }
        switch r.ref.kind {
        case .signal:
            let summary = "\(r.status("status")?.state ?? "draft"), \(r.string("urgency") ?? "-"), \(r.elements("indicators").joined(separator: "+"))"
            return ["signal", String(r.ref.id.rawValue.prefix(12)), summary, conflicts > 0 ? "\(conflicts) conflict(s)" : ""]
        case .feedback:
            return ["feedback", String(r.ref.id.rawValue.prefix(12)), "\(r.string("category") ?? "-"), NPS \(r.value("nps")?.intValue ?? 0)", conflicts > 0 ? "\(conflicts) conflict(s)" : ""]
        case .chatMoment:
            let n = r.chatMomentCount
            return ["chat-moment", r.ref.id.rawValue, "\(n.counted("conversation"))", ""]
        case .probe:
            return ["probe", r.ref.id.rawValue, "", ""]
        }
    }
}

struct DeviceListCommand: Command {
    static let name = "device list"
    static let summary = "list the records on this device"
    static let declaration = Declaration(options: [DeviceContext.kindOption, DeviceContext.dbOption, DeviceContext.jsonOption])
    let db: String, kind: RecordKind?, json: Bool

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        kind = args.value("kind").map { RecordKind(rawValue: $0)! }
        json = args.flag("json")
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let records = try store.records(kind: kind).filter { $0.ref.kind != .probe }
        if json {
            try Output.json(records.map(RecordPresenter.json))
        } else if records.isEmpty {
            Output.line("No records on this device yet.")
        } else {
            Output.table(["KIND", "ID", "SUMMARY", "CONFLICTS"], records.map(RecordPresenter.row))
        }
    }
}

struct DeviceShowCommand: Command {
    static let name = "device show"
    static let summary = "show one record with its fields and conflicts"
    static let declaration = Declaration(
        arguments: [Argument("ID", "the record id (any unique start of the id 'omzien device list' shows)")],
        options: [DeviceContext.kindOption, DeviceContext.dbOption, DeviceContext.jsonOption])
    let db: String, id: String, kind: RecordKind?, json: Bool

    init(_ args: inout ArgumentReader) throws {
        id = args.positional()
        db = DeviceContext.dbPath(&args)
        kind = args.value("kind").map { RecordKind(rawValue: $0)! }  // nil: found from the id
        json = args.flag("json")
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let record = try RecordLookup.find(id, kinds: kind.map { [$0] }, in: store, command: Self.name)
        let view = RecordPresenter.json(record)
        if json {
            try Output.json(view)
            return
        }
        for key in view.keys.sorted() where key != "conflicts" {
            let v = view[key]!
            let text = RecordPresenter.timeFields.contains(key) ? RecordPresenter.date((v as? NSNumber)?.int64Value)
                : (v as? [String])?.joined(separator: ", ") ?? (v is NSNull ? "-" : "\(v)")
            Output.line(key.padding(toLength: max(12, key.count + 1), withPad: " ", startingAt: 0) + text)
        }
        for c in record.shownConflicts {
            Output.line("conflict    \(c.field) = \(RecordPresenter.plain(c.head.value)) (from \(c.head.op), lost to the newer value; edit the field to resolve)")
        }
    }
}

struct DeviceConflictsCommand: Command {
    static let name = "device conflicts"
    static let summary = "list concurrent edits that lost and are kept visible"
    static let declaration = Declaration(options: [DeviceContext.dbOption, DeviceContext.jsonOption], about: """
        When two devices change the same field while offline, the newer change wins and the
        other is kept here. Writing the field again ('omzien device update') resolves it.
        """)
    let db: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        json = args.flag("json")
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        var rows: [[String]] = []
        var objects: [[String: Any]] = []
        for record in try store.records() where !record.erased {
            for c in record.shownConflicts {
                let winner = RecordPresenter.plain(record.shownValue(c.field))
                let kept = RecordPresenter.plain(c.head.value)
                rows.append([record.ref.description, c.field, winner, kept, c.head.op.description])
                objects.append(["record": record.ref.description, "field": c.field, "winner": winner, "kept": kept, "operation": c.head.op.description])
            }
        }
        if json { try Output.json(objects); return }
        if rows.isEmpty { Output.line("No conflicts."); return }
        Output.table(["RECORD", "FIELD", "WINNER", "KEPT (LOST)", "FROM"], rows)
    }
}

struct DeviceStatusCommand: Command {
    static let name = "device status"
    static let summary = "what this device holds and has not yet sent"
    static let declaration = Declaration(options: [DeviceContext.dbOption, DeviceContext.jsonOption])
    let db: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        json = args.flag("json")
    }

    func run() throws {
        let store = try DeviceContext.open(db)
        let unsent = try store.unsentOperations(limit: 1_000_000).count
        let info: [String: Any] = [
            "replica": store.replica.rawValue, "store": (try store.setting("store")) ?? "", "server": (try store.setting("server")) ?? "",
            "written": store.held(from: store.replica), "acknowledged": store.acknowledged, "unsent": unsent,
            "records": try store.records().count, "digest": try store.stateDigest().hex,
        ]
        if json { try Output.json(info); return }
        for key in ["replica", "store", "server", "written", "acknowledged", "unsent", "records", "digest"] {
            Output.line(key.padding(toLength: 13, withPad: " ", startingAt: 0) + "\(info[key]!)")
        }
    }
}
