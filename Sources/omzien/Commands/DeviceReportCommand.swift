import Foundation
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore

/// `omzien device report` (issue 13; PARTNERS.md R-WEB-38): the store sees its results, from
/// the device's own replica, offline. No suppression: the store already sees each of its own
/// signals, feedback and chat moments one by one; this only adds them up.
struct DeviceReportCommand: Command {
    static let name = "device report"
    static let summary = "the store's own results: signals picked up and how fast, feedback by category with the NPS, chat moments"
    static let declaration = Declaration(options: [DeviceContext.dbOption, DeviceContext.jsonOption], about: """
        From this device's data (what it recorded and what its last sync brought), no network:
          signals    submitted, picked up by the welfare partner (accepted or further) and
                     contacted (contact attempted or further), hours from submission to both
                     (median), and the share contacted within the target of its urgency
                     (urgent 1, soon 3, routine 10 working days; the server's targets may differ)
          feedback   respondents and NPS (% scores 9-10 minus % scores 0-6) per category
          chat       chat moments per ISO week
        Times are the devices' and the partner's clocks as written in the operations.
        """)
    let db: String, json: Bool

    init(_ args: inout ArgumentReader) throws {
        db = DeviceContext.dbPath(&args)
        json = args.flag("json")
    }

    static let pickedUp: Set<String> = ["accepted", "contact-attempted", "in-contact", "closed"]
    static let contacted: Set<String> = ["contact-attempted", "in-contact", "closed"]

    func run() throws {
        let store = try DeviceContext.open(db)
        let storeID = try DeviceContext.storeID(store)
        let report = try Self.report(store, storeID: storeID, targets: .standard, now: HybridClock.physicalNowMillis())
        if json {
            try Output.json(report)
            return
        }
        let s = report["signals"] as! [String: Any]
        func hours(_ v: Any?) -> String { (v as? Double).map { String(format: "%.1f h", $0) } ?? "-" }
        Output.line("Store \(storeID), from this device's data (last sync brings the partner's follow-up).")
        Output.line("")
        Output.line("Signals: \(s["submitted"]!) submitted, \(s["pickedUp"]!) picked up by the welfare partner, \(s["contacted"]!) contacted, \(s["declined"]!) declined.")
        Output.line("  to pick-up (median): \(hours(s["medianHoursToPickUp"]))    to first contact (median): \(hours(s["medianHoursToContact"]))")
        if let w = s["withinTarget"] as? [String: Any] {
            Output.line("  contacted within the target: \(w["within"]!) of \(w["decided"]!) (\(Int(((w["share"] as! Double) * 100).rounded()))%); \(s["open"]!) still within their time")
        }
        Output.line("")
        let f = report["feedback"] as! [[String: Any]]
        if f.isEmpty {
            Output.line("Feedback: none recorded yet.")
        } else {
            Output.line("Feedback:")
            Output.table(["CATEGORY", "RESPONDENTS", "NPS"], f.map { ["\($0["category"]!)", "\($0["respondents"]!)", String(format: "%.1f", $0["nps"] as! Double)] })
        }
        Output.line("")
        let c = report["chatMoments"] as! [String: Any]
        let weeks = c["weeks"] as! [[String: Any]]
        Output.line("Chat moments: \(c["total"]!) in all.")
        if !weeks.isEmpty { Output.table(["WEEK", "CHAT MOMENTS"], weeks.map { ["\($0["week"]!)", "\($0["count"]!)"] }) }
    }

    /// The report as JSON-ready values (the `--json` output).
    static func report(_ store: ReplicaStore, storeID: String, targets: ResponseTargets, now: UInt64) throws -> [String: Any] {
        // When each signal was first submitted, picked up and contacted, from the operations.
        var submitted: [String: UInt64] = [:], picked: [String: UInt64] = [:], contact: [String: UInt64] = [:]
        var after: Int64 = 0
        while true {
            let page = try store.operations(afterPosition: after, limit: 1000)
            guard let last = page.last else { break }
            after = last.position
            for (_, op) in page where op.record.kind == .signal {
                guard case let .changes(changes) = op.body else { continue }
                let at = op.timestamp.wallMillis, id = op.record.id.rawValue
                for case let .advance(field, _, state) in changes where field == "status" && state != "draft" {
                    submitted[id] = min(submitted[id] ?? at, at)
                    if pickedUp.contains(state) { picked[id] = min(picked[id] ?? at, at) }
                    if contacted.contains(state) { contact[id] = min(contact[id] ?? at, at) }
                }
            }
        }
        let signals = try store.records(kind: .signal).filter { !$0.erased && $0.string("store") == storeID && submitted[$0.ref.id.rawValue] != nil }
        func median(_ v: [Double]) -> Double? {
            guard !v.isEmpty else { return nil }
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        var toPick: [Double] = [], toContact: [Double] = [], decided = 0, within = 0, open = 0, declined = 0
        for r in signals {
            let id = r.ref.id.rawValue, s = submitted[id]!
            if let p = picked[id] { toPick.append(Double(p >= s ? p - s : 0) / 3_600_000) }
            if let c = contact[id] { toContact.append(Double(c >= s ? c - s : 0) / 3_600_000) }
            if r.status("status")?.state == "declined" { declined += 1 }
            let clock = targets.clock(submittedAt: s, urgency: r.string("urgency") ?? "routine", firstContactAt: contact[id], now: now)
            if clock.isDecided { decided += 1 } else { open += 1 }
            if clock.isWithinTarget { within += 1 }
        }
        var signalPart: [String: Any] = ["submitted": signals.count, "pickedUp": toPick.count, "contacted": toContact.count, "declined": declined, "open": open,
                                         "medianHoursToPickUp": median(toPick).map { ($0 * 10).rounded() / 10 } ?? NSNull(),
                                         "medianHoursToContact": median(toContact).map { ($0 * 10).rounded() / 10 } ?? NSNull()]
        if decided > 0 { signalPart["withinTarget"] = ["decided": decided, "within": within, "share": Double(within) / Double(decided)] }

        let feedback = try store.records(kind: .feedback).filter { !$0.erased && $0.string("store") == storeID }
        var byCategory: [String: [Int]] = [:]
        for r in feedback {
            guard let c = r.string("category"), let n = r.value("nps")?.intValue else { continue }
            byCategory[c, default: []].append(Int(n))
            byCategory["all", default: []].append(Int(n))
        }
        let feedbackPart: [[String: Any]] = byCategory.sorted { ($0.key == "all" ? 0 : 1, $0.key) < ($1.key == "all" ? 0 : 1, $1.key) }.map {
            ["category": $0.key, "respondents": $0.value.count, "nps": DashboardFigures.nps($0.value)]
        }

        var weeks: [String: UInt64] = [:], total: UInt64 = 0
        for r in try store.records(kind: .chatMoment) where !r.erased && r.string("store") == storeID {
            let n = r.count("count")
            total &+= n
            if let day = r.string("day") { weeks[DashboardFigures.isoWeek(ofDay: day) ?? day, default: 0] &+= n }
        }
        let chatPart: [String: Any] = ["total": total, "weeks": weeks.sorted { $0.key < $1.key }.map { ["week": $0.key, "count": $0.value] }]
        return ["store": storeID, "targets": ["urgentDays": targets.urgentDays, "soonDays": targets.soonDays, "routineDays": targets.routineDays, "timeZone": targets.timeZone],
                "signals": signalPart, "feedback": feedbackPart, "chatMoments": chatPart]
    }
}
