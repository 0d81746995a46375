import Foundation

/// How fast a referral must reach first contact, per urgency, in working days
/// (Protocol/PARTNERS.md R-PART-30..33). One type for the reports (share within target) and
/// for the partner's inbox (each referral's response clock), so that both say the same.
///
/// - A **working day** is Monday to Friday in `timeZone` (default `Europe/Amsterdam`, the
///   time zone of the stores). Public holidays are not known to the server and count as
///   working days (R-PART-31).
/// - The **deadline** of a referral submitted at time `s` with a target of `n` working days is
///   `s` moved forward by `n` working days, keeping the clock time; a submission on a Saturday
///   or Sunday counts from Monday 00:00 (R-PART-31).
/// - **First contact** is the first follow-up `contact-attempted`, `in-contact` or `closed`
///   (R-PART-32): the moment someone tried to reach the person.
public struct ResponseTargets: Codable, Sendable, Equatable {
    public var urgentDays: Int
    public var soonDays: Int
    public var routineDays: Int
    /// An IANA time zone identifier.
    public var timeZone: String

    /// urgent 1, soon 3, routine 10 working days, Europe/Amsterdam (R-PART-30).
    public static let standard = ResponseTargets(urgentDays: 1, soonDays: 3, routineDays: 10, timeZone: "Europe/Amsterdam")
    public static let dayRange = 1...60

    public init(urgentDays: Int, soonDays: Int, routineDays: Int, timeZone: String) {
        self.urgentDays = urgentDays
        self.soonDays = soonDays
        self.routineDays = routineDays
        self.timeZone = timeZone
    }

    public enum InvalidTargets: Error, CustomStringConvertible, Equatable {
        case days(urgency: String, Int)
        case timeZone(String)
        public var description: String {
            switch self {
            case let .days(u, n): "the \(u) target must be \(ResponseTargets.dayRange.lowerBound)-\(ResponseTargets.dayRange.upperBound) working days, got \(n)"
            case let .timeZone(z): "'\(z)' is not a time zone this system knows: use an IANA name such as Europe/Amsterdam"
            }
        }
    }

    /// Throws unless every target is 1-60 working days and the time zone is known.
    public func validated() throws -> ResponseTargets {
        for (u, n) in [("urgent", urgentDays), ("soon", soonDays), ("routine", routineDays)] where !Self.dayRange.contains(n) {
            throw InvalidTargets.days(urgency: u, n)
        }
        guard TimeZone(identifier: timeZone) != nil else { throw InvalidTargets.timeZone(timeZone) }
        return self
    }

    /// The target of an urgency; an unknown urgency gets the routine target.
    public func workingDays(for urgency: String) -> Int {
        switch urgency {
        case "urgent": urgentDays
        case "soon": soonDays
        default: routineDays
        }
    }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "Europe/Amsterdam")!
        return c
    }

    /// The deadline for first contact, in ms since 1970 (R-PART-31).
    public func deadline(submittedAt: UInt64, urgency: String) -> UInt64 {
        let cal = calendar
        func weekend(_ d: Date) -> Bool { [1, 7].contains(cal.component(.weekday, from: d)) }
        var date = Date(timeIntervalSince1970: Double(submittedAt) / 1000)
        if weekend(date) {
            var day = cal.startOfDay(for: date)
            while weekend(day) { day = cal.date(byAdding: .day, value: 1, to: day)! }
            date = day
        }
        for _ in 0..<workingDays(for: urgency) {
            repeat { date = cal.date(byAdding: .day, value: 1, to: date)! } while weekend(date)
        }
        return UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded()))
    }

    /// Where a referral stands against its target at `now` (R-PART-33).
    public func clock(submittedAt: UInt64, urgency: String, firstContactAt: UInt64?, now: UInt64) -> ResponseClock {
        let due = deadline(submittedAt: submittedAt, urgency: urgency)
        if let c = firstContactAt { return ResponseClock(deadline: due, state: c <= due ? .metInTime : .metLate) }
        return ResponseClock(deadline: due, state: now <= due ? .open : .overdue)
    }

    /// The month (`YYYY-MM`) and ISO week (`YYYY-Www`) of a time in this time zone, as the
    /// dashboard groups them (R-WEB-31).
    public func month(of millis: UInt64) -> String {
        let c = calendar.dateComponents([.year, .month], from: Date(timeIntervalSince1970: Double(millis) / 1000))
        return String(format: "%04d-%02d", c.year!, c.month!)
    }
}

/// A referral's response clock: its deadline and whether first contact came in time.
public struct ResponseClock: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        /// Not contacted yet, deadline not passed.
        case open
        /// Not contacted yet, deadline passed: the inbox marks it.
        case overdue
        case metInTime = "met-in-time"
        case metLate = "met-late"
    }
    public var deadline: UInt64
    public var state: State
    public init(deadline: UInt64, state: State) {
        self.deadline = deadline
        self.state = state
    }
    /// Decided: contacted, or overdue. Only decided referrals count in the share within target.
    public var isDecided: Bool { state != .open }
    public var isWithinTarget: Bool { state == .metInTime }
}
