/// GET /v1/reports/dashboard/{figure}: one of head office's figures (Protocol/PARTNERS.md
/// R-WEB-30..37), as flat rows a BI tool can read. Every row passed the suppression of
/// PRIVACY.md R-PRIV-6 (R-WEB-36): a suppressed row carries its keys and `suppressed: true`
/// and no figure.
///
/// | figure | a row is | figures |
/// |---|---|---|
/// | `response-times` | region or partner × month of submission | `count` (referrals), `firstContactMinutes`, `withinTarget` |
/// | `feedback` | store × month × category (`all`: every category) | `count` (respondents), `nps` |
/// | `chat-moments` | store × ISO week | `count` (chat moments) |
/// | `signal-rate` | store | `count` (signals), `chatMoments`, `signalsPer100ChatMoments` |
public struct DashboardReport: Codable, Sendable, Equatable {
    public static let figures = ["response-times", "feedback", "chat-moments", "signal-rate"]

    public struct Row: Codable, Sendable, Equatable {
        /// A store, region or partner id (`(no partner: <region>)` for a region without one).
        public var group: String
        /// The store's region (feedback, chat moments, signal rate).
        public var region: String?
        /// `YYYY-MM` (a month) or `YYYY-Www` (an ISO week), in the targets' time zone.
        public var period: String?
        /// Feedback only: an irritation category, or `all`.
        public var category: String?
        public var suppressed: Bool
        public var count: Int?
        public var firstContactMinutes: ResponseTimeReport.Percentiles?
        public var withinTarget: ResponseTimeReport.TargetShare?
        /// Net Promoter Score: % promoters (9-10) minus % detractors (0-6), -100...100.
        public var nps: Double?
        public var chatMoments: Int?
        public var signalsPer100ChatMoments: Double?

        public init(group: String, region: String? = nil, period: String? = nil, category: String? = nil, suppressed: Bool, count: Int? = nil,
                    firstContactMinutes: ResponseTimeReport.Percentiles? = nil, withinTarget: ResponseTimeReport.TargetShare? = nil,
                    nps: Double? = nil, chatMoments: Int? = nil, signalsPer100ChatMoments: Double? = nil) {
            self.group = group
            self.region = region
            self.period = period
            self.category = category
            self.suppressed = suppressed
            self.count = count
            self.firstContactMinutes = firstContactMinutes
            self.withinTarget = withinTarget
            self.nps = nps
            self.chatMoments = chatMoments
            self.signalsPer100ChatMoments = signalsPer100ChatMoments
        }
    }

    public var figure: String
    /// `region` or `partner` for response times, `store` otherwise.
    public var by: String
    public var threshold: Int
    public var targets: ResponseTargets
    public var rows: [Row]

    public init(figure: String, by: String, threshold: Int, targets: ResponseTargets, rows: [Row]) {
        self.figure = figure
        self.by = by
        self.threshold = threshold
        self.targets = targets
        self.rows = rows
    }
}
