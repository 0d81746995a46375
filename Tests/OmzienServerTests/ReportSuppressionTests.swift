import Foundation
import OmzienClient
import OmzienProtocol
import OmzienServer
import OmzienTestSupport
import Testing

/// Issue 11 leak 6 (Protocol/PRIVACY.md R-PRIV-6): a suppressed figure cannot be computed from
/// the shown ones by subtracting across the groupings (store, region, partner).
struct ReportSuppressionTests {
    /// The attack of the issue, through the API: 6, 6 and 2 referrals in three stores of one
    /// region. `by=region` shows 14; `by=store` must then not show both sixes.
    @Test func theDifferencingAttackOfTheIssueGetsNothing() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "noord"), ("store-c", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        for (store, n) in [("store-a", 6), ("store-b", 6), ("store-c", 2)] {
            let d = try h.enroll(store, name: "till-\(store)")
            let signals = try (0..<n).map { _ in try d.recordSignal(note: "n") }
            try d.sync()
            for s in signals { _ = try wz.call("POST", "v1/partner/referrals/\(s.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self) }
        }
        let stores = try h.admin.call("GET", "v1/reports/response-times", query: ["by": "store"], as: ResponseTimeReport.self)
        let regions = try h.admin.call("GET", "v1/reports/response-times", query: ["by": "region"], as: ResponseTimeReport.self)
        let partners = try h.admin.call("GET", "v1/reports/response-times", query: ["by": "partner"], as: ResponseTimeReport.self)
        #expect(regions.groups.map(\.referrals) == [14])
        let partnerCounts: [Int?] = partners.groups.map(\.referrals)
        let partnerKeys: [String] = partners.groups.map(\.key)
        #expect(partnerCounts == [14] && partnerKeys == ["wz-noord"])
        let shown: Int = stores.groups.compactMap(\.referrals).reduce(0, +)
        let derived: Int = 14 - shown
        let listing: [String] = stores.groups.map { g in "\(g.key):\(g.referrals.map { String($0) } ?? "-")" }
        let safe: Bool = derived == 0 || derived >= 5
        #expect(safe, "region 14 minus the shown stores (\(listing)) leaves \(derived)")
        #expect(stores.groups.filter(\.suppressed).count == 2, "store-c (2) and, to protect it, one of the sixes")
        #expect(stores.groups.first { $0.key == "store-c" }?.suppressed == true)
    }

    /// Generated regions, stores and follow-ups: for every region and measure, what the
    /// region shows minus what its shown stores show is 0 or at least the threshold; a
    /// suppressed store shows nothing; `by=partner` has the figures of `by=region`.
    @Test func noSuppressedFigureIsDerivableInGeneratedReports() throws {
        var rng = SplitMix64(seed: 611)
        for round in 0..<500 {
            let threshold = Int.random(in: 5...8, using: &rng)
            var referrals: [ReportSuppression.Referral] = []
            for r in 0..<Int.random(in: 1...3, using: &rng) {
                let partner: String? = Bool.random(using: &rng) ? "wz-\(r)" : nil
                for s in 0..<Int.random(in: 1...5, using: &rng) {
                    for _ in 0..<Int.random(in: 0...12, using: &rng) {
                        let accepted: Double? = Int.random(in: 0..<3, using: &rng) == 0 ? nil : Double.random(in: 1...600, using: &rng)
                        let contact: Double? = accepted.flatMap { a in Bool.random(using: &rng) ? a + 10 : nil }
                        referrals.append(.init(store: "s\(r)-\(s)", region: "r\(r)", partner: partner, accepted: accepted, contact: contact))
                    }
                }
            }
            let report = ReportSuppression(referrals, threshold: threshold)
            let stores: [ResponseTimeReport.Group] = report.groups(by: "store")
            let regions: [ResponseTimeReport.Group] = report.groups(by: "region")
            let partners: [ResponseTimeReport.Group] = report.groups(by: "partner")
            let partnerCounts: [Int] = partners.map { $0.referrals ?? -1 }.sorted()
            let regionCounts: [Int] = regions.map { $0.referrals ?? -1 }.sorted()
            #expect(partnerCounts == regionCounts, "round \(round): by=partner and by=region differ")
            for g in stores where g.suppressed {
                let hidden: Bool = g.referrals == nil && g.acceptedMinutes == nil && g.firstContactMinutes == nil
                #expect(hidden, "round \(round): suppressed \(g.key) still shows a figure")
            }
            for g in stores + regions {
                if let n = g.referrals { #expect(n >= threshold, "round \(round): \(g.key) shows \(n) < \(threshold)") }
                let measureCounts: [Int] = [g.acceptedMinutes?.count, g.firstContactMinutes?.count].compactMap { $0 }
                for m in measureCounts { #expect(m >= threshold, "round \(round): \(g.key) shows a measure of \(m)") }
            }
            for region in regions {
                let prefix: String = region.key.replacingOccurrences(of: "r", with: "s") + "-"
                let inRegion: [ResponseTimeReport.Group] = stores.filter { $0.key.hasPrefix(prefix) }
                let shownReferrals: Int = inRegion.compactMap { $0.referrals }.reduce(0, +)
                let shownAccepted: Int = inRegion.compactMap { $0.acceptedMinutes?.count }.reduce(0, +)
                let shownContact: Int = inRegion.compactMap { $0.firstContactMinutes?.count }.reduce(0, +)
                let remainders: [(String, Int?)] = [
                    ("referrals", region.referrals.map { $0 - shownReferrals }),
                    ("accepted", region.acceptedMinutes.map { $0.count - shownAccepted }),
                    ("contact", region.firstContactMinutes.map { $0.count - shownContact }),
                ]
                for (name, remainder) in remainders {
                    guard let d = remainder else { continue }
                    let safe: Bool = d == 0 || d >= threshold
                    #expect(safe, "round \(round), \(region.key), \(name): a suppressed figure of \(d) is derivable")
                }
            }
        }
    }
}
