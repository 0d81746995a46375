import Foundation

/// The inbox's response clock until the configurable targets of the reports work land
/// (PARTNERS.md R-WEB-11): urgent 1, soon 3, routine 10 working days (Monday to Friday in
/// Europe/Amsterdam) from submission to first contact; a submission on a weekend counts from
/// the Monday after. To be replaced by the shared `ResponseTargets` type.
enum ResponseDeadline {
    static func workingDays(for urgency: String) -> Int {
        switch urgency {
        case "urgent": 1
        case "soon": 3
        default: 10
        }
    }

    static func deadline(submittedAt: UInt64, urgency: String) -> UInt64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = WebPages.timeZone
        func isWeekend(_ d: Date) -> Bool { calendar.isDateInWeekend(d) }
        var date = Date(timeIntervalSince1970: Double(submittedAt) / 1000)
        if isWeekend(date) {
            date = calendar.startOfDay(for: date)
            while isWeekend(date) { date = calendar.date(byAdding: .day, value: 1, to: date)! }
        }
        var left = workingDays(for: urgency)
        while left > 0 {
            date = calendar.date(byAdding: .day, value: 1, to: date)!
            if !isWeekend(date) { left -= 1 }
        }
        return UInt64(max(0, date.timeIntervalSince1970 * 1000))
    }
}
