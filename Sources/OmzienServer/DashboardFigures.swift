import Foundation
import OmzienProtocol

/// Head office's figures (Protocol/PARTNERS.md R-WEB-30..35), computed from plain inputs and
/// suppressed as PRIVACY.md R-PRIV-6 and R-WEB-36 say. No I/O: `SyncService+Dashboard` reads
/// the inputs, tests give them directly.
///
/// The suppression, for every figure the same two steps over a parent whose total a caller
/// can know (from this or another report) and its cells:
/// 1. primary: a cell with fewer than `threshold` units is suppressed;
/// 2. complementary: while the suppressed cells of the parent hold together 1 to
///    `threshold − 1` units, the smallest shown cell is suppressed too. Then the parent's total
///    minus its shown cells gives 0 or a sum of at least `threshold`: never one small cell.
///
/// | figure | parent (its total is published by) | cells |
/// |---|---|---|
/// | response times | region (`response-times?by=region`) | months; for each measure again its counts |
/// | feedback | store × month (the `all` row) | categories |
/// | chat moments | store (`signal-rate`'s `chatMoments`) | ISO weeks |
/// | signal rate | region (`response-times?by=region`) | stores: the `by=store` suppression itself |
public struct DashboardFigures: Sendable {
    public struct Feedback: Sendable {
        public let store: String, region: String, givenAt: UInt64, category: String, nps: Int
        public init(store: String, region: String, givenAt: UInt64, category: String, nps: Int) {
            self.store = store
            self.region = region
            self.givenAt = givenAt
            self.category = category
            self.nps = nps
        }
    }
    public struct ChatMoments: Sendable {
        /// `day` is `YYYY-MM-DD` (the record's own field).
        public let store: String, region: String, day: String, count: Int
        public init(store: String, region: String, day: String, count: Int) {
            self.store = store
            self.region = region
            self.day = day
            self.count = count
        }
    }

    public let threshold: Int
    public let targets: ResponseTargets
    public let referrals: [ReportSuppression.Referral]
    public let feedback: [Feedback]
    public let chatMoments: [ChatMoments]
    let suppression: ReportSuppression

    public init(threshold: Int, targets: ResponseTargets, referrals: [ReportSuppression.Referral], feedback: [Feedback] = [], chatMoments: [ChatMoments] = []) {
        self.threshold = threshold
        self.targets = targets
        self.referrals = referrals
        self.feedback = feedback
        self.chatMoments = chatMoments
        suppression = ReportSuppression(referrals, threshold: threshold)
    }

    /// The cells to suppress among `counts` (the cells of one parent), beyond `start`
    /// (already suppressed): primary, then complementary (see the type's comment).
    public static func suppressed<K: Hashable & Comparable>(_ counts: [K: Int], threshold: Int, start: Set<K> = []) -> Set<K> {
        var hidden = start.union(counts.filter { $0.value < threshold }.map(\.key))
        var sum = hidden.reduce(0) { $0 + counts[$1, default: 0] }
        var shown = counts.keys.filter { !hidden.contains($0) }.sorted { (counts[$0]!, $0) < (counts[$1]!, $1) }
        while sum > 0 && sum < threshold, !shown.isEmpty {
            let next = shown.removeFirst()
            hidden.insert(next)
            sum += counts[next]!
        }
        return hidden
    }

    /// The ISO 8601 week of a day (`2026-12-03` is in `2026-W49`), or nil if it is no date.
    public static func isoWeek(ofDay day: String) -> String? {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var cal = Calendar(identifier: .iso8601)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let date = cal.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else { return nil }
        let c = cal.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
        return String(format: "%04d-W%02d", c.yearForWeekOfYear!, c.weekOfYear!)
    }

    /// Net Promoter Score of 0-10 scores: % promoters (9, 10) minus % detractors (0-6), to one
    /// decimal (R-WEB-32).
    public static func nps(_ scores: [Int]) -> Double {
        guard !scores.isEmpty else { return 0 }
        let promoters = scores.filter { $0 >= 9 }.count, detractors = scores.filter { $0 <= 6 }.count
        return (Double(promoters - detractors) * 1000 / Double(scores.count)).rounded() / 10
    }

    // MARK: The figures

    /// R-WEB-31: per region (or its partner) and month of submission.
    public func responseTimes(by: String) -> DashboardReport {
        var rows: [DashboardReport.Row] = []
        for (region, list) in Dictionary(grouping: referrals, by: \.region).sorted(by: { $0.key < $1.key }) {
            let key = by == "partner" ? (list.first?.partner ?? "(no partner: \(region))") : region
            let byMonth = Dictionary(grouping: list, by: { targets.month(of: $0.submittedAt) })
            var hidden = Set(byMonth.keys)
            if list.count >= threshold { hidden = Self.suppressed(byMonth.mapValues(\.count), threshold: threshold) }
            let contact = Self.suppressed(byMonth.mapValues { $0.filter { $0.contact != nil }.count }, threshold: threshold, start: hidden)
            let decided = Self.suppressed(byMonth.mapValues { $0.filter { $0.clock?.isDecided == true }.count }, threshold: threshold, start: hidden)
            for (month, cell) in byMonth.sorted(by: { $0.key < $1.key }) {
                guard !hidden.contains(month) else {
                    rows.append(.init(group: key, region: region, period: month, suppressed: true))
                    continue
                }
                rows.append(.init(group: key, region: region, period: month, suppressed: false, count: cell.count,
                                  firstContactMinutes: contact.contains(month) ? nil : suppression.percentiles(cell.compactMap(\.contact)),
                                  withinTarget: decided.contains(month) ? nil : suppression.share(cell)))
            }
        }
        return DashboardReport(figure: "response-times", by: by, threshold: threshold, targets: targets, rows: rows.sorted { ($0.group, $0.period ?? "") < ($1.group, $1.period ?? "") })
    }

