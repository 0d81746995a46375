import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
@testable import OmzienServer
import OmzienStore
import Testing

/// The web pages over HTTP (PARTNERS.md section 10): sessions, CSRF, security headers,
/// escaping, the inbox and the referral page, and who may see which page.
@Suite(.serialized)
struct WebPageTests {
    static let password = "lange zin voor tests"

    /// A server with regions noord (store-a, partner wz-noord) and zuid (store-b, wz-zuid),
    /// accounts eline (worker, noord), coby (coordinator, noord), piet (worker, zuid), anna
    /// (head office), and a device of store-a.
    struct World {
        let h: SyncHarness
        let device: DeviceSync
        func client() -> WebClient { WebClient(base: h.baseURL) }
        func signedIn(_ name: String) throws -> WebClient {
            let c = client()
            let answer = try c.login(name, WebPageTests.password)
            #expect(answer.status == 303, "login of \(name): \(answer.status) \(answer.body)")
            return c
        }
    }

    func world() throws -> World {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid")])
        for (id, region) in [("wz-noord", "noord"), ("wz-zuid", "zuid")] {
            _ = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: id, region: region, name: "Welzijn \(id)"), as: PartnerCreated.self)
        }
        for (partner, name, role) in [("wz-noord", "eline", "worker"), ("wz-noord", "coby", "coordinator"), ("wz-zuid", "piet", "worker"), (nil, "anna", nil)] as [(String?, String, String?)] {
            _ = try h.admin.call("POST", "v1/accounts", body: CreateAccountRequest(partner: partner, headOffice: partner == nil ? true : nil, name: name, role: role, password: Self.password), as: AccountCreated.self)
        }
        return World(h: h, device: try h.enroll("store-a", name: "till-a"))
    }

    /// R-WEB-7, R-WEB-9: the session cookie's attributes, the security headers on every page,
    /// one failed-login text that does not say which field was wrong.
    @Test func sessionCookieAndSecurityHeadersAreSetAndAFailedLoginSaysNotWhichFieldWasWrong() throws {
        let w = try world()
        let c = w.client()
        let login = try c.get("/web/login")
        #expect(login.status == 200)
        for answer in [login, try c.get("/web/inbox"), try c.get("/web/style.css")] {
            #expect(answer.headers["content-security-policy"]?.contains("default-src 'self'; script-src 'self'") == true)
            #expect(answer.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
            #expect(answer.headers["content-security-policy"]?.contains("unsafe-inline") == false)
            #expect(answer.headers["x-content-type-options"] == "nosniff")
            #expect(answer.headers["referrer-policy"] == "no-referrer")
        }
        #expect(!login.body.contains("<script"), "no script on any page")
        #expect(!login.body.contains("style="), "no inline style (CSP style-src 'self')")
        let wrongPassword = try c.login("eline", "niet het goede wachtwoord")
        let unknownName = try w.client().login("niemand", Self.password)
        #expect(wrongPassword.status == 401 && unknownName.status == 401)
        func message(_ page: String) -> String? { page.range(of: #"<p class="melding fout"[^<]*</p>"#, options: .regularExpression).map { String(page[$0]) } }
        #expect(message(wrongPassword.body) != nil && message(wrongPassword.body) == message(unknownName.body))
        #expect(message(wrongPassword.body)?.contains("gebruikersnaam of het wachtwoord") == true)

        let ok = try c.login("eline", Self.password)
        #expect(ok.status == 303 && ok.location == "/web/inbox")
        let cookie = try #require(ok.setCookies.first { $0.hasPrefix("omzien_session=") })
        for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/web"] { #expect(cookie.contains(attribute), "\(attribute) in \(cookie)") }
        let id = try #require(c.cookies["omzien_session"])
        #expect(id.count >= 43, "256 random bits")
        // Stored hashed: the id is nowhere in the server's memory of sessions except as its hash.
        #expect(WebSessions.key(id) != id)
        #expect(try c.get("/web/inbox").status == 200)
    }

    /// R-WEB-7: without a session, with an idle or an ended session, every page sends the
    /// browser to the login page; logout ends the session on the server.
    @Test func pagesWithoutALiveSessionRedirectToLoginAndLogoutEndsTheSession() throws {
        let w = try world()
        let anonymous = try w.client().get("/web/inbox")
        #expect(anonymous.status == 303 && anonymous.location == "/web/login")
        let c = try w.signedIn("eline")
        let stolen = try #require(c.cookies["omzien_session"])
        w.h.clock.offset.withLock { $0 += Int64(WebSessions.idleMillis) - 60_000 }
        #expect(try c.get("/web/inbox").status == 200, "29 minutes idle: still signed in (and the idle clock restarts)")
        w.h.clock.offset.withLock { $0 += Int64(WebSessions.idleMillis) + 1 }
        let idle = try c.get("/web/inbox")
        #expect(idle.status == 303 && idle.location == "/web/login", "30 minutes idle: expired")
        let again = try w.signedIn("eline")
        let page = try again.get("/web/inbox")
        let token = try #require(WebClient.csrf(in: page.body))
        let kept = try #require(again.cookies["omzien_session"])
        #expect(try again.post("/web/logout", [("csrf", token)]).location == "/web/login")
        let replay = w.client()
        replay.setCookie("omzien_session", kept)
        #expect(try replay.get("/web/inbox").status == 303, "a logged-out session id is worth nothing")
        replay.setCookie("omzien_session", stolen)
        #expect(try replay.get("/web/inbox").status == 303)
        // Absolute expiry: even a session used every few minutes ends after 12 hours.
        let busy = try w.signedIn("eline")
        for _ in 0..<(Int(WebSessions.absoluteMillis / WebSessions.idleMillis) * 2) {
            w.h.clock.offset.withLock { $0 += Int64(WebSessions.idleMillis / 2) }
            _ = try busy.get("/web/inbox")
        }
        #expect(try busy.get("/web/inbox").status == 303)
    }

    /// R-WEB-8: a form without the session's CSRF token, or with another session's, is refused
    /// and changes nothing.
    @Test func aFormWithoutTheCSRFTokenIsRefusedAndChangesNothing() throws {
        let w = try world()
        let ref = try w.device.recordSignal(note: "mevrouw")
        try w.device.sync()
        let eline = try w.signedIn("eline"), coby = try w.signedIn("coby")
        let cobyToken = try #require(WebClient.csrf(in: try coby.get("/web/referrals/\(ref.id)").body))
        let none = try eline.post("/web/referrals/\(ref.id)/status", [("state", "accepted")])
        let other = try eline.post("/web/referrals/\(ref.id)/status", [("state", "accepted"), ("csrf", cobyToken)])
        let note = try eline.post("/web/referrals/\(ref.id)/notes", [("text", "intern")])
        #expect(none.status == 403 && other.status == 403 && note.status == 403, "\(none.status) \(other.status) \(note.status)")
        #expect(none.body.contains("CSRF"))
        let view = try w.h.server.service.partnerReferral(.partner(id: "wz-noord", region: "noord", tokenPrefix: "test"), id: ref.id.rawValue)
        #expect(view.status == "submitted")
        #expect(try w.h.server.service.caseNotes(.partner(id: "wz-noord", region: "noord", tokenPrefix: "test"), id: ref.id.rawValue).notes.isEmpty)
        // A login form posted without the login page's cookie is refused too.
        let bare = w.client()
        #expect(try bare.post("/web/login", [("name", "eline"), ("password", Self.password), ("csrf", "guess")]).status == 403)
    }

    /// R-WEB-9: texts from a signal and from case notes are text, never markup: a script, an
    /// attribute breaker and a 2,000-character note.
    @Test func scriptsAndAttributeBreakersInNotesRenderAsText() throws {
        let w = try world()
        let payloads = ["<script>alert('xss')</script>", "\" onmouseover=\"alert(1)\" x=\"", "' onfocus='alert(2)", "</textarea><img src=x onerror=alert(3)>"]
        let long = String(repeating: "lange notitie & <b>vet</b> ", count: 80).prefix(2_000)
        var refs: [RecordRef] = []
        for p in payloads + [String(long)] { refs.append(try w.device.recordSignal(note: p)) }
        try w.device.sync()
        let eline = try w.signedIn("eline")
        for (ref, p) in zip(refs, payloads + [String(long)]) {
            let page = try eline.get("/web/referrals/\(ref.id)")
            #expect(page.status == 200)
            #expect(!page.body.contains(p), "the raw payload is not in the page")
            #expect(page.body.contains(HTML.escape(p)), "it is there escaped, whole")
            let token = try #require(WebClient.csrf(in: page.body))
            #expect(try eline.post("/web/referrals/\(ref.id)/notes", [("csrf", token), ("text", p)]).status == 303)
            let after = try eline.get("/web/referrals/\(ref.id)").body
            #expect(!after.contains(p) && after.components(separatedBy: HTML.escape(p)).count == 3, "note of the store and case note, both escaped")
        }
        #expect(!(try eline.get("/web/inbox").body.contains("<script>")))
    }

    /// R-WEB-10, R-WEB-11: the inbox lists the region's open referrals, most urgent and oldest
    /// first, each with its response clock; an urgent one past one working day is marked.
    @Test func theInboxPutsTheMostUrgentAndOldestFirstAndMarksOverdueOnes() throws {
        let w = try world()
        let routineOld = try w.device.recordSignal(note: "r1", urgency: "routine")
        try w.device.sync()
        w.h.clock.offset.withLock { $0 += 60_000 }
        let urgent = try w.device.recordSignal(note: "u1", urgency: "urgent")
        let soon = try w.device.recordSignal(note: "s1", urgency: "soon")
        try w.device.sync()
        w.h.clock.offset.withLock { $0 += 60_000 }
        let urgentNew = try w.device.recordSignal(note: "u2", urgency: "urgent")
        try w.device.sync()
        let eline = try w.signedIn("eline")
        let page = try eline.get("/web/inbox").body
        let order = [urgent, urgentNew, soon, routineOld].map { page.range(of: "/web/referrals/\($0.id)")?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "urgent (oldest first), soon, routine")
        #expect(!page.contains("Te laat"))
        // Eight calendar days later the urgent ones (1 working day) and the soon one (3) are
        // past their deadline; the routine one (10 working days) is not.
        w.h.clock.offset.withLock { $0 += 8 * 86_400_000 }
        let later = try w.signedIn("eline").get("/web/inbox").body  // a new session: the old one expired meanwhile
        #expect(later.components(separatedBy: "<tr class=\"verlopen\">").count - 1 == 3, "two urgent and the soon one are overdue")
        #expect(later.contains("doel 1 werkdag") && later.contains("doel 10 werkdagen"))
        // Piet (zuid) sees none of it, not even by the id.
        let piet = try w.signedIn("piet")
        #expect(!(try piet.get("/web/inbox").body.contains(urgent.id.rawValue)))
        #expect(try piet.get("/web/referrals/\(urgent.id)").status == 404)
    }

    /// R-WEB-11: every follow-up step through the forms; what the lattice refuses is refused
    /// with the API's words; the device sees the status after its next sync; the history names who.
    @Test func followUpFormsWalkTheLatticeAndRefuseWithTheAPIsWords() throws {
        let w = try world()
        let ref = try w.device.recordSignal(note: "meneer")
        try w.device.sync()
        let eline = try w.signedIn("eline")
        func step(_ fields: [(String, String)]) throws -> String {
            let token = try #require(WebClient.csrf(in: try eline.get("/web/referrals/\(ref.id)").body))
            let answer = try eline.post("/web/referrals/\(ref.id)/status", [("csrf", token)] + fields)
            #expect(answer.status == 303)
            return try eline.get("/web/referrals/\(ref.id)").body
        }
        #expect(try step([("state", "reopened")]).contains("only a closed or declined referral can be reopened"))
        #expect(try step([("state", "accepted")]).contains("Opgeslagen: aangenomen"))
        #expect(try step([("state", "accepted")]).contains("a referral never moves back to &#39;accepted&#39;"))
        _ = try step([("state", "contact-attempted")])
        _ = try step([("state", "in-contact")])
        #expect(try step([("state", "closed")]).contains("closing needs an outcome"), "a close without an outcome: the API's words")
        let closed = try step([("state", "closed"), ("outcome", "home-visit")])
        #expect(closed.contains("huisbezoek"))
        for state in ["aangenomen", "contact geprobeerd", "in contact", "afgesloten"] { #expect(closed.contains("\(state) door partner:wz-noord:eline")) }
        try w.device.sync()
        let record = try #require(try w.device.store.loadRecord(ref))
        #expect(record.status("status")?.state == "closed")
        #expect(record.string("outcome") == "home-visit")
        let reopened = try step([("state", "reopened")])
        #expect(reopened.contains("heropend door partner:wz-noord:eline"))
        let declined = try step([("state", "declined"), ("declineReason", "buiten ons werkgebied")])
        #expect(declined.contains("buiten ons werkgebied"))
    }

    /// R-WEB-12: every page view is an audit entry naming the person; the CSV export too.
    @Test func everyPageViewIsAnAuditEntryForThePerson() throws {
        let w = try world()
        let ref = try w.device.recordSignal(note: "=HYPERLINK(\"http://x\")")
        try w.device.sync()
        let eline = try w.signedIn("eline")
        _ = try eline.get("/web/inbox")
        _ = try eline.get("/web/referrals/\(ref.id)")
        let csv = try eline.get("/web/inbox.csv?dialect=excel-nl")
        #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true)
        #expect(csv.body.hasPrefix("\u{FEFF}id;store;region"))
        #expect(csv.body.contains("'=HYPERLINK"), "formulas neutralised as in the CLI's export (R-PRIV-7)")
        let (entries, _) = try w.h.server.service.auditEntries(.admin)
        let mine = entries.filter { $0.actor == "partner:wz-noord:eline" }
        #expect(mine.map(\.action) == ["login", "inbox", "read", "notes", "export"])
        #expect(mine.filter { $0.action != "login" }.allSatisfy { $0.referral == ref.id.rawValue })
        #expect(mine.allSatisfy { $0.token.hasPrefix("web:") })
    }

    /// R-WEB-9: no page links or posts to a URL that holds a note, a contact, a name of a
    /// customer or an outcome: only opaque ids.
    @Test func noURLCarriesPersonalData() throws {
        let w = try world()
        let ref = RecordRef(kind: .signal, id: RecordID.random())
        try w.device.store.appendLocal(record: ref, author: AuthorID(trusted: "kassa-1"), body: .changes(try SignalDraft(
            store: "store-a", observedAt: 1_763_800_000_000, reporter: "kassa-1", indicators: ["withdrawn"], note: "mevrouw Jansen", consent: "given", contact: "0612345678").changes()))
        try w.device.sync()
        let eline = try w.signedIn("eline")
        for page in [try eline.get("/web/inbox").body, try eline.get("/web/referrals/\(ref.id)").body] {
            let urls = page.matches(of: /(?:href|action|src)="([^"]*)"/).map { String($0.output.1) }
            #expect(!urls.isEmpty)
            for u in urls { #expect(u.allSatisfy { $0.isASCII } && !u.contains("Jansen") && !u.contains("0612345678") && !u.contains("mevrouw"), "\(u)") }
        }
    }

    /// The session matrix (R-WEB-2, R-WEB-7): each page for each kind of person.
    @Test func eachPageAnswersEachKindOfPersonAsTheTableSays() throws {
        let w = try world()
        let ref = try w.device.recordSignal(note: "geheim-\(UUID().uuidString)")
        try w.device.sync()
        _ = try w.h.admin.call("POST", "v1/accounts", body: CreateAccountRequest(partner: "wz-noord", name: "oud", role: "worker", password: Self.password), as: AccountCreated.self)
        let workerX = try w.signedIn("eline"), workerY = try w.signedIn("piet"), coordinator = try w.signedIn("coby"), analyst = try w.signedIn("anna")
        let disabled = try w.signedIn("oud")
        _ = try w.h.admin.call("POST", "v1/accounts/oud/disable", as: AccountInfo.self)
        let none = w.client()
        let table: [(String, [Int])] = [
            //                                  workerX workerY coordinator analyst disabled none
            ("/web/inbox",                      [200, 200, 200, 303, 303, 303]),
            ("/web/referrals/\(ref.id)",        [200, 404, 200, 303, 303, 303]),
            ("/web/inbox.csv",                  [200, 200, 200, 303, 303, 303]),
            ("/web/team",                       [403, 403, 200, 403, 303, 303]),
            ("/web/dashboard",                  [403, 403, 403, 200, 303, 303]),
            ("/web/dashboard/feedback/csv",     [403, 403, 403, 200, 303, 303]),
            ("/web/account",                    [200, 200, 200, 200, 303, 303]),
        ]
        for (path, expected) in table {
            var got: [Int] = []
            for c in [workerX, workerY, coordinator, analyst, disabled, none] {
                let a = try c.get(path)
                got.append(a.status)
                if c !== workerX && c !== coordinator { #expect(!a.body.contains(ref.id.rawValue) && !a.body.contains("geheim-"), "\(path) leaked") }
            }
            #expect(got == expected, "\(path): \(got), expected \(expected)")
        }
    }

    /// R-WEB-2, R-WEB-13: a coordinator adds a worker on the team page (the password shown once), who
    /// can log in; and disables one, who is logged out at once.
    @Test func aCoordinatorAddsAndDisablesWorkersOnTheTeamPage() throws {
        let w = try world()
        let coby = try w.signedIn("coby")
        let token = try #require(WebClient.csrf(in: try coby.get("/web/team").body))
        #expect(try coby.post("/web/team", [("csrf", token), ("name", "sanne")]).status == 303)
        let page = try coby.get("/web/team").body
        let password = try #require(page.firstMatch(of: /<code>([^<]+)<\/code>/).map { String($0.output.1) })
        #expect(!(try coby.get("/web/team").body.contains(password)), "shown once")
        let sanne = WebClient(base: w.h.baseURL)
        #expect(try sanne.login("sanne", password).status == 303)
        #expect(try sanne.get("/web/inbox").status == 200)
        #expect(try coby.post("/web/team/sanne/disable", [("csrf", token)]).status == 303)
        #expect(try sanne.get("/web/inbox").status == 303, "disabled: the session ends at once")
        #expect(try coby.post("/web/team/coby/disable", [("csrf", token)]).status == 303)
        #expect(try coby.get("/web/team").body.contains("disables workers only"))
    }
}

extension WebPageTests {
    /// R-WEB-7: a server clock that steps back (NTP, a restored VM) neither crashes nor
    /// ends a session; idle time is counted from the latest use.
    @Test func aClockThatStepsBackKeepsTheSessionAndDoesNotTrap() throws {
        let w = try world()
        let c = try w.signedIn("eline")
        w.h.clock.offset.withLock { $0 += 10 * 60_000 }
        #expect(try c.get("/web/inbox").status == 200)
        w.h.clock.offset.withLock { $0 -= 20 * 60_000 }
        #expect(try c.get("/web/inbox").status == 200, "ten minutes before the login, by the clock")
        _ = try w.signedIn("piet")  // a login sweeps expired sessions with the stepped-back clock
        #expect(try c.get("/web/inbox").status == 200)
    }
}
