import Foundation
import OmzienClient
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienTestSupport
import Synchronization
import Testing

/// Paths no test walked before issue 15 (group commit with a failing push, a failing COMMIT,
/// pull paging, every 500 logged) and requirements no test checked.
@Suite struct SpecGapTests {
    typealias LoggedServer = ServerHardeningTests.LoggedServer

    static func devices(_ s: LoggedServer, _ n: Int) throws -> [DeviceSync] {
        _ = try s.admin.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: "noord", name: "Noord"), as: RegionInfo.self)
        _ = try s.admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: "store-a", region: "noord", name: "A"), as: StoreInfo.self)
        return try (0..<n).map { i in
            let code = try s.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
            return try DeviceSync.enroll(server: s.baseURL, code: code.code, label: "till-\(i)", path: s.dir.appendingPathComponent("till-\(i).sqlite").path, retry: .none)
        }
    }

    static func push(_ base: URL, _ d: DeviceSync, version: Int = SyncProtocol.version) throws -> (status: Int, json: [String: Any]) {
        var request = PushRequest(replica: d.store.replica.rawValue, operations: try d.store.unsentOperations())
        request.protocolVersion = version
        let (status, body) = try URLSessionTransport().send(method: "POST", url: base.appendingPathComponent("v1/sync/push"),
            headers: ["Authorization": "Bearer \(d.client.token!)", "Content-Type": "application/json"], body: try JSONEncoder().encode(request))
        return (status, (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:])
    }

    /// Runs `body(0..<n)` on n threads at once (not limited by the core count, so every
    /// push is queued while the database thread is held) and waits for all.
    static func together(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let done = DispatchSemaphore(value: 0)
        for i in 0..<n { Thread { body(i); done.signal() }.start() }
        for _ in 0..<n { done.wait() }
    }

    static func held(_ s: LoggedServer, _ d: DeviceSync) throws -> UInt64 {
        try d.client.call("GET", "v1/sync/status", as: StatusResponse.self).held
    }

    /// R-SYNC-8, R-SYNC-15: pushes that share one group transaction each run in their own
    /// savepoint. One of them fails (a damaged row it reads: 500); the others are committed
    /// and acknowledged, the failing one applies nothing; the 500 is logged.
    @Test func oneFailingPushInASharedGroupCommitLeavesTheOthersCommitted() throws {
        let s = try LoggedServer()
        let ds = try Self.devices(s, 5)
        for d in ds { for i in 0..<3 { _ = try d.recordSignal(note: "n\(i)") } }
        try s.server.service._damageQuarantine(of: ds[0].store.replica)
        let before = s.server.service.commitStats
        let service = s.server.service
        let hold = Thread { try? service._occupyDatabaseThread(seconds: 0.5) }
        hold.start()
        usleep(50_000)
        let shared = ds.map(Unshared.init)
        let base = s.baseURL
        let statuses = Mutex([Int](repeating: 0, count: ds.count))
        Self.together(ds.count) { i in
            let status = (try? Self.push(base, shared[i].value).status) ?? -1
            statuses.withLock { $0[i] = status }
        }
        let after = s.server.service.commitStats
        let got = statuses.withLock { $0 }
        #expect(got[0] == 500, "the damaged device's push fails: \(got)")
        #expect(got.dropFirst().allSatisfy { $0 == 200 }, "the others are committed: \(got)")
        #expect(after.commits - before.commits < after.writes - before.writes, "they shared a group commit: \(after.commits - before.commits) commits for \(after.writes - before.writes) writes")
        #expect(try Self.held(s, ds[0]) == 0, "the failing push applied nothing")
        for d in ds.dropFirst() { #expect(try Self.held(s, d) == 3) }
        let errors = s.lines.filter { $0.route == "/v1/sync/push" && $0.status == 500 }
        #expect(errors.count == 1 && errors.first?.error?.isEmpty == false, "every 500 is logged with its cause: \(errors.map(\.jsonLine))")
    }

    /// R-SYNC-8: a COMMIT that fails acknowledges none of the pushes in its group, applies none
    /// of them (the server's view is reloaded), and the next pushes go through.
    @Test func aFailingCommitAcknowledgesNothingAndTheServerRecovers() throws {
        let s = try LoggedServer()
        let ds = try Self.devices(s, 3)
        let base = s.baseURL
        for d in ds { for i in 0..<2 { _ = try d.recordSignal(note: "c\(i)") } }
        let service = s.server.service
        let hold = Thread { try? service._occupyDatabaseThread(seconds: 0.5) }
        hold.start()
        usleep(50_000)
        let breaker = Mutex<(any Error)?>(nil)
        let breakerThread = Thread { do { try service._writeThatFailsTheCommit() } catch { breaker.withLock { $0 = error } } }
        breakerThread.start()
        usleep(50_000)
        let shared = ds.map(Unshared.init)
        let statuses = Mutex([Int](repeating: 0, count: ds.count))
        Self.together(ds.count) { i in
            let status = (try? Self.push(base, shared[i].value).status) ?? -1
            statuses.withLock { $0[i] = status }
        }
        while breakerThread.isExecuting { usleep(10_000) }
        usleep(50_000)
        #expect(breaker.withLock { $0 } != nil, "the COMMIT failed")
        let got = statuses.withLock { $0 }
        #expect(got.allSatisfy { $0 >= 500 }, "no push of the failed group is acknowledged: \(got)")
        for d in ds { #expect(try Self.held(s, d) == 0, "nothing of the failed group is applied") }
        let logged = s.lines.filter { $0.route == "/v1/sync/push" && $0.status >= 500 }
        #expect(logged.count == ds.count && logged.allSatisfy { $0.error?.isEmpty == false }, "every 5xx is logged with its cause: \(logged.map(\.jsonLine))")
        // The next pushes commit.
        for d in ds {
            #expect(try Self.push(base, d).status == 200)
            #expect(try Self.held(s, d) == 2)
        }
        #expect(try s.admin.call("GET", "v1/admin/stores", as: [StoreInfo].self).map(\.id) == ["store-a"], "the breaker's row was rolled back")
    }

    /// R-SYNC-10, R-SYNC-12: pull pages of at most `limit`, `more: true` until the last, in
    /// arrival order without repeats, the caller's own operations left out; a bad cursor is
    /// 400 invalid-cursor; applying a page twice changes nothing.
    @Test func pullPagesWithMoreUntilTheLastAndAPageAppliesOnce() throws {
        let s = try LoggedServer()
        let ds = try Self.devices(s, 2)
        let (a, b) = (ds[0], ds[1])
        let base = s.baseURL
        for i in 0..<25 { _ = try a.recordSignal(note: "p\(i)") }
        #expect(try Self.push(base, a).status == 200)
        var cursor = "", pages: [PullResponse] = []
        repeat {
            let page = try b.client.call("GET", "v1/sync/pull", query: ["cursor": cursor, "limit": "10"], as: PullResponse.self)
            pages.append(page)
            cursor = page.cursor
        } while pages.last!.more && pages.count < 10
        #expect(pages.map(\.operations.count) == [10, 10, 5])
        #expect(pages.map(\.more) == [true, true, false])
        let ids = pages.flatMap(\.operations).map(\.id)
        #expect(ids == (1...25).map { OperationID(replica: a.store.replica, sequence: UInt64($0)) }, "arrival order, no repeats")
        let own = try a.client.call("GET", "v1/sync/pull", query: ["limit": "1000"], as: PullResponse.self)
        #expect(own.operations.isEmpty, "the caller's own operations are left out")
        let (status, body) = try URLSessionTransport().send(method: "GET", url: URL(string: "\(s.baseURL)/v1/sync/pull?cursor=%21%21not-a-cursor")!,
                                                            headers: ["Authorization": "Bearer \(b.client.token!)"], body: nil)
        #expect(status == 400 && String(decoding: body, as: UTF8.self).contains("invalid-cursor"))
        // A device that crashed after applying a page but before saving its cursor applies it again.
        _ = try b.store.apply(pages[0].operations, mode: .scopedFeed)
        let once = try b.store.stateDigest()
        _ = try b.store.apply(pages[0].operations, mode: .scopedFeed)
        #expect(try b.store.stateDigest() == once, "applying a page twice changes nothing")
        for page in pages { _ = try b.store.apply(page.operations, mode: .scopedFeed) }
        // b pulled the store audience's view (note and contact withheld, PRIVACY.md R-PRIV-31).
        #expect(try b.store.stateDigest() == a.store.storeAudienceDigest())
    }

    /// R-SYNC-2: an enroll or push body with a protocol version the server does not speak is
    /// 400 unsupported-protocol-version, and nothing is applied.
    @Test func anUnknownProtocolVersionIsRefused() throws {
        let s = try LoggedServer()
        let d = try Self.devices(s, 1)[0]
        let base = s.baseURL
        _ = try d.recordSignal(note: "v")
        for version in [0, 2, 99] {
            let r = try Self.push(base, d, version: version)
            #expect(r.status == 400 && (r.json["type"] as? String)?.hasSuffix("/unsupported-protocol-version") == true, "version \(version): \(r)")
        }
        #expect(try Self.held(s, d) == 0)
        let code = try s.admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let body = #"{"protocolVersion":2,"code":"\#(code.code)","label":"till-x","nonce":"0123456789abcdef0123"}"#
        let (status, answer) = try URLSessionTransport().send(method: "POST", url: s.baseURL.appendingPathComponent("v1/enroll"),
                                                              headers: ["Content-Type": "application/json"], body: Data(body.utf8))
        #expect(status == 400 && String(decoding: answer, as: UTF8.self).contains("unsupported-protocol-version"), "\(String(decoding: answer, as: UTF8.self))")
    }

    /// R-SYNC-4: a token is its prefix and 32 random bytes in base64url without padding; the
    /// server's database holds SHA-256 of the token, never the token.
    @Test func tokensAre32RandomBytesAndStoredOnlyAsTheirHash() throws {
        let s = try LoggedServer()
        let ds = try Self.devices(s, 2)
        let tokens = ds.map { $0.client.token! }
        #expect(tokens[0] != tokens[1])
        for token in tokens {
            let secret = String(token.dropFirst("omz_d_".count))
            #expect(token.hasPrefix("omz_d_") && secret.count == 43, "prefix and 43 base64url characters: \(token.prefix(8))…")
            #expect(secret.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } && !secret.contains("="))
        }
        s.server.stop(deadline: .seconds(2))
        var bytes = [UInt8]()
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: s.dir.appendingPathComponent("server.sqlite\(suffix)").path) { bytes += Array(data) }
        }
        for token in tokens {
            #expect(Self.find(Array(token.utf8), in: bytes) == false, "the token itself is not in the database")
            #expect(Self.find(SHA256.hash(token).bytes, in: bytes), "its SHA-256 is")
        }
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Bool {
        guard needle.count <= hay.count, let first = needle.first else { return false }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first && Array(hay[i..<(i + needle.count)]) == needle { return true }
            i += 1
        }
        return false
    }

    // MARK: Partners

    static func raw(_ method: String, _ url: URL, token: String, _ body: String? = nil) throws -> (status: Int, text: String) {
        let (status, data) = try URLSessionTransport().send(method: method, url: url,
            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: body.map { Data($0.utf8) })
        return (status, String(decoding: data, as: UTF8.self))
    }

    /// R-PART-1: a region has at most one partner; a second one for it is refused, and a
    /// partner id longer than 56 bytes too. The answer carries an `omz_p_` token.
    @Test func aRegionHasAtMostOnePartner() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        let first = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        #expect(first.token.hasPrefix("omz_p_"))
        let second = try Self.raw("POST", h.baseURL.appendingPathComponent("v1/admin/partners"), token: h.adminToken, #"{"id":"wz-twee","region":"noord","name":"Twee"}"#)
        #expect((400..<500).contains(second.status), "a second partner for one region is refused: \(second)")
        let long = try Self.raw("POST", h.baseURL.appendingPathComponent("v1/admin/partners"), token: h.adminToken, #"{"id":"\#(String(repeating: "p", count: 57))","region":"zuid","name":"Lang"}"#)
        #expect((400..<500).contains(long.status), "a partner id over 56 bytes is refused: \(long)")
        let other = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-zuid", region: "zuid", name: "Zuid"), as: PartnerCreated.self)
        #expect(other.region == "zuid")
    }

    /// R-PART-5: after the store erases a referral, the partner's next pull carries only
    /// `id`, `store`, `region` and `erased: true`.
    @Test func anErasedReferralReachesThePartnerAsItsIdOnly() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        let a = try h.enroll("store-a", name: "till-a")
        let signal = try a.recordSignal(note: "mevrouw komt elke dag")
        try a.sync()
        let first = try wz.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        #expect(first.referrals.map(\.id) == [signal.id.rawValue])
        try a.store.appendLocal(record: signal, author: AuthorID(trusted: "kassa-1"), body: .erase)
        try a.sync()
        let next = try Self.raw("GET", URL(string: "\(h.baseURL)/v1/partner/referrals?cursor=\(first.cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")!, token: created.token)
        #expect(next.status == 200)
        let page = try #require(try JSONSerialization.jsonObject(with: Data(next.text.utf8)) as? [String: Any])
        let referrals = try #require(page["referrals"] as? [[String: Any]])
        #expect(referrals.count == 1)
        #expect(Set(referrals.first?.keys.map { $0 } ?? []) == ["id", "store", "region", "erased"], "nothing but the id: \(next.text)")
        #expect(referrals.first?["erased"] as? Bool == true && !next.text.contains("mevrouw"))
    }

    /// R-PART-13: a new partner token with `revokeOthers` ends the earlier ones at once (401
    /// like an unknown token); `tokenDays` outside 1–365 is refused.
    @Test func partnerTokensAreRenewedAndTheOldOnesRevoked() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn"), as: PartnerCreated.self)
        let referrals = h.baseURL.appendingPathComponent("v1/partner/referrals")
        #expect(try Self.raw("GET", referrals, token: created.token).status == 200)
        let tokens = h.baseURL.appendingPathComponent("v1/admin/partners/wz-noord/tokens")
        for days in [0, 366] {
            #expect(try Self.raw("POST", tokens, token: h.adminToken, #"{"tokenDays":\#(days)}"#).status == 400, "tokenDays \(days)")
        }
        let renewed = try Self.raw("POST", tokens, token: h.adminToken, #"{"tokenDays":30,"revokeOthers":true}"#)
        #expect((200..<300).contains(renewed.status), "\(renewed)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(renewed.text.utf8)) as? [String: Any])
        let token = try #require(answer["token"] as? String)
        #expect(token.hasPrefix("omz_p_") && token != created.token)
        #expect(try Self.raw("GET", referrals, token: created.token).status == 401, "the revoked token is refused")
        #expect(try Self.raw("GET", referrals, token: "omz_p_unknown").status == 401)
        #expect(try Self.raw("GET", referrals, token: token).status == 200)
    }
}
