/// How long records with personal text live (Protocol/PRIVACY.md R-PRIV-17..19). The same
/// rule runs on the server and, on its own clock, on every device (R-PRIV-20), so a lost
/// device that was offline for months holds no more than the server does.
///
/// A record's retention runs from its **last change**: the newest write of any of its
/// register fields (the wall clock of that write's HLC timestamp). Closing a referral writes
/// its `outcome`, declining writes its `declineReason`, so the last change is never before the
/// closing; every replica holds the same heads, so every replica computes the same time.
public struct RetentionPolicy: Sendable, Equatable {
    /// Closed and declined referrals (default 180 days).
    public var closedDays: Int
    /// Signals kept as a draft and never submitted (default 30 days).
    public var draftDays: Int
    /// Feedback that carries a comment (default 365 days). Feedback without one holds no
    /// personal text and stays.
    public var feedbackCommentDays: Int

    public init(closedDays: Int = 180, draftDays: Int = 30, feedbackCommentDays: Int = 365) {
        self.closedDays = closedDays
        self.draftDays = draftDays
        self.feedbackCommentDays = feedbackCommentDays
    }

    public static let defaults = RetentionPolicy()
    /// The periods a server may be given (`serve --retention-*`) and a device accepts from
    /// its server's announcement (R-PRIV-22): one day to ten years.
    public static let allowedDays = 1...3650
    public static let dayMillis: UInt64 = 86_400_000

    /// Why a record is purged.
    public enum Reason: String, Sendable {
        case closed, declined, draft, feedbackComment = "feedback-comment"
    }

    /// The wall-clock time (ms) of the record's newest register write, nil when it has none.
    public static func lastChange(_ state: RecordState) -> UInt64? {
        var newest: UInt64?
        for case let .register(reg) in state.fields.values {
            for head in reg.heads { newest = max(newest ?? 0, head.timestamp.wallMillis) }
        }
        return newest
    }

    /// Whether `state` is due for purge at `now` (ms), and why. Erased records never are.
    public func due(_ state: RecordState, now: UInt64) -> Reason? {
        guard !state.erased, let last = Self.lastChange(state) else { return nil }
        func older(_ days: Int) -> Bool { now >= last && now - last >= UInt64(max(days, 0)) * Self.dayMillis }
        switch state.ref.kind {
        case .signal:
            switch state.status("status")?.state ?? "draft" {
            case "closed": return older(closedDays) ? .closed : nil
            case "declined": return older(closedDays) ? .declined : nil
            case "draft": return older(draftDays) ? .draft : nil
            default: return nil
            }
        case .feedback:
            guard let comment = state.string("comment"), !comment.isEmpty else { return nil }
            return older(feedbackCommentDays) ? .feedbackComment : nil
        default:
            return nil
        }
    }
}
