import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// Response-time reports (Protocol/PARTNERS.md, R-PART-11): the measure the source documents
/// ask for (how fast does someone get an answer), as aggregates with small counts suppressed.
extension SyncService {
    /// After a push: signals that are now submitted get their submission time (server time:
    /// when the partner could first see them), once.
    static func recordSubmissions(_ ops: [LogOperation], store storeID: String, at now: UInt64, in store: ReplicaStore) throws {
        let signals = Set(ops.filter { $0.record.kind == .signal }.map(\.record))
        guard !signals.isEmpty else { return }
        let server = ServerStore(store)
        for ref in signals {
            guard let state = try store.loadRecord(ref), !state.erased, let s = state.status("status"), s.state != "draft" else { continue }
            try server.recordReferralEvent(.submitted, referral: ref.id.rawValue, store: storeID, at: now)
        }
    }

    /// After a partner's follow-up.
    static func recordFollowUp(_ state: String, referral: String, store storeID: String, at now: UInt64, in store: ReplicaStore) throws {
        var events: [ServerStore.ReferralEvent] = []
        if ["accepted", "contact-attempted", "in-contact", "closed"].contains(state) { events.append(.accepted) }
        if ["contact-attempted", "in-contact", "closed"].contains(state) { events.append(.contact) }
        let server = ServerStore(store)
        for e in events { try server.recordReferralEvent(e, referral: referral, store: storeID, at: now) }
    }

    public func responseTimes(_ principal: Principal, by: String, threshold: Int = 5) throws -> ResponseTimeReport {
        switch principal {
        case .admin, .headOffice: break
        case let .person(p) where p.role == .headOffice: break  // head-office staff's own account (R-WEB-2)
        default: throw Problems.forbidden("reports need an admin or head-office token")
        }
        guard ["store", "region", "partner"].contains(by) else { throw Problems.badRequest("by must be store, region or partner, got '\(by)'") }
        guard threshold >= 5 else { throw Problems.badRequest("the suppression threshold is at least 5 (got \(threshold)): smaller groups could single out a person") }
        let targets = configuration.responseTargets, now = self.now
        return try worker.read { store in
            let referrals = try Self.reportReferrals(store, targets: targets, now: now)
            let out = ReportSuppression(referrals, threshold: threshold).groups(by: by)
            return ResponseTimeReport(by: by, threshold: threshold, targets: targets, groups: out)
        }
    }

    /// Every referral the server saw submitted, with its response times, urgency and response
    /// clock (R-PART-11, R-PART-34). An erased referral keeps its times but has no urgency and
    /// so no clock: it is not counted in the share within target.
    static func reportReferrals(_ store: ReplicaStore, targets: ResponseTargets, now: UInt64) throws -> [ReportSuppression.Referral] {
        var referrals: [ReportSuppression.Referral] = []
        for r in try ServerStore(store).referralEventSummaries() {
            let submitted = r.submittedAt
            var urgency: String?
            if let rid = try? RecordID(r.referral), let state = try store.loadRecord(RecordRef(kind: .signal, id: rid)), !state.erased {
                urgency = state.string("urgency") ?? "routine"
            }
            let contactAt = r.contactAt.map { UInt64($0) }
            let clock = urgency.map { targets.clock(submittedAt: UInt64(submitted), urgency: $0, firstContactAt: contactAt, now: now) }
            referrals.append(.init(store: r.store, region: r.region, partner: r.partner,
                                   accepted: r.acceptedAt.map { Double($0 - submitted) / 60_000 }, contact: r.contactAt.map { Double($0 - submitted) / 60_000 },
                                   submittedAt: UInt64(submitted), urgency: urgency, clock: clock))
        }
        return referrals
    }
}

/// Which figures a response-time report may show (Protocol/PRIVACY.md R-PRIV-6): a group or a
/// measure with fewer than `threshold` referrals is suppressed (primary), and so much more is
/// suppressed (complementary) that no suppressed figure can be derived from shown ones by
/// subtraction across the groupings a caller can ask for:
///
/// - Stores nest in regions. In each region, the stores suppressed must together hold 0 or at
///   least `threshold` referrals; otherwise the region's smallest shown stores are suppressed
///   too, until they do (region total minus the shown stores then gives only a sum of at
///   least `threshold`).
/// - A region's accepted and first-contact figures are shown only if what they hold beyond the
///   shown stores' shown figures is 0 or at least `threshold` referrals.
/// - `by=partner` has one group per region (a region without a partner is
///   `(no partner: <region>)`), with the region's figures: a partner grouping that merged
///   regions would be one more total to subtract from.
public struct ReportSuppression: Sendable {
    public struct Referral: Sendable {
        public let store: String, region: String, partner: String?
        public let accepted: Double?, contact: Double?
        /// Server time of submission (ms), the urgency (nil: erased) and the response clock.
        public let submittedAt: UInt64, urgency: String?, clock: ResponseClock?
        public init(store: String, region: String, partner: String?, accepted: Double?, contact: Double?,
                    submittedAt: UInt64 = 0, urgency: String? = nil, clock: ResponseClock? = nil) {
            self.store = store
            self.region = region
            self.partner = partner
            self.accepted = accepted
            self.contact = contact
            self.submittedAt = submittedAt
            self.urgency = urgency
            self.clock = clock
        }

    }
    public let referrals: [Referral]
    public let threshold: Int
    /// Stores whose figures are not shown (primary and complementary).
    public let suppressedStores: Set<String>

