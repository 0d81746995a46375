import OmzienModel
import OmzienProtocol
import OmzienServerStore
import OmzienStore

/// Short referral ids (Protocol/PARTNERS.md R-PART-35; issue 12 item 3): a welfare worker may
/// type the first characters of a referral's id, as `git` takes a unique prefix of a hash.
/// The server resolves them within the partner's own custody (R-PART-14) and nowhere else,
/// so a prefix can never name, count or reveal another region's referral, and the audit log
/// names the one full id that was read.
extension SyncService {
    /// The fewest characters a short id may have.
    static let shortIDMinimum = 4
    /// More candidates than this are not listed, only counted as "more".
    static let shortIDCandidates = 5

    /// The referral in `region`'s custody that `given` names (its full id, or a prefix of it
    /// that only one referral there has), with where it is; nil when none does. Drafts (not
    /// referrals yet) are no candidates.
    /// - Throws: 409 `ambiguous-id` when several referrals start with `given`, naming them.
    static func resolveReferral(_ given: String, region: String, in store: ReplicaStore) throws -> (RecordID, ServerStore.ReferralPlace)? {
        if let rid = try? RecordID(given), let place = try locate(rid, region: region, in: store) { return (rid, place) }
        guard given.count >= shortIDMinimum, given.count < 64, given.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == "-") }) else { return nil }
        var found: [(RecordID, ServerStore.ReferralPlace)] = []
        // Ids in range order; every candidate is checked for custody, so the scan is bounded
        // by what the prefix matches in the whole file, which a 4-character prefix keeps small.
        for rid in try store.recordIDs(kind: .signal, startingWith: given.lowercased(), limit: 10_000) {
            guard let place = try locate(rid, region: region, in: store),
                  let state = try store.loadRecord(RecordRef(kind: .signal, id: rid)),
                  state.status("status")?.state != "draft" else { continue }
            found.append((rid, place))
            if found.count > shortIDCandidates { break }
        }
        guard found.count > 1 else { return found.first }
        let named = found.prefix(shortIDCandidates).map(\.0.rawValue).joined(separator: ", ")
        throw Problem("ambiguous-id", status: 409, title: "More than one referral has this id",
                      detail: "'\(given)' starts the ids of \(found.count > shortIDCandidates ? "more than \(shortIDCandidates)" : "\(found.count)") referrals in your region (\(named)\(found.count > shortIDCandidates ? ", ..." : "")); give more characters")
    }
}
