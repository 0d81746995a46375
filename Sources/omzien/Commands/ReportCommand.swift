import Foundation
import OmzienProtocol

struct AdminReportCommand: Command {
    static let name = "admin report"
    static let summary = "response times of referrals (submitted → accepted, → first contact), by store, region or partner"
    static let declaration = Declaration(
        options: [.choice("by", ["store", "region", "partner"], "how to group the referrals", default: "store"),
                  .integer("threshold", in: 5...1_000_000, "the smallest group shown; smaller ones are suppressed", default: 5)] + AdminContext.options,
        about: """
        Percentiles in minutes of server time. Groups with fewer referrals than the threshold
        (at least and by default 5) are shown as suppressed, so no person can be singled out.
        A head-office token (omz_h_…) works here too.
        """)
    let context: AdminContext, by: String, threshold: Int

    init(_ args: inout ArgumentReader) throws {
        by = args.string("by")
        threshold = args.integer("threshold")
        context = try AdminContext(&args)
    }

    func run() throws {
        let r = try context.client.call("GET", "v1/reports/response-times", query: ["by": by, "threshold": "\(threshold)"], as: ResponseTimeReport.self)
        try context.print(r) {
            func fmt(_ p: ResponseTimeReport.Percentiles?) -> String {
                guard let p else { return "-" }
                return String(format: "%.0f / %.0f min (n=%d)", p.p50, p.p90, p.count)
            }
            func share(_ s: ResponseTimeReport.TargetShare?) -> String {
                guard let s else { return "-" }
                return String(format: "%.0f%% (%d of %d)", s.share * 100, s.within, s.decided)
            }
            Output.table([by.uppercased(), "REFERRALS", "TO ACCEPTED p50 / p90", "TO FIRST CONTACT p50 / p90", "WITHIN TARGET"],
                         r.groups.map { [$0.key, $0.suppressed ? "< \(r.threshold)" : "\($0.referrals ?? 0)", $0.suppressed ? "suppressed" : fmt($0.acceptedMinutes),
                                         $0.suppressed ? "suppressed" : fmt($0.firstContactMinutes), $0.suppressed ? "suppressed" : share($0.withinTarget)] })
            if let t = r.targets {
                Output.line("Targets to first contact: urgent \(t.urgentDays), soon \(t.soonDays), routine \(t.routineDays) working days (Mon-Fri, \(t.timeZone)).")
            }
        }
    }
}