    public init(_ referrals: [Referral], threshold: Int) {
        self.referrals = referrals
        self.threshold = threshold
        let counts = Dictionary(grouping: referrals, by: \.store).mapValues(\.count)
        let regionOf = Dictionary(referrals.map { ($0.store, $0.region) }, uniquingKeysWith: { a, _ in a })
        var suppressed = Set(counts.filter { $0.value < threshold }.keys)
        for region in Set(regionOf.values) {
            let stores = counts.keys.filter { regionOf[$0] == region }
            var hidden = stores.filter(suppressed.contains).reduce(0) { $0 + counts[$1]! }
            var shown = stores.filter { !suppressed.contains($0) }.sorted { (counts[$0]!, $0) < (counts[$1]!, $1) }
            while hidden > 0 && hidden < threshold, !shown.isEmpty {
                let next = shown.removeFirst()
                suppressed.insert(next)
                hidden += counts[next]!
            }
        }
        suppressedStores = suppressed
    }

    func percentiles(_ values: [Double]) -> ResponseTimeReport.Percentiles? {
        guard values.count >= threshold else { return nil }
        let v = values.sorted()
        func at(_ p: Double) -> Double { v[min(v.count - 1, Int((Double(v.count) * p).rounded(.up)) - 1)] }
        return .init(count: v.count, p50: at(0.5), p90: at(0.9), max: v.last!)
    }

    /// The share within target of these referrals, or nil when fewer than `threshold` are
    /// decided (R-PART-34: a measure like the percentiles, suppressed like them).
    func share(_ list: [Referral]) -> ResponseTimeReport.TargetShare? {
        let decided = list.filter { $0.clock?.isDecided == true }
        guard decided.count >= threshold else { return nil }
        return .init(decided: decided.count, within: decided.filter { $0.clock!.isWithinTarget }.count)
    }

    public func groups(by: String) -> [ResponseTimeReport.Group] {
        let hiddenGroup = { (key: String) in ResponseTimeReport.Group(key: key, referrals: nil, suppressed: true, acceptedMinutes: nil, firstContactMinutes: nil) }
        if by == "store" {
            return Dictionary(grouping: referrals, by: \.store).sorted { $0.key < $1.key }.map { key, list in
                suppressedStores.contains(key) ? hiddenGroup(key)
                    : .init(key: key, referrals: list.count, suppressed: false,
                            acceptedMinutes: percentiles(list.compactMap(\.accepted)), firstContactMinutes: percentiles(list.compactMap(\.contact)),
                            withinTarget: share(list))
            }
        }
        let byStore = Dictionary(grouping: referrals, by: \.store)
        return Dictionary(grouping: referrals, by: \.region).map { region, list -> ResponseTimeReport.Group in
            let key = by == "partner" ? (list.first?.partner ?? "(no partner: \(region))") : region
            guard list.count >= threshold else { return hiddenGroup(key) }
            let shownStores = Set(list.map(\.store)).subtracting(suppressedStores)
            /// A measure of the region, unless it would reveal fewer than `threshold` referrals
            /// beyond what the shown stores show of it.
            func measure(_ value: (Referral) -> Double?) -> ResponseTimeReport.Percentiles? {
                guard let all = percentiles(list.compactMap(value)) else { return nil }
                let shown = shownStores.reduce(0) { $0 + (percentiles(byStore[$1]!.compactMap(value))?.count ?? 0) }
                let hidden = all.count - shown
                return hidden == 0 || hidden >= threshold ? all : nil
            }
            let shownDecided = shownStores.reduce(0) { $0 + (share(byStore[$1]!)?.decided ?? 0) }
            let target = share(list).flatMap { s in s.decided - shownDecided == 0 || s.decided - shownDecided >= threshold ? s : nil }
            return .init(key: key, referrals: list.count, suppressed: false, acceptedMinutes: measure(\.accepted), firstContactMinutes: measure(\.contact),
                         withinTarget: target)
        }.sorted { $0.key < $1.key }
    }
}
