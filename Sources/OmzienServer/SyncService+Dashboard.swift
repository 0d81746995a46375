import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Head office's dashboard figures as JSON (Protocol/PARTNERS.md R-WEB-30..35): read from the
/// server's merged records and `referral_events`, computed and suppressed by `DashboardFigures`.
extension SyncService {
    public func dashboard(_ principal: Principal, figure: String, by: String? = nil, threshold: Int = 5) throws -> DashboardReport {
        switch principal {
        case .admin, .headOffice: break
        case let .person(p) where p.role == .headOffice: break  // head-office staff's own account (R-WEB-2)
        default: throw Problems.forbidden("the dashboard's figures need an admin or head-office token")
        }
        guard DashboardReport.figures.contains(figure) else {
            throw Problems.notFound("no dashboard figure '\(figure)': the figures are \(DashboardReport.figures.joined(separator: ", "))")
        }
        let by = by ?? (figure == "response-times" ? "region" : "store")
        if figure == "response-times" {
            guard ["region", "partner"].contains(by) else { throw Problems.badRequest("by must be region or partner for response-times, got '\(by)'") }
        } else if by != "store" {
            throw Problems.badRequest("\(figure) is per store: leave out by or give by=store, got '\(by)'")
        }
        guard threshold >= 5 else { throw Problems.badRequest("the suppression threshold is at least 5 (got \(threshold)): smaller groups could single out a person") }
        let targets = configuration.responseTargets, now = self.now
        let figures = try worker.read { store -> DashboardFigures in
            let referrals = try Self.reportReferrals(store, targets: targets, now: now)
            let regions = try ServerStore(store).storeRegions()
            var feedback: [DashboardFigures.Feedback] = [], chats: [DashboardFigures.ChatMoments] = []
            if figure == "feedback" {
                for r in try store.records(kind: .feedback) where !r.erased {
                    guard let s = r.string("store"), let region = regions[s], let at = r.value("givenAt")?.intValue, at >= 0,
                          let category = r.string("category"), let nps = r.value("nps")?.intValue else { continue }
                    feedback.append(.init(store: s, region: region, givenAt: UInt64(at), category: category, nps: Int(nps)))
                }
            }
            if figure == "chat-moments" || figure == "signal-rate" {
                for r in try store.records(kind: .chatMoment) where !r.erased {
                    guard let s = r.string("store"), let region = regions[s], let day = r.string("day") else { continue }
                    chats.append(.init(store: s, region: region, day: day, count: Int(min(r.count("count"), UInt64(Int.max)))))
                }
            }
            return DashboardFigures(threshold: threshold, targets: targets, referrals: referrals, feedback: feedback, chatMoments: chats)
        }
        switch figure {
        case "response-times": return figures.responseTimes(by: by)
        case "feedback": return figures.feedbackByCategory()
        case "chat-moments": return figures.chatMomentsByWeek()
        default: return figures.signalRate()
        }
    }
}
