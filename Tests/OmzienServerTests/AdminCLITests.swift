import Foundation
import OmzienModel
import OmzienProtocol
import Testing

/// The admin CLI covers the admin endpoints an operator needs (issue 10 defect 13):
/// head-office tokens, partner token renewal with its expiry, and backups.
struct AdminCLITests {
    @Test func headOfficeTokensPartnerRenewalAndBackupsHaveCommands() throws {
        let dir = try ServeLifecycleTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("server.sqlite").path
        let server = try ServeProcess(["--db", db, "--port", "0", "--quiet"])
        let common = ["--server", server.url.absoluteString, "--token-file", db + ".admin-token"]
        func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try CLITests.run(args + common) }

        #expect(try run(["admin", "region", "add", "noord", "--name", "Noord"]).status == 0)
        let added = try run(["admin", "partner", "add", "wz-noord", "--region", "noord", "--name", "Welzijn"])
        #expect(added.status == 0, "\(added.err)")
        #expect(added.out.contains("expires 20"), "partner add says when its token expires: \(added.out)")

        let ho = try run(["admin", "headoffice-token", "--json"])
        #expect(ho.status == 0, "\(ho.err)")
        #expect(ho.out.contains("\"token\" : \"omz_h_"), "\(ho.out)")

        let renewed = try run(["admin", "partner", "token", "wz-noord", "--days", "30", "--revoke-others"])
        #expect(renewed.status == 0, "\(renewed.err)")
        #expect(renewed.out.contains("omz_p_") && renewed.out.contains("revoked"), "\(renewed.out)")
        let unknown = try run(["admin", "partner", "token", "nobody"])
        #expect(unknown.status == 65, "an unknown partner is bad data: \(unknown.status) \(unknown.err)")

        let backup = try run(["admin", "backup", "--json"])
        #expect(backup.status == 0, "\(backup.err)")
        let answer = try JSONSerialization.jsonObject(with: Data(backup.out.utf8)) as? [String: Any]
        let path = try #require(answer?["path"] as? String)
        #expect(path.hasPrefix(db + ".backups/"))
        #expect(FileModeTests.mode(path) == 0o600)
        #expect(FileModeTests.mode(db + ".backups") == 0o700)
        #expect(server.terminate() == 0)
    }
}

extension AdminCLITests {
    /// `omzien admin token` replaces a lost admin token on the server host (defect 11): it
    /// refuses while the server runs (one connection per file), and --revoke-others ends the
    /// old token.
    @Test func aLostAdminTokenIsReplacedOnTheHost() throws {
        let dir = try ServeLifecycleTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("server.sqlite").path
        var server = try ServeProcess(["--db", db, "--port", "0", "--quiet"])
        let old = try String(contentsOfFile: db + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let busy = try CLITests.run(["admin", "token", "--db", db])
        #expect(busy.status == 69 && busy.err.contains("stop the server"), "\(busy.status) \(busy.err)")
        #expect(server.terminate() == 0)
        let issued = try CLITests.run(["admin", "token", "--db", db, "--revoke-others"])
        #expect(issued.status == 0, "\(issued.err)")
        let new = try String(contentsOfFile: db + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(new != old && new.hasPrefix("omz_a_"))
        #expect(FileModeTests.mode(db + ".admin-token") == 0o600)
        server = try ServeProcess(["--db", db, "--port", "0", "--quiet"])
        let url = server.url.absoluteString
        #expect(try CLITests.run(["admin", "list", "regions", "--server", url, "--token", new]).status == 0)
        let refused = try CLITests.run(["admin", "list", "regions", "--server", url, "--token", old])
        #expect(refused.status != 0, "the old token is revoked")
        #expect(server.terminate() == 0)
    }
}

extension AdminCLITests {
    /// `admin list devices` shows device health (defect 13, R-OPS-5): last push and its
    /// outcome, and what waits in quarantine.
    @Test func theDeviceListShowsLastPushAndQuarantine() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let quiet = try h.enroll("store-a", name: "quiet"), busy = try h.enroll("store-a", name: "busy")
        _ = try busy.recordSignal(note: "een")
        try busy.sync()
        try quiet.sync()
        let out = try CLITests.run(["admin", "list", "devices", "--json", "--server", h.baseURL.absoluteString, "--token", h.adminToken])
        #expect(out.status == 0, "\(out.err)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(out.out.utf8)) as? [[String: Any]])
        let byReplica = Dictionary(uniqueKeysWithValues: list.map { ($0["replica"] as? String ?? "", $0) })
        let b = try #require(byReplica[busy.store.replica.rawValue])
        #expect(b["lastPushOutcome"] as? String == "applied")
        #expect((b["lastPushAt"] as? Int ?? 0) > 0)
        #expect(b["quarantined"] as? Int == 0)
        let q = try #require(byReplica[quiet.store.replica.rawValue])
        #expect(q["lastPushAt"] == nil, "a device that never pushed has no last push")
        let table = try CLITests.run(["admin", "list", "devices", "--server", h.baseURL.absoluteString, "--token", h.adminToken])
        #expect(table.out.contains("LAST PUSH") && table.out.contains("applied"), "\(table.out)")
    }

    /// Issue 10 item 13: `admin list partners`, with the tokens that still work. A partner
    /// whose only token was revoked shows none, and the table says what to do.
    @Test func thePartnerListShowsRegionsAndActiveTokens() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        _ = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn Noord"), as: PartnerCreated.self)
        _ = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-zuid", region: "zuid", name: "Welzijn Zuid"), as: PartnerCreated.self)
        var rotate = PartnerTokenRequest()
        rotate.revokeOthers = true
        _ = try h.admin.call("POST", "v1/admin/partners/wz-noord/tokens", body: rotate, as: PartnerCreated.self)
        let out = try CLITests.run(["admin", "list", "partners", "--json", "--server", h.baseURL.absoluteString, "--token", h.adminToken])
        #expect(out.status == 0, "\(out.err)")
        let list = try JSONDecoder().decode([PartnerInfo].self, from: Data(out.out.utf8))
        #expect(list.map(\.id) == ["wz-noord", "wz-zuid"] && list.map(\.region) == ["noord", "zuid"])
        #expect(list.map(\.activeTokens) == [1, 1], "the rotation revoked the first noord token: \(list)")
        #expect(list.allSatisfy { ($0.tokenExpiresAt ?? 0) > HybridClock.physicalNowMillis() })
        let table = try CLITests.run(["admin", "list", "partners", "--server", h.baseURL.absoluteString, "--token", h.adminToken])
        #expect(table.out.contains("ACTIVE TOKENS") && table.out.contains("Welzijn Zuid"), "\(table.out)")
    }
}
