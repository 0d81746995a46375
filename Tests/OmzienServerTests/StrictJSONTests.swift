import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import Testing

/// R-SYNC-1a: push bodies are strict JSON; an ambiguous or malformed body gets 400
/// `invalid-json` naming the byte offset, and nothing is applied.
struct StrictJSONTests {
    @Test func ambiguousAndMalformedPushBodiesAreRefusedWithTheOffset() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-a")
        let replica = device.store.replica.rawValue
        let url = h.baseURL.appendingPathComponent("v1/sync/push")
        let headers = ["Authorization": "Bearer \(device.client.token!)", "Content-Type": "application/json"]
        // (body, the text where the error is (its first byte is the offset named), reason)
        let cases: [(body: String, at: String?, reason: String)] = [
            (#"{"protocolVersion":1,"replica":"\#(replica)","replica":"other","operations":[]}"#, #""replica":"other""#, "appears twice"),
            (#"{"protocolVersion":1,"replica":"\#(replica)","operations":[],}"#, "}", "member name"),
            (#"{"protocolVersion":1.0,"replica":"\#(replica)","operations":[]}"#, nil, "protocolVersion"),
            (#"{"protocolVersion":01,"replica":"\#(replica)","operations":[]}"#, "1,", "leading zero"),
            ("{\"protocolVersion\":1,\"replica\":\"\u{7}\",\"operations\":[]}", "\u{7}", "control character"),
        ]
        for c in cases {
            let (status, body) = try URLSessionTransport().send(method: "POST", url: url, headers: headers, body: Data(c.body.utf8))
            let problem = try #require(try? JSONSerialization.jsonObject(with: body) as? [String: Any], "\(c.body)")
            let detail = problem["detail"] as? String ?? ""
            #expect(status == 400, "\(c.body): \(status) \(detail)")
            #expect((problem["type"] as? String ?? "").hasSuffix("invalid-json"), "\(c.body): \(problem)")
            #expect(detail.contains(c.reason), "\(c.body): \(detail)")
            if let at = c.at, let range = c.body.range(of: at, options: .backwards) {
                let offset = c.body.utf8.distance(from: c.body.startIndex, to: range.lowerBound)
                #expect(detail.contains("byte \(offset):"), "\(c.body): \(detail)")
            }
        }
        let status = try device.client.call("GET", "v1/sync/status", as: StatusResponse.self)
        #expect(status.held == 0)
    }

    /// Schema checks run before the database thread; an operation that fails them is still
    /// refused with 422 naming it, and the whole push is applied or nothing.
    @Test func anInvalidOperationIsRefusedNamingIt() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let device = try h.enroll("store-a", name: "till-a")
        let good = try FeedbackDraft(store: "store-a", givenAt: 1_763_800_000_000, category: "other", nps: 7).changes()
        let first = LogOperation(id: OperationID(replica: device.store.replica, sequence: 1), timestamp: HLCTimestamp(wallMillis: 1_763_800_000_000, counter: 0),
                                 author: AuthorID(trusted: "kassa-1"), record: RecordRef(kind: .feedback, id: RecordID.random()), body: .changes(good),
                                 previousHash: .zero)
        // NPS 11: hashes are right, the schema (0...10) is not.
        let bad = LogOperation(id: OperationID(replica: device.store.replica, sequence: 2), timestamp: HLCTimestamp(wallMillis: 1_763_800_000_001, counter: 0),
                               author: AuthorID(trusted: "kassa-1"), record: first.record, body: .changes([.set(field: "nps", value: .int(11), supersedes: [])]),
                               previousHash: first.hash)
        #expect(throws: (any Error).self) { try bad.validate() }
        #expect {
            _ = try device.client.call("POST", "v1/sync/push", body: PushRequest(replica: device.store.replica.rawValue, operations: [first, bad]), as: PushResponse.self)
        } throws: { error in
            guard case let ClientError.problem(p) = error else { return false }
            return p.status == 422 && (p.detail ?? "").contains("nps")
        }
        #expect(try device.client.call("GET", "v1/sync/status", as: StatusResponse.self).held == 0, "nothing of the refused push was applied")
    }
}
