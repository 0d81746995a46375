import Foundation
import OmzienClient
import OmzienProtocol
import OmzienServer
import Testing

/// Admin and head-office tokens expire and can be revoked (issue 10 defect 11; SYNC.md
/// R-OPS-6, R-OPS-7), and a refused token is told what to do for its kind.
struct TokenLifecycleTests {
    static let day: Int64 = 86_400_000

    static func status(_ h: SyncHarness, _ method: String, _ path: String, token: String, body: Data? = nil) throws -> (Int, String) {
        var headers = ["Authorization": "Bearer \(token)"]
        if body != nil { headers["Content-Type"] = "application/json" }
        let (status, answer) = try URLSessionTransport(timeout: 10).send(method: method, url: h.baseURL.appendingPathComponent(path), headers: headers, body: body)
        return (status, String(decoding: answer, as: UTF8.self))
    }

    /// R-OPS-6: an admin token expires after its days, also when the server has it cached;
    /// a server whose admin tokens all expired issues a new one when it starts.
    @Test func adminTokensExpireEvenWhenCachedAndAServerWithoutAValidOneIssuesOne() throws {
        let h = try SyncHarness()
        #expect(try h.server.service.bootstrapAdminToken() == nil, "a valid admin token exists: no second bootstrap")
        let short = try h.admin.call("POST", "v1/admin/admin-tokens", body: AdminTokenRequest(tokenDays: 1), as: AdminTokenResponse.self)
        #expect(short.token.hasPrefix("omz_a_") && !short.revokedOthers)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        #expect(short.expiresAt > now + 23 * 3_600_000 && short.expiresAt < now + 25 * 3_600_000, "one day: \(short.expiresAt - now) ms")
        #expect(try Self.status(h, "GET", "v1/admin/regions", token: short.token).0 == 200)  // now it is cached
        h.clock.offset.withLock { $0 = 2 * Self.day }
        let (expired, detail) = try Self.status(h, "GET", "v1/admin/regions", token: short.token)
        #expect(expired == 401, "an expired admin token is refused though cached: \(expired)")
        #expect(detail.contains("omzien admin token") && !detail.contains("enroll"), "the refusal says what an admin does: \(detail)")
        #expect(try Self.status(h, "GET", "v1/admin/regions", token: h.adminToken).0 == 200, "the 90-day token still works")
        h.clock.offset.withLock { $0 = 91 * Self.day }
        #expect(try Self.status(h, "GET", "v1/admin/regions", token: h.adminToken).0 == 401, "the default lifetime is 90 days")
        let fresh = try #require(try h.server.service.bootstrapAdminToken(), "no valid admin token left: the server issues one")
        #expect(try Self.status(h, "GET", "v1/admin/regions", token: fresh).0 == 200)
        let tooLong = try Self.status(h, "POST", "v1/admin/admin-tokens", token: fresh, body: Data(#"{"tokenDays":366}"#.utf8))
        #expect(tooLong.0 == 400 && tooLong.1.contains("1...365"), "\(tooLong)")
    }

    /// R-OPS-6: rotating with `revokeOthers` stops every earlier admin token at once.
    @Test func rotatingTheAdminTokenWithRevokeOthersStopsTheOldOnesAtOnce() throws {
        let h = try SyncHarness()
        let second = try h.admin.call("POST", "v1/admin/admin-tokens", as: AdminTokenResponse.self)  // no body: the defaults
        #expect(try Self.status(h, "GET", "v1/admin/stores", token: second.token).0 == 200)
        let third = try SyncClient(baseURL: h.baseURL, token: second.token, retry: .none)
            .call("POST", "v1/admin/admin-tokens", body: AdminTokenRequest(revokeOthers: true), as: AdminTokenResponse.self)
        #expect(third.revokedOthers)
        #expect(try Self.status(h, "GET", "v1/admin/stores", token: h.adminToken).0 == 401, "the bootstrap token is revoked")
        #expect(try Self.status(h, "GET", "v1/admin/stores", token: second.token).0 == 401, "the caller's own (cached) token is revoked")
        #expect(try Self.status(h, "GET", "v1/admin/stores", token: third.token).0 == 200)
        #expect(try h.server.service.bootstrapAdminToken() == nil)
    }

    /// R-OPS-7: head-office tokens expire, are listed without the token, and are revoked by id
    /// at once (also when cached); revoking twice answers the same; an unknown id is 404.
    @Test func headOfficeTokensExpireAreListedAndRevokedById() throws {
        let h = try SyncHarness()
        let a = try h.admin.call("POST", "v1/admin/headoffice-tokens", body: HeadOfficeTokenRequest(tokenDays: 1, label: "controlling"), as: HeadOfficeTokenResponse.self)
        let b = try h.admin.call("POST", "v1/admin/headoffice-tokens", as: HeadOfficeTokenResponse.self)
        #expect(a.id == String(a.token.prefix(12)) && a.id != b.id)
        let (listed, listBody) = try Self.status(h, "GET", "v1/admin/headoffice-tokens", token: h.adminToken)
        #expect(listed == 200)
        #expect(!listBody.contains(a.token) && !listBody.contains(b.token), "a list never shows a token")
        let list = try JSONDecoder().decode([HeadOfficeTokenInfo].self, from: Data(listBody.utf8))
        #expect(list.map(\.id) == [a.id, b.id] || Set(list.map(\.id)) == [a.id, b.id])
        #expect(list.first { $0.id == a.id }?.label == "controlling" && list.first { $0.id == b.id }?.label == nil)
        #expect(list.allSatisfy { $0.revokedAt == nil })

        #expect(try Self.status(h, "GET", "v1/reports/response-times", token: b.token).0 == 200)  // cached now
        let revoked = try h.admin.call("POST", "v1/admin/headoffice-tokens/\(b.id)/revoke", as: HeadOfficeTokenInfo.self)
        #expect(revoked.revokedAt != nil)
        let (refused, detail) = try Self.status(h, "GET", "v1/reports/response-times", token: b.token)
        #expect(refused == 401, "a revoked head-office token stops at once: \(refused)")
        #expect(detail.contains("head-office token") && !detail.contains("enroll"), "\(detail)")
        #expect(try h.admin.call("POST", "v1/admin/headoffice-tokens/\(b.id)/revoke", as: HeadOfficeTokenInfo.self) == revoked, "idempotent")
        #expect(try Self.status(h, "POST", "v1/admin/headoffice-tokens/omz_h_nobody/revoke", token: h.adminToken).0 == 404)

        #expect(try Self.status(h, "GET", "v1/reports/response-times", token: a.token).0 == 200)  // cached
        h.clock.offset.withLock { $0 = 2 * Self.day }
        #expect(try Self.status(h, "GET", "v1/reports/response-times", token: a.token).0 == 401, "the one-day token expired though cached")
        let badLabel = try Self.status(h, "POST", "v1/admin/headoffice-tokens", token: h.adminToken, body: Data(#"{"label":"a\u001b[31mred"}"#.utf8))
        #expect(badLabel.0 == 400, "a label with a control character is refused: \(badLabel)")
    }

    /// A refused token is told what its holder can do: only a device is told to enroll again.
    @Test func aRefusedTokenIsToldWhatToDoForItsKind() throws {
        let h = try SyncHarness()
        let cases: [(String, String)] = [
            ("omz_a_" + String(repeating: "x", count: 43), "omzien admin token"),
            ("omz_p_" + String(repeating: "x", count: 43), "omzien admin partner token"),
            ("omz_h_" + String(repeating: "x", count: 43), "omzien admin headoffice-token"),
            ("omz_d_" + String(repeating: "x", count: 43), "enroll the device again"),
        ]
        for (token, advice) in cases {
            let (refused, detail) = try Self.status(h, "GET", token.hasPrefix("omz_d_") ? "v1/sync/status" : "v1/admin/regions", token: token)
            #expect(refused == 401, "\(token.prefix(6)): \(refused) \(detail)")
            #expect(detail.contains(advice), "\(token.prefix(6)) gets: \(detail)")
            if !token.hasPrefix("omz_d_") { #expect(!detail.contains("enroll"), "\(token.prefix(6)) is not a device: \(detail)") }
        }
    }

    /// The operator's commands: issue, list and revoke head-office tokens; rotate the admin
    /// token online; `admin token --db` refuses a database the running server holds (69).
    @Test func theOperatorManagesTokensFromTheCLI() throws {
        let dir = try ServeLifecycleTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("server.sqlite").path
        let server = try ServeProcess(["--db", db, "--port", "0", "--quiet"])
        let common = ["--server", server.url.absoluteString, "--token-file", db + ".admin-token"]
        func run(_ args: [String], _ extra: [String]? = nil) throws -> (status: Int32, out: String, err: String) { try CLITests.run(args + (extra ?? common)) }

        let issued = try run(["admin", "headoffice-token", "--days", "7", "--label", "controlling, Marieke", "--json"])
        #expect(issued.status == 0, "\(issued.err)")
        let token = try JSONDecoder().decode(HeadOfficeTokenResponse.self, from: Data(issued.out.utf8))
        let listed = try run(["admin", "headoffice-token", "list"])
        #expect(listed.status == 0 && listed.out.contains(token.id) && listed.out.contains("controlling, Marieke") && listed.out.contains("valid"), "\(listed)")
        #expect(!listed.out.contains(token.token))
        let revoked = try run(["admin", "headoffice-token", "revoke", token.id])
        #expect(revoked.status == 0 && revoked.out.contains("revoked"), "\(revoked)")
        #expect(try run(["admin", "headoffice-token", "list"]).out.contains("revoked 20"))
        let unknown = try run(["admin", "headoffice-token", "revoke", "omz_h_nobody"])
        #expect(unknown.status == 65 && unknown.err.contains("list"), "an unknown id is bad data and says where ids are: \(unknown)")

        let busy = try run(["admin", "token", "--db", db], [])
        #expect(busy.status == 69 && busy.err.contains("without --db"), "the running server holds the database: \(busy)")
        let old = try String(contentsOfFile: db + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let rotated = try run(["admin", "token", "--revoke-others", "--json"])
        #expect(rotated.status == 0, "\(rotated.err)")
        let fresh = try JSONDecoder().decode(AdminTokenResponse.self, from: Data(rotated.out.utf8))
        let stale = try run(["admin", "list", "stores", "--server", server.url.absoluteString, "--token", old], [])
        #expect(stale.status != 0 && stale.err.contains("admin token"), "the old token is revoked: \(stale)")
        #expect(try run(["admin", "list", "stores", "--server", server.url.absoluteString, "--token", fresh.token], []).status == 0)
        #expect(server.terminate() == 0)

        // Server stopped: the host command issues one and writes the token file.
        let host = try run(["admin", "token", "--db", db, "--days", "30"], [])
        #expect(host.status == 0 && host.out.contains("expires"), "\(host)")
        let written = try String(contentsOfFile: db + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(written.hasPrefix("omz_a_") && written != old && written != fresh.token)
        #expect(FileModeTests.mode(db + ".admin-token") == 0o600)
    }
}
