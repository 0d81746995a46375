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
            #expect(problem["type"] as? String == "https://omzien.example/problems/invalid-json" || (problem["type"] as? String ?? "").hasSuffix("invalid-json"), "\(c.body): \(problem)")
            #expect(detail.contains(c.reason), "\(c.body): \(detail)")
            if let at = c.at, let range = c.body.range(of: at, options: .backwards) {
                let offset = c.body.utf8.distance(from: c.body.startIndex, to: range.lowerBound)
                #expect(detail.contains("byte \(offset):"), "\(c.body): \(detail)")
            }
        }
        let status = try device.client.call("GET", "v1/sync/status", as: StatusResponse.self)
        #expect(status.held == 0)
    }
}