    /// R-WEB-32: per store and month of the feedback, every category together (`all`) and
    /// each category, with the NPS.
    public func feedbackByCategory() -> DashboardReport {
        var rows: [DashboardReport.Row] = []
        let groups = Dictionary(grouping: feedback, by: { StoreMonth(store: $0.store, month: targets.month(of: $0.givenAt)) })
        for (key, list) in groups.sorted(by: { $0.key < $1.key }) {
            let region = list[0].region
            guard list.count >= threshold else {
                rows.append(.init(group: key.store, region: region, period: key.month, category: "all", suppressed: true))
                continue
            }
            rows.append(.init(group: key.store, region: region, period: key.month, category: "all", suppressed: false, count: list.count, nps: Self.nps(list.map(\.nps))))
            let byCategory = Dictionary(grouping: list, by: \.category)
            let hidden = Self.suppressed(byCategory.mapValues(\.count), threshold: threshold)
            for (category, cell) in byCategory.sorted(by: { $0.key < $1.key }) {
                rows.append(hidden.contains(category)
                    ? .init(group: key.store, region: region, period: key.month, category: category, suppressed: true)
                    : .init(group: key.store, region: region, period: key.month, category: category, suppressed: false, count: cell.count, nps: Self.nps(cell.map(\.nps))))
            }
        }
        return DashboardReport(figure: "feedback", by: "store", threshold: threshold, targets: targets, rows: rows)
    }

    /// R-WEB-33: chat moments per store and ISO week.
    public func chatMomentsByWeek() -> DashboardReport {
        var rows: [DashboardReport.Row] = []
        for (store, list) in Dictionary(grouping: chatMoments, by: \.store).sorted(by: { $0.key < $1.key }) {
            var weeks: [String: Int] = [:]
            for c in list { weeks[Self.isoWeek(ofDay: c.day) ?? c.day, default: 0].addSaturating(c.count) }
            let hidden = Self.suppressed(weeks, threshold: threshold)
            for (week, n) in weeks.sorted(by: { $0.key < $1.key }) {
                rows.append(hidden.contains(week) ? .init(group: store, region: list[0].region, period: week, suppressed: true)
                                                  : .init(group: store, region: list[0].region, period: week, suppressed: false, count: n))
            }
        }
        return DashboardReport(figure: "chat-moments", by: "store", threshold: threshold, targets: targets, rows: rows)
    }

    /// R-WEB-34: signals (referrals submitted) per 100 chat moments, per store. The signal count
    /// is the store's referral count of `response-times?by=store` and is suppressed exactly
    /// like it; the chat moments like a store's total in `chat-moments`; the rate needs both.
    public func signalRate() -> DashboardReport {
        let signals = Dictionary(grouping: referrals, by: \.store).mapValues(\.count)
        var chats: [String: Int] = [:], regions: [String: String] = [:]
        for c in chatMoments { chats[c.store, default: 0].addSaturating(c.count); regions[c.store] = c.region }
        for r in referrals { regions[r.store] = r.region }
        var rows: [DashboardReport.Row] = []
        for store in Set(signals.keys).union(chats.keys).sorted() {
            let s = signals[store] ?? 0, c = chats[store] ?? 0
            let signalsShown = !suppression.suppressedStores.contains(store)
            let chatsShown = c == 0 || c >= threshold
            guard signalsShown || chatsShown else {
                rows.append(.init(group: store, region: regions[store], suppressed: true))
                continue
            }
            let rate = signalsShown && chatsShown && c > 0 ? (Double(s) * 1000 / Double(c)).rounded() / 10 : nil
            rows.append(.init(group: store, region: regions[store], suppressed: !(signalsShown && chatsShown), count: signalsShown ? s : nil,
                              chatMoments: chatsShown ? c : nil, signalsPer100ChatMoments: rate))
        }
        return DashboardReport(figure: "signal-rate", by: "store", threshold: threshold, targets: targets, rows: rows)
    }

    struct StoreMonth: Hashable, Comparable {
        let store: String, month: String
        static func < (a: Self, b: Self) -> Bool { (a.store, a.month) < (b.store, b.month) }
    }
}

extension Int {
    /// Counters saturate (MODEL.md section 4.3); so do their sums here, instead of trapping.
    mutating func addSaturating(_ n: Int) {
        let (sum, overflow) = addingReportingOverflow(n)
        self = overflow ? (n > 0 ? .max : .min) : sum
    }
}
