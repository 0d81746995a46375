import OmzienModel

/// The retention periods a server applies (Protocol/PRIVACY.md R-PRIV-22), announced in
/// `GET /v1/info` so that its devices purge on the same periods as the server, not on the
/// defaults. `enabled` false: the server runs with `--no-retention`, and its devices purge
/// nothing either (the server is where the periods are decided).
public struct RetentionPeriods: Codable, Sendable, Equatable {
    public var enabled: Bool
    public var closedDays: Int?
    public var draftDays: Int?
    public var feedbackCommentDays: Int?

    public init(_ policy: RetentionPolicy?) {
        enabled = policy != nil
        closedDays = policy?.closedDays
        draftDays = policy?.draftDays
        feedbackCommentDays = policy?.feedbackCommentDays
    }

    /// The policy a device applies: nil when the server purges nothing; a period the server
    /// left out (or sent outside `RetentionPolicy.allowedDays`, as `serve` refuses) is the default's.
    public var policy: RetentionPolicy? {
        guard enabled else { return nil }
        let d = RetentionPolicy.defaults
        func days(_ value: Int?, _ fallback: Int) -> Int { value.flatMap { RetentionPolicy.allowedDays.contains($0) ? $0 : nil } ?? fallback }
        return RetentionPolicy(closedDays: days(closedDays, d.closedDays), draftDays: days(draftDays, d.draftDays),
                               feedbackCommentDays: days(feedbackCommentDays, d.feedbackCommentDays))
    }
}
