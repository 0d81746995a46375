import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore

/// Response-time reports (Protocol/PARTNERS.md, R-PART-11): the measure the source documents
/// ask for (how fast does someone get an answer), as aggregates with small counts suppressed.
extension SyncService {
    /// After a push: signals that are now submitted get their submission time (server time:
    /// when the partner could first see them), once.
    static func recordSubmissions(_ ops: [LogOperation], store storeID: String, at now: UInt64, in store: ReplicaStore) throws {
        let signals = Set(ops.filter { $0.record.kind == .signal }.map(\.record))
        guard !signals.isEmpty else { return }
        let insert = try store.database.cachedStatement("INSERT OR IGNORE INTO referral_events(referral, store, event, at) VALUES (?, ?, 'submitted', ?)")
        for ref in signals {
            guard let state = try store.loadRecord(ref), !state.erased, let s = state.status("status"), s.state != "draft" else { continue }
            try insert.run([.text(ref.id.rawValue), .text(storeID), .integer(Int64(now))])
        }
    }

    /// After a partner's follow-up.
    static func recordFollowUp(_ state: String, referral: String, store storeID: String, at now: UInt64, in store: ReplicaStore) throws {
        var events: [String] = []
        if ["accepted", "contact-attempted", "in-contact", "closed"].contains(state) { events.append("accepted") }
        if ["contact-attempted", "in-contact", "closed"].contains(state) { events.append("contact") }
        let insert = try store.database.cachedStatement("INSERT OR IGNORE INTO referral_events(referral, store, event, at) VALUES (?, ?, ?, ?)")
        for e in events { try insert.run([.text(referral), .text(storeID), .text(e), .integer(Int64(now))]) }
    }

    public func responseTimes(_ principal: Principal, by: String, threshold: Int = 5) throws -> ResponseTimeReport {
        switch principal {
        case .admin, .headOffice: break
        default: throw Problems.forbidden("reports need an admin or head-office token")
        }
        guard ["store", "region", "partner"].contains(by) else { throw Problems.badRequest("by must be store, region or partner, got '\(by)'") }
        guard threshold >= 5 else { throw Problems.badRequest("the suppression threshold is at least 5 (got \(threshold)): smaller groups could single out a person") }
        let keyColumn = by == "store" ? "e.store" : by == "region" ? "st.region" : "coalesce(p.id, '(no partner)')"
        return try worker.read { store in
            let rows = try store.database.rows("""
                SELECT \(keyColumn) AS k, e.referral,
                       max(CASE WHEN e.event = 'submitted' THEN e.at END),
                       max(CASE WHEN e.event = 'accepted' THEN e.at END),
                       max(CASE WHEN e.event = 'contact' THEN e.at END)
                FROM referral_events e JOIN stores st ON st.id = e.store LEFT JOIN partners p ON p.region = st.region
                GROUP BY k, e.referral
                """)
            var groups: [String: [(accepted: Double?, contact: Double?)]] = [:]
            for r in rows {
                guard case let .text(key) = r[0], case let .integer(submitted) = r[2] else { continue }
                let accepted = r[3].int64.map { Double($0 - submitted) / 60_000 }
                let contact = r[4].int64.map { Double($0 - submitted) / 60_000 }
                groups[key, default: []].append((accepted, contact))
            }
            func percentiles(_ values: [Double]) -> ResponseTimeReport.Percentiles? {
                guard values.count >= threshold else { return nil }
                let v = values.sorted()
                func at(_ p: Double) -> Double { v[min(v.count - 1, Int((Double(v.count) * p).rounded(.up)) - 1)] }
                return .init(count: v.count, p50: at(0.5), p90: at(0.9), max: v.last!)
            }
            let out = groups.keys.sorted().map { key -> ResponseTimeReport.Group in
                let list = groups[key]!
                guard list.count >= threshold else {
                    return .init(key: key, referrals: nil, suppressed: true, acceptedMinutes: nil, firstContactMinutes: nil)
                }
                return .init(key: key, referrals: list.count, suppressed: false,
                             acceptedMinutes: percentiles(list.compactMap(\.accepted)), firstContactMinutes: percentiles(list.compactMap(\.contact)))
            }
            return ResponseTimeReport(by: by, threshold: threshold, groups: out)
        }
    }
}
