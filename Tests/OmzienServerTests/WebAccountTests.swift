import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
@testable import OmzienServer
import OmzienStore
import Testing

/// Person accounts (PARTNERS.md section 9): PBKDF2 passwords, lockout, disable, coordinators,
/// personal tokens that make the audit log name the person.
@Suite(.serialized)
struct WebAccountTests {
    static let password = "lange zin voor tests"

    func partner(_ h: SyncHarness, id: String, region: String) throws -> PartnerCreated {
        try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: id, region: region, name: "Welzijn \(id)"), as: PartnerCreated.self)
    }

    func account(_ h: SyncHarness, by client: SyncClient? = nil, partner: String?, name: String, role: String?, password: String? = WebAccountTests.password) throws -> AccountCreated {
        try (client ?? h.admin).call("POST", "v1/accounts", body: CreateAccountRequest(partner: partner, headOffice: partner == nil ? true : nil, name: name, role: role, password: password), as: AccountCreated.self)
    }

    func token(_ h: SyncHarness, _ name: String, _ password: String = WebAccountTests.password) throws -> SyncClient {
        let t = try SyncClient(baseURL: h.baseURL, token: nil, retry: .none).call("POST", "v1/accounts/token", body: PersonalTokenRequest(account: name, password: password), as: PersonalTokenResponse.self)
        return SyncClient(baseURL: h.baseURL, token: t.token, retry: .none)
    }

    func status(_ h: SyncHarness, _ token: String?, _ method: String, _ path: String, _ body: (any Encodable)? = nil) throws -> (Int, String) {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let data = try body.map { try JSONEncoder().encode($0) }
        let (s, d) = try URLSessionTransport().send(method: method, url: h.baseURL.appendingPathComponent(path), headers: headers, body: data)
        return (s, String(decoding: d, as: UTF8.self))
    }

    /// R-WEB-1: a password is kept as PBKDF2-HMAC-SHA256 with a per-account 16-byte salt and
    /// the iteration count beside it; never the password itself, not even in the file's bytes.
    @Test func passwordsAreStoredAsSaltedPBKDF2AndNeverAsText() throws {
        let h = try SyncHarness(passwordIterations: 1_234)
        try h.setUpStores([("store-a", "noord")])
        _ = try partner(h, id: "wz-noord", region: "noord")
        _ = try account(h, partner: "wz-noord", name: "eline", role: "worker")
        _ = try account(h, partner: "wz-noord", name: "joost", role: "worker")
        let rows = try h.server.service.worker.read { store in
            try store.database.rows("SELECT name, salt, password_hash, iterations FROM accounts ORDER BY name")
        }
        #expect(rows.count == 2)
        var hashes = Set<[UInt8]>()
        for row in rows {
            guard case let .blob(salt) = row[1], case let .blob(hash) = row[2] else { Issue.record("no salt/hash"); continue }
            #expect(salt.count == 16)
            #expect(row[3].int64 == 1_234)
            #expect(hash == PBKDF2.hmacSHA256(password: Array(Self.password.utf8), salt: salt, iterations: 1_234))
            hashes.insert(hash)
        }
        #expect(hashes.count == 2, "the same password under two salts gives two hashes")
        h.stop()
        let bytes = try Data(contentsOf: h.dir.appendingPathComponent("server.sqlite")) + ((try? Data(contentsOf: h.dir.appendingPathComponent("server.sqlite-wal"))) ?? Data())
        #expect(bytes.range(of: Data(Self.password.utf8)) == nil, "the password is nowhere in the database's bytes")
        #expect(PBKDF2.defaultIterations == 210_000)
    }

    /// R-WEB-3: five failures in a row lock the account for 15 minutes, even against the right
    /// password, with one message that never says which part was wrong; an unknown name gets
    /// the same answer.
    @Test func fiveFailedLoginsLockTheAccountForFifteenMinutes() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        _ = try partner(h, id: "wz-noord", region: "noord")
        _ = try account(h, partner: "wz-noord", name: "eline", role: "worker")
        let wrong = PersonalTokenRequest(account: "eline", password: "niet het wachtwoord")
        var details = Set<String>()
        for _ in 0..<SyncService.lockoutFailures {
            let (s, body) = try status(h, nil, "POST", "v1/accounts/token", wrong)
            #expect(s == 401)
            details.insert(body)
        }
        let (unknownStatus, unknownBody) = try status(h, nil, "POST", "v1/accounts/token", PersonalTokenRequest(account: "niemand", password: Self.password))
        #expect(unknownStatus == 401)
        details.insert(unknownBody)
        let (lockedStatus, lockedBody) = try status(h, nil, "POST", "v1/accounts/token", PersonalTokenRequest(account: "eline", password: Self.password))
        #expect(lockedStatus == 401, "locked: the right password is refused too")
        details.insert(lockedBody)
        #expect(details.count == 1, "one answer for wrong password, unknown name and locked account: \(details)")
        #expect(lockedBody.contains("the name or the password is wrong"))
        let listed = try h.admin.call("GET", "v1/accounts", as: [AccountInfo].self)
        #expect(listed.first { $0.name == "eline" }?.lockedUntil != nil)
        h.clock.offset.withLock { $0 += Int64(SyncService.lockoutMillis) + 1 }
        #expect(throws: Never.self) { _ = try token(h, "eline") }
    }

    /// R-WEB-2, R-WEB-4: a coordinator adds and disables workers of its own organisation only;
    /// a disabled worker's personal token stops at once.
    @Test func coordinatorsManageTheirOwnWorkersAndDisablingStopsATokenAtOnce() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        _ = try partner(h, id: "wz-noord", region: "noord")
        _ = try partner(h, id: "wz-zuid", region: "zuid")
        _ = try account(h, partner: "wz-noord", name: "coby", role: "coordinator")
        let coby = try token(h, "coby")
        let created = try account(h, by: coby, partner: "wz-noord", name: "eline", role: "worker", password: nil)
        #expect(created.account.actor == "partner:wz-noord:eline")
        let initial = try #require(created.initialPassword, "the server made up a password and shows it once")
        #expect(initial.count >= 12)
        let (otherOrg, otherBody) = try status(h, coby.token, "POST", "v1/accounts", CreateAccountRequest(partner: "wz-zuid", name: "piet", role: "worker"))
        #expect(otherOrg == 403 && otherBody.contains("own organisation"))
        let (asCoordinator, _) = try status(h, coby.token, "POST", "v1/accounts", CreateAccountRequest(partner: "wz-noord", name: "kees", role: "coordinator"))
        #expect(asCoordinator == 403)
        let eline = try token(h, "eline", initial)
        #expect(try eline.call("GET", "v1/partner/referrals", as: ReferralPage.self).referrals.isEmpty)
        _ = try coby.call("POST", "v1/accounts/eline/disable", as: AccountInfo.self)
        let (after, afterBody) = try status(h, eline.token, "GET", "v1/partner/referrals")
        #expect(after == 401 && afterBody.contains("disabled"))
        let (worker, _) = try status(h, eline.token, "GET", "v1/accounts")
        #expect(worker == 401)
        let listed = try coby.call("GET", "v1/accounts", as: [AccountInfo].self)
        #expect(Set(listed.map(\.name)) == ["coby", "eline"], "a coordinator lists its own organisation only")
    }

    /// R-WEB-4: with a personal token the audit log and the follow-up name the person; a
    /// person cannot write under another name.
    @Test func aPersonalTokenMakesTheAuditLogNameThePerson() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        _ = try partner(h, id: "wz-noord", region: "noord")
        _ = try account(h, partner: "wz-noord", name: "eline", role: "worker")
        let device = try h.enroll("store-a", name: "till-a")
        let ref = try device.recordSignal(note: "mevrouw komt elke dag")
        try device.sync()
        let eline = try token(h, "eline")
        _ = try eline.call("GET", "v1/partner/referrals/\(ref.id)", as: ReferralView.self)
        _ = try eline.call("POST", "v1/partner/referrals/\(ref.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
        let (s, body) = try status(h, eline.token, "POST", "v1/partner/referrals/\(ref.id)/notes", CaseNoteRequest(text: "x", author: "partner:wz-noord:joost"))
        #expect(s == 400 && body.contains("not you"))
        let (entries, _) = try h.server.service.auditEntries(.admin)
        let mine = entries.filter { $0.referral == ref.id.rawValue }
        #expect(mine.map(\.action) == ["read", "update:accepted"])
        #expect(mine.allSatisfy { $0.actor == "partner:wz-noord:eline" && $0.token.hasPrefix("omz_u_") })
        let history = try h.server.service.referralHistory(.person(try #require(try h.server.service.person(name: "eline", credential: "t"))), id: ref.id.rawValue)
        #expect(history.steps.map(\.actor) == ["partner:wz-noord:eline"])
        // The device's next sync carries the status; the author of its operation is the person.
        try device.sync()
        #expect(try device.store.loadRecord(ref)?.status("status")?.state == "accepted")
    }

    /// R-WEB-2: bad account requests say what was wrong.
    @Test func badAccountRequestsSayWhatWasWrong() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        _ = try partner(h, id: "wz-noord", region: "noord")
        let cases: [(CreateAccountRequest, String)] = [
            (CreateAccountRequest(partner: "wz-noord", name: "Eline de Vries", role: "worker"), "not valid"),
            (CreateAccountRequest(partner: "wz-noord", name: "eline", role: "boss"), "worker' or 'coordinator"),
            (CreateAccountRequest(partner: "wz-noord", headOffice: true, name: "eline"), "exactly one"),
            (CreateAccountRequest(partner: "wz-nergens", name: "eline", role: "worker"), "does not exist"),
            (CreateAccountRequest(partner: "wz-noord", name: "eline", role: "worker", password: "kort"), "at least 12"),
        ]
        for (request, words) in cases {
            let (s, body) = try status(h, h.adminToken, "POST", "v1/accounts", request)
            #expect((400...404).contains(s) && body.contains(words), "\(request.name): \(s) \(body)")
        }
        _ = try account(h, partner: "wz-noord", name: "eline", role: "worker")
        let (dup, dupBody) = try status(h, h.adminToken, "POST", "v1/accounts", CreateAccountRequest(partner: "wz-noord", name: "eline", role: "worker"))
        #expect(dup == 409 && dupBody.contains("unique"))
    }
}
