import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
@testable import OmzienServer
import Testing

/// Password change and reset (PARTNERS.md R-WEB-5) and personal tokens one by one (R-WEB-6),
/// over the API and on the web pages.
@Suite(.serialized)
struct WebPasswordTests {
    static let password = WebPageTests.password
    static let newPassword = "een heel ander wachtwoord"

    func token(_ w: WebPageTests.World, _ name: String, _ password: String = WebPasswordTests.password) throws -> PersonalTokenResponse {
        try SyncClient(baseURL: w.h.baseURL, token: nil, retry: .none).call("POST", "v1/accounts/token", body: PersonalTokenRequest(account: name, password: password), as: PersonalTokenResponse.self)
    }

    func status(_ w: WebPageTests.World, _ token: String?, _ method: String, _ path: String, _ body: (any Encodable)? = nil) throws -> (Int, String) {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let data = try body.map { try JSONEncoder().encode($0) }
        let (s, d) = try URLSessionTransport().send(method: method, url: w.h.baseURL.appendingPathComponent(path), headers: headers, body: data)
        return (s, String(decoding: d, as: UTF8.self))
    }

    /// R-WEB-5: a person changes its password with the old one; its web sessions and personal
    /// tokens end, the old password no longer works, the new one does; an audit entry.
    @Test func changingThePasswordEndsEverySessionAndTokenOfTheAccount() throws {
        let w = try WebPageTests().world()
        let browser = try w.signedIn("eline")
        let cli = try token(w, "eline")
        let other = try w.signedIn("piet"), otherToken = try token(w, "piet")
        func change(_ old: String, _ new: String) throws -> (Int, String) {
            try status(w, nil, "POST", "v1/accounts/password", PasswordChangeRequest(account: "eline", password: old, newPassword: new))
        }
        let wrong = try change("niet het wachtwoord", Self.newPassword)
        #expect(wrong.0 == 401 && wrong.1.contains("the name or the password is wrong"), "\(wrong)")
        #expect(try change(Self.password, "kort").0 == 400)
        #expect(try change(Self.password, Self.password).1.contains("the new password is the old one"))
        #expect(try browser.get("/web/inbox").status == 200 && status(w, cli.token, "GET", "v1/partner/referrals").0 == 200, "refusals changed nothing")

        let changed = try change(Self.password, Self.newPassword)
        #expect(changed.0 == 200 && changed.1.contains("\"name\":\"eline\""), "\(changed)")
        #expect(try browser.get("/web/inbox").status == 303, "the web session ended")
        #expect(try status(w, cli.token, "GET", "v1/partner/referrals").0 == 401, "the personal token was revoked")
        #expect(try w.client().login("eline", Self.password).status == 401)
        #expect(try w.client().login("eline", Self.newPassword).status == 303)
        #expect(try other.get("/web/inbox").status == 200 && status(w, otherToken.token, "GET", "v1/partner/referrals").0 == 200, "another account is untouched")
        let (entries, _) = try w.h.server.service.auditEntries(.admin)
        #expect(entries.contains { $0.action == "password-change" && $0.actor == "partner:wz-noord:eline" && $0.referral == "account:eline" })
    }

    /// R-WEB-5: the admin resets any password, a coordinator those of its own workers only; the
    /// new one is shown once, a lockout is lifted, sessions and tokens end.
    @Test func aCoordinatorResetsTheWorkersOfItsOwnOrganisationOnly() throws {
        let w = try WebPageTests().world()
        let coby = try token(w, "coby"), eline = try token(w, "eline")
        let browser = try w.signedIn("eline")
        for _ in 0..<SyncService.lockoutFailures { _ = try w.client().login("eline", "fout fout fout") }
        #expect(try w.client().login("eline", Self.password).status == 401, "locked")
        let (code, body) = try status(w, coby.token, "POST", "v1/accounts/eline/password")
        #expect(code == 200, "\(body)")
        let reset = try JSONDecoder().decode(AccountCreated.self, from: Data(body.utf8))
        let fresh = try #require(reset.initialPassword)
        #expect(fresh.count >= PasswordHash.minimumCharacters && reset.account.lockedUntil == nil)
        #expect(try browser.get("/web/inbox").status == 303)
        #expect(try status(w, eline.token, "GET", "v1/partner/referrals").0 == 401)
        #expect(try w.client().login("eline", fresh).status == 303, "the lockout is lifted, the new password works")
        #expect(try status(w, coby.token, "POST", "v1/accounts/piet/password").0 == 404, "another organisation's worker")
        #expect(try status(w, coby.token, "POST", "v1/accounts/coby/password").1.contains("a coordinator resets the passwords of workers only"))
        #expect(try status(w, try token(w, "piet").token, "POST", "v1/accounts/eline/password").0 == 403, "a worker resets nothing")
        #expect(try status(w, w.h.adminToken, "POST", "v1/accounts/coby/password").0 == 200, "the admin resets a coordinator")
        let (entries, _) = try w.h.server.service.auditEntries(.admin)
        #expect(entries.contains { $0.action == "password-reset" && $0.actor == "partner:wz-noord:coby" && $0.referral == "account:eline" })
        #expect(entries.contains { $0.action == "password-reset" && $0.actor == "admin" && $0.referral == "account:coby" })
    }

