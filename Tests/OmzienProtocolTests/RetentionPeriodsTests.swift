import Foundation
import OmzienModel
import OmzienProtocol
import Testing

/// What a device makes of its server's retention announcement (PRIVACY.md R-PRIV-22) when
/// the server, or whatever answers in its place, sends what no honest server would.
@Suite struct RetentionPeriodsTests {
    func policy(_ json: String) throws -> RetentionPolicy? {
        try JSONDecoder().decode(RetentionPeriods.self, from: Data(json.utf8)).policy
    }

    @Test func periodsOutsideTheAllowedRangeFallBackToTheDefaults() throws {
        let d = RetentionPolicy.defaults
        for bad in [0, -1, -9_223_372_036_854_775_808, 3651, 9_223_372_036_854_775_807] {
            let p = try #require(try policy(#"{"enabled": true, "closedDays": \#(bad), "draftDays": \#(bad), "feedbackCommentDays": \#(bad)}"#))
            #expect(p == d, "\(bad) days")
        }
        let edge = try #require(try policy(#"{"enabled": true, "closedDays": 1, "draftDays": 3650, "feedbackCommentDays": 7}"#))
        #expect(edge == RetentionPolicy(closedDays: 1, draftDays: 3650, feedbackCommentDays: 7))
    }

    @Test func aMissingPeriodIsTheDefaultAndDisabledMeansNoPurge() throws {
        #expect(try policy(#"{"enabled": true}"#) == .defaults)
        #expect(try policy(#"{"enabled": false, "closedDays": 1}"#) == nil)
    }

    @Test func numbersThatAreNotDayCountsAreRefusedNotGuessed() {
        // A device that cannot decode the announcement keeps what it had (learnRetention).
        for bad in [#"{"enabled": true, "closedDays": 1e30}"#, #"{"enabled": true, "closedDays": 2.5}"#,
                    #"{"enabled": true, "closedDays": "30"}"#, #"{"enabled": "yes"}"#, #"{}"#] {
            #expect(throws: (any Error).self, "\(bad)") { try policy(bad) }
        }
    }
}
