/// The fixed lists of the domain (Protocol/MODEL.md, "Vocabularies"). Lists only grow:
/// a value once published is never renamed or removed, so old operations stay valid.
/// `indicatorCatalogVersion` goes up whenever an indicator is added.
public enum Vocabulary {
    public static let indicatorCatalogVersion = 1

    /// Loneliness indicators a cashier can tick (catalog version 1).
    public static let indicators = [
        "daily-long-stay",      // comes in daily and stays long
        "mentions-alone",       // mentions being alone
        "withdrawn",            // seems withdrawn
        "self-neglect",         // signs of self-neglect
        "recent-loss",          // recent loss of a partner
        "confused",             // seems confused or forgetful
        "money-worries",        // mentions money worries
    ]

    public static let urgencies = ["routine", "soon", "urgent"]
    public static let consents = ["given", "refused", "not-asked"]

    /// The signal lifecycle, lowest rank first. `draft` lives on the device; `submitted`
    /// makes it a referral; partners move it on. Reopen starts a new epoch at `reopened`.
    public static let signalStatus = StatusLattice(
        states: ["draft", "submitted", "reopened", "accepted", "contact-attempted", "in-contact", "declined", "closed"],
        reopenState: "reopened")

    public static let outcomes = ["linked-to-activity", "home-visit", "referred-elsewhere", "no-help-wanted", "unreachable", "other"]

    /// The shoppers' irritations, as feedback categories.
    public static let feedbackCategories = [
        "queue-at-till", "out-of-stock", "price-error", "unfriendly-service",
        "cleanliness", "closing-time", "unreachable-by-phone", "freshness", "other",
    ]
    public static let channels = ["till", "kletskassa", "coffee-corner"]

    public static let noteMaxBytes = 2000
    public static let contactMaxBytes = 200
    public static let commentMaxBytes = 1000
}