    /// R-WEB-5 on the pages: the change form (CSRF-checked) keeps this browser signed in and
    /// ends the account's other sessions; the coordinator's reset button shows the password once.
    @Test func thePasswordFormsChangeAndResetWithCSRF() throws {
        let w = try WebPageTests().world()
        let eline = try w.signedIn("eline"), elsewhere = try w.signedIn("eline")
        let page = try eline.get("/web/account")
        #expect(page.status == 200 && page.body.contains("Wachtwoord wijzigen") && page.body.contains("href=\"/web/account\""))
        let csrf = try #require(WebClient.csrf(in: page.body))
        let fields = [("password", Self.password), ("newPassword", Self.newPassword), ("newPassword2", Self.newPassword)]
        #expect(try eline.post("/web/account/password", fields).status == 403, "no CSRF token")
        #expect(try w.client().login("eline", Self.password).status == 303, "unchanged")
        _ = try eline.post("/web/account/password", [("csrf", csrf), ("password", Self.password), ("newPassword", Self.newPassword), ("newPassword2", "iets anders dan dat")])
        #expect(try eline.get("/web/account").body.contains("niet gelijk"))
        _ = try eline.post("/web/account/password", [("csrf", csrf), ("password", "verkeerd wachtwoord"), ("newPassword", Self.newPassword), ("newPassword2", Self.newPassword)])
        #expect(try eline.get("/web/account").body.contains("het huidige wachtwoord klopt niet"))
        let done = try eline.post("/web/account/password", [("csrf", csrf)] + fields)
        #expect(done.status == 303 && done.setCookies.contains { $0.hasPrefix("omzien_session=") }, "a new session for this browser")
        #expect(try eline.get("/web/account").body.contains("Uw wachtwoord is gewijzigd"))
        #expect(try eline.get("/web/inbox").status == 200)
        #expect(try elsewhere.get("/web/inbox").status == 303, "the other session ended")

        let coby = try w.signedIn("coby")
        let team = try coby.get("/web/team").body
        let token = try #require(WebClient.csrf(in: team))
        #expect(team.contains("action=\"/web/team/eline/password\"") && !team.contains("action=\"/web/team/coby/password\""))
        #expect(try coby.post("/web/team/eline/password", [("csrf", token)]).status == 303)
        let shown = try coby.get("/web/team").body
        let fresh = try #require(shown.firstMatch(of: /<code>([^<]+)<\/code>/).map { String($0.output.1) })
        #expect(!(try coby.get("/web/team").body.contains(fresh)), "shown once")
        #expect(try eline.get("/web/inbox").status == 303, "the reset ended eline's session")
        #expect(try w.client().login("eline", fresh).status == 303)
        #expect(try coby.post("/web/team/piet/password", [("csrf", token)]).status == 303)
        #expect(try coby.get("/web/team").body.contains("no account &#39;piet&#39; in your organisation"))
    }

