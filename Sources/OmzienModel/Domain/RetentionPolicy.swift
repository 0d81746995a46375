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
    /// Feedback that carries a comment (default 365 days): the comment is cleared, the
    /// feedback stays (its score and category hold no personal text).
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

    /// The fields a purge clears instead of erasing the record (R-PRIV-19): a feedback's
    /// comment is personal text, its score, category, channel, store and time are not, and
    /// NPS figures keep counting them.
    public static let clearedFields: [RecordKind: [String]] = [.feedback: ["comment"]]

    /// Free-text fields whose superseded texts every replica drops from its stored payloads
    /// (`ReplicaStore.dropClearedText`): no merge and no view needs a text a later write
    /// replaced. A feedback's comment (cleared by retention or edited) and a signal's decline
    /// reason (cleared by a reopen: the store saw the reason while the referral was declined,
    /// PARTNERS.md R-PART-27, and keeps none after; PRIVACY.md R-PRIV-30).
    public static let supersededTextFields: [RecordKind: [String]] = [.feedback: ["comment"], .signal: ["declineReason"]]

    /// Whether `field` may arrive `withheld` because its text was superseded or cleared.
    public static func clears(_ kind: RecordKind, _ field: String) -> Bool {
        supersededTextFields[kind]?.contains(field) ?? false
    }

    /// Whether any head of `field` (the winner or a kept conflict) holds text.
    public static func holdsText(_ state: RecordState, _ field: String) -> Bool {
        guard case let .register(reg)? = state.fields[field] else { return false }
        return reg.heads.contains { if case let .string(text) = $0.value { !text.isEmpty } else { false } }
    }

    /// The write that clears `state`'s cleared fields that hold text: a null superseding every
    /// head, so the texts are neither the value nor a conflict any more (R-PRIV-19).
    public static func clearing(_ state: RecordState) -> [FieldChange] {
        (clearedFields[state.ref.kind] ?? []).filter { holdsText(state, $0) }
            .map { .set(field: $0, value: .null, supersedes: state.heads($0)) }
    }

    /// Whether `state` is due for purge at `now` (ms), and why. Erased records never are.
    /// Feedback is due when a head of its comment holds text; the purge then clears the
    /// comment (`clearing`) and keeps the record.
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
            guard Self.holdsText(state, "comment") else { return nil }
            return older(feedbackCommentDays) ? .feedbackComment : nil
        default:
            return nil
        }
    }
}