    /// R-WEB-6: a person lists its own personal tokens and revokes one by id; the others keep
    /// working; nobody revokes another person's token; on the account page too.
    @Test func personalTokensAreListedAndRevokedOneByOne() throws {
        let w = try WebPageTests().world()
        let first = try token(w, "eline"), second = try token(w, "eline"), piet = try token(w, "piet")
        let (code, body) = try status(w, first.token, "GET", "v1/accounts/tokens")
        #expect(code == 200)
        let list = try JSONDecoder().decode([PersonalTokenInfo].self, from: Data(body.utf8))
        #expect(Set(list.map(\.id)) == [String(first.token.prefix(12)), String(second.token.prefix(12))])
        #expect(list.filter(\.current).map(\.id) == [String(first.token.prefix(12))])
        #expect(!body.contains(first.token) && !body.contains(second.token), "never the tokens themselves")
        let secondID = String(second.token.prefix(12))
        #expect(try status(w, piet.token, "POST", "v1/accounts/tokens/\(secondID)/revoke").0 == 404, "not piet's token")
        #expect(try status(w, second.token, "GET", "v1/partner/referrals").0 == 200)
        let revoked = try status(w, first.token, "POST", "v1/accounts/tokens/\(secondID)/revoke")
        #expect(revoked.0 == 200 && revoked.1.contains("revokedAt"))
        #expect(try status(w, second.token, "GET", "v1/partner/referrals").0 == 401)
        #expect(try status(w, first.token, "GET", "v1/partner/referrals").0 == 200, "the other token keeps working")
        #expect(try status(w, first.token, "POST", "v1/accounts/tokens/\(secondID)/revoke").0 == 200, "again: idempotent")
        #expect(try status(w, first.token, "POST", "v1/accounts/tokens/omz_u_nope/revoke").1.contains("you have no personal token"))
        let ho = try token(w, "anna")
        #expect(try status(w, ho.token, "GET", "v1/accounts/tokens").1.contains("/web/account"), "head office is pointed at the page")

        let browser = try w.signedIn("eline")
        let page = try browser.get("/web/account").body
        #expect(page.contains(String(first.token.prefix(12))) && page.contains("ingetrokken"))
        let csrf = try #require(WebClient.csrf(in: page))
        let firstID = String(first.token.prefix(12))
        #expect(try browser.post("/web/account/tokens/\(firstID)/revoke", [("csrf", csrf)]).status == 303)
        #expect(try browser.get("/web/account").body.contains("is ingetrokken"))
        #expect(try status(w, first.token, "GET", "v1/partner/referrals").0 == 401)
        let (entries, _) = try w.h.server.service.auditEntries(.admin)
        #expect(entries.filter { $0.action == "token-revoke" && $0.referral == "account:eline" }.count == 3)
    }

    /// R-WEB-5, R-WEB-6 on the CLI: list and revoke one's tokens, change one's password, and
    /// the admin's reset, from the built binary against the running server.
    @Test func theCLIListsAndRevokesTokensChangesAndResetsPasswords() throws {
        let w = try WebPageTests().world()
        let first = try token(w, "eline"), second = try token(w, "eline")
        let server = w.h.baseURL.absoluteString
        let list = try CLITests.run(["account", "tokens", "--server", server, "--token", first.token])
        #expect(list.status == 0, "\(list.err)")
        #expect(list.out.contains("\(first.token.prefix(12)) (this one)") && list.out.contains(String(second.token.prefix(12))), "\(list.out)")
        #expect(!list.out.contains(first.token) && !list.out.contains(second.token))
        let revoke = try CLITests.run(["account", "revoke-token", String(second.token.prefix(12)), "--server", server, "--token", first.token])
        #expect(revoke.status == 0 && revoke.out.contains("is revoked"), "\(revoke.err)")
        #expect(try status(w, second.token, "GET", "v1/partner/referrals").0 == 401)
        let unknown = try CLITests.run(["account", "revoke-token", "omz_u_nope", "--server", server, "--token", first.token])
        #expect(unknown.status != 0 && unknown.err.contains("you have no personal token"), "\(unknown.err)")
        let change = try CLITests.run(["account", "password", "--name", "eline", "--server", server],
                                      environment: ["OMZIEN_PASSWORD": Self.password, "OMZIEN_NEW_PASSWORD": Self.newPassword])
        #expect(change.status == 0 && change.out.contains("Password of eline changed"), "\(change.err)")
        #expect(try status(w, first.token, "GET", "v1/partner/referrals").0 == 401)
        let reset = try CLITests.run(["admin", "account", "reset", "eline", "--server", server, "--token", w.h.adminToken])
        #expect(reset.status == 0, "\(reset.err)")
        let fresh = try #require(reset.out.firstMatch(of: /shown once; give it to the person in person\): (\S+)/).map { String($0.output.1) })
        #expect(try w.client().login("eline", fresh).status == 303)
    }
}
