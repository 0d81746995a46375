import Foundation
import OmzienHTTP
import OmzienModel
import OmzienProtocol

/// The web pages under `/web` (PARTNERS.md section 11): login, the partner's inbox and
/// referral pages, the coordinator's team page, head office's dashboard.
///
/// - Every response carries the security headers of R-WEB-9 (`Content-Security-Policy`
///   without inline script or style, `frame-ancestors 'none'`, `nosniff`, `no-referrer`,
///   `no-store`).
/// - A page without a live session answers 303 to `/web/login` (R-WEB-7).
/// - Every POST carries the session's CSRF token in the form field `csrf`; without it, or
///   with another, the answer is 403 and nothing is done (R-WEB-8). The login form is
///   protected by a double-submit token (cookie `omzien_login` = field `csrf`).
/// - URLs carry opaque ids only (a referral's record id, an account name); names, notes,
///   contacts and outcomes travel in POST bodies and pages (R-WEB-9).
enum WebRoutes {
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
    ]

    /// The signed-in request: session id, session and person.
    struct Visit {
        let id: String
        let session: WebSessions.Session
        let person: Person
        var principal: Principal { .person(person) }
    }

    static func register(_ r: inout Router, service: SyncService, sessions: WebSessions = WebSessions()) {
        let secure = service.configuration.webSecureCookies
        func page(_ method: String, _ pattern: String, _ handler: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
            let wrapped: Router.Handler = { req, _ in
                var response: HTTPResponse
                do { response = try handler(req) } catch {
                    response = html(WebPages.message(title: "Er ging iets mis", "De server kon dit niet afhandelen. Probeer het later opnieuw."), status: .internalServerError)
                    response.logError = String(describing: error)
                }
                for (name, value) in securityHeaders { response.headers.replaceOrAdd(name: name, value: value) }
                return response
            }
            if method == "GET" { r.get(pattern, wrapped) } else { r.post(pattern, wrapped) }
        }

        /// The live session of the request and its person, or nil.
        @Sendable func visit(_ req: HTTPRequest) throws -> Visit? {
            guard let id = cookie(req, WebSessions.cookieName), let session = sessions.touch(id, now: service.now) else { return nil }
            guard let person = try service.person(name: session.account, credential: "web:" + String(WebSessions.key(id).prefix(8))),
                  person.credentialEpoch == session.epoch else {
                sessions.end(id)
                return nil
            }
            return Visit(id: id, session: session, person: person)
        }

        /// A page for a signed-in person: redirects to the login page without a session, and
        /// for POST checks the CSRF token first.
        func signedIn(_ method: String, _ pattern: String, _ handler: @escaping @Sendable (HTTPRequest, Visit) throws -> HTTPResponse) {
            page(method, pattern) { req in
                guard let v = try visit(req) else { return redirect("/web/login", clearing: secure) }
                if method == "POST" {
                    guard WebSessions.csrfMatches(form(req)["csrf"], v.session.csrf) else {
                        return html(WebPages.message(title: "Formulier geweigerd", "Dit formulier is verlopen of kwam niet van deze site (CSRF-controle). Ga terug, laad de pagina opnieuw en probeer het nog eens.",
                                                     person: v.person, csrf: v.session.csrf), status: .forbidden)
                    }
                }
                return try handler(req, v)
            }
        }

        @Sendable func flash(_ v: Visit, _ message: String, error: Bool = false) {
            sessions.update(v.id) { $0.flash = message; $0.flashIsError = error }
        }

        page("GET", "/web/style.css") { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/css; charset=utf-8"], body: Array(WebStylesheet.css.utf8))
        }
        page("GET", "/web") { req in
            guard let v = try visit(req) else { return redirect("/web/login") }
            return redirect(home(v.person))
        }
        page("GET", "/web/login") { req in
            if let v = try visit(req) { return redirect(home(v.person)) }
            return loginPage(error: nil, secure: secure)
        }
        page("POST", "/web/login") { req in
            let f = form(req)
            guard let expected = cookie(req, WebSessions.loginCookieName), WebSessions.csrfMatches(f["csrf"], expected) else {
                return loginPage(error: "Het inlogformulier was verlopen. Probeer het opnieuw.", secure: secure, status: .forbidden)
            }
            let name = f["name"] ?? ""
            guard let person = try service.login(name: name, password: f["password"] ?? "", credential: "web:login") else {
                return loginPage(error: "Inloggen mislukt: de gebruikersnaam of het wachtwoord klopt niet, of het account is geblokkeerd. Na \(SyncService.lockoutFailures) mislukte pogingen is een account \(SyncService.lockoutMillis / 60_000) minuten geblokkeerd.",
                                 name: name, secure: secure, status: .unauthorized)
            }
            let id = sessions.create(account: person.account, epoch: person.credentialEpoch, now: service.now)
            try service.auditPageView(.person(person.with(credential: "web:" + String(WebSessions.key(id).prefix(8)))), action: "login")
            var response = redirect(home(person))
            response.headers.add(name: "Set-Cookie", value: sessionCookie(WebSessions.cookieName, id, path: "/web", secure: secure))
            response.headers.add(name: "Set-Cookie", value: expiredCookie(WebSessions.loginCookieName, path: "/web/login", secure: secure))
            return response
        }
        signedIn("POST", "/web/logout") { _, v in
            sessions.end(v.id)
            try service.auditPageView(v.principal, action: "logout")
            return redirect("/web/login", clearing: secure)
        }

        signedIn("GET", "/web/inbox") { _, v in
            guard v.person.partner != nil else { return redirect(home(v.person)) }
            let entries = try service.inbox(v.principal)
            return html(WebPages.inbox(entries, person: v.person, csrf: v.session.csrf, flash: sessions.takeFlash(v.id),
                                      targets: service.configuration.responseTargets, now: service.now))
        }
        signedIn("GET", "/web/inbox.csv") { req, v in
            guard v.person.partner != nil else { return redirect(home(v.person)) }
            let dialect = CSVWriter.Dialect(rawValue: req.queryValue("dialect") ?? "excel") ?? .excel
            let entries = WebPages.sorted(try service.inbox(v.principal, action: "export"))
            let lines = CSVWriter(dialect: dialect).referralLines(entries.map(\.view), timeZone: WebPages.timeZone)
            let text = CSVWriter.byteOrderMark + lines.joined(separator: "\r\n") + "\r\n"
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/csv; charset=utf-8", "Content-Disposition": "attachment; filename=\"omzien-inbox.csv\""],
                                body: Array(text.utf8))
        }
        signedIn("GET", "/web/referrals/:id") { req, v in
            guard v.person.partner != nil else { return redirect(home(v.person)) }
            let id = try req.parameter("id")
            do {
                let view = try service.partnerReferral(v.principal, id: id)
                let history = try service.referralHistory(v.principal, id: id)
                let notes = try service.caseNotes(v.principal, id: id).notes
                return html(WebPages.referral(view, history: history, notes: notes, person: v.person, csrf: v.session.csrf, flash: sessions.takeFlash(v.id),
                                            targets: service.configuration.responseTargets, now: service.now))
            } catch let p as Problem where p.status == 404 {
                return html(WebPages.message(title: "Niet gevonden", "Deze melding bestaat niet of hoort niet bij uw regio.", person: v.person, csrf: v.session.csrf), status: .notFound)
            }
        }
        signedIn("POST", "/web/referrals/:id/status") { req, v in
            let id = try req.parameter("id"), f = form(req)
            let state = f["state"] ?? ""
            let request = ReferralUpdateRequest(state: state, outcome: state == "closed" ? nonEmpty(f["outcome"]) : nil,
                                                declineReason: state == "declined" ? nonEmpty(f["declineReason"]) : nil)
            do {
                _ = try service.updateReferral(v.principal, id: id, request)
                flash(v, "Opgeslagen: \(WebPages.name(WebPages.stateNames, state)).")
            } catch let p as Problem where p.status < 500 {
                if p.status == 404 { return html(WebPages.message(title: "Niet gevonden", "Deze melding bestaat niet of hoort niet bij uw regio.", person: v.person, csrf: v.session.csrf), status: .notFound) }
                // The API's own words (R-WEB-11), so the page and the CLI say the same.
                flash(v, "Niet gelukt: \(p.detail ?? p.title)", error: true)
            }
            return redirect("/web/referrals/\(id)")
        }
        signedIn("POST", "/web/referrals/:id/notes") { req, v in
            let id = try req.parameter("id")
            do {
                _ = try service.addCaseNote(v.principal, id: id, CaseNoteRequest(text: form(req)["text"] ?? ""))
                flash(v, "Notitie opgeslagen.")
            } catch let p as Problem where p.status < 500 {
                if p.status == 404 { return html(WebPages.message(title: "Niet gevonden", "Deze melding bestaat niet of hoort niet bij uw regio.", person: v.person, csrf: v.session.csrf), status: .notFound) }
                flash(v, "Niet gelukt: \(p.detail ?? p.title)", error: true)
            }
            return redirect("/web/referrals/\(id)")
        }

        signedIn("GET", "/web/team") { _, v in
            guard v.person.role == .coordinator else { return forbidden(v) }
            try service.auditPageView(v.principal, action: "team")
            return html(WebPages.team(try service.listAccounts(v.principal), person: v.person, csrf: v.session.csrf, flash: sessions.takeFlash(v.id)))
        }
        signedIn("POST", "/web/team") { req, v in
            guard v.person.role == .coordinator else { return forbidden(v) }
            do {
                let created = try service.createAccount(v.principal, CreateAccountRequest(partner: v.person.partner, name: form(req)["name"] ?? "", role: "worker"))
                sessions.update(v.id) { $0.flash = "Medewerker \(created.account.name) toegevoegd."; $0.secret = created.initialPassword }
            } catch let p as Problem where p.status < 500 {
                flash(v, "Niet gelukt: \(p.detail ?? p.title)", error: true)
            }
            return redirect("/web/team")
        }
        for (action, disabled) in [("disable", true), ("enable", false)] {
            signedIn("POST", "/web/team/:name/\(action)") { req, v in
                guard v.person.role == .coordinator else { return forbidden(v) }
                do {
                    let a = try service.setAccountDisabled(v.principal, name: try req.parameter("name"), disabled: disabled)
                    flash(v, "\(a.name) is \(disabled ? "uitgeschakeld" : "weer ingeschakeld").")
                } catch let p as Problem where p.status < 500 {
                    flash(v, "Niet gelukt: \(p.detail ?? p.title)", error: true)
                }
                return redirect("/web/team")
            }
        }

        signedIn("GET", "/web/account") { _, v in
            try service.auditPageView(v.principal, action: "account")
            return html(WebPages.account(try service.personalTokens(v.principal), person: v.person, csrf: v.session.csrf, flash: sessions.takeFlash(v.id)))
        }
        signedIn("POST", "/web/account/password") { req, v in
            let f = form(req)
            guard let new = f["newPassword"], new == f["newPassword2"] else {
                flash(v, "Niet gelukt: de twee nieuwe wachtwoorden zijn niet gelijk.", error: true)
                return redirect("/web/account")
            }
            do {
                _ = try service.changePassword(PasswordChangeRequest(account: v.person.account, password: f["password"] ?? "", newPassword: new), credential: v.person.credential)
            } catch let p as Problem where p.status < 500 {
                flash(v, p.status == 401 ? "Niet gelukt: het huidige wachtwoord klopt niet, of het account is geblokkeerd. Na \(SyncService.lockoutFailures) mislukte pogingen is een account \(SyncService.lockoutMillis / 60_000) minuten geblokkeerd."
                                         : "Niet gelukt: \(p.detail ?? p.title)", error: true)
                return redirect("/web/account")
            }
            // Every session of the account ended with the change; this browser gets a new one.
            sessions.end(v.id)
            guard let person = try service.person(name: v.person.account, credential: "web:login") else { return redirect("/web/login", clearing: secure) }
            let id = sessions.create(account: person.account, epoch: person.credentialEpoch, now: service.now)
            sessions.update(id) { $0.flash = "Uw wachtwoord is gewijzigd. Andere sessies en al uw persoonlijke tokens zijn beëindigd." }
            var response = redirect("/web/account")
            response.headers.add(name: "Set-Cookie", value: sessionCookie(WebSessions.cookieName, id, path: "/web", secure: secure))
            return response
        }
        signedIn("POST", "/web/account/tokens/:id/revoke") { req, v in
            do {
                let t = try service.revokePersonalToken(v.principal, id: try req.parameter("id"))
                flash(v, "Token \(t.id)… is ingetrokken.")
            } catch let p as Problem where p.status < 500 {
                flash(v, "Niet gelukt: \(p.detail ?? p.title)", error: true)
            }
            return redirect("/web/account")
        }
        signedIn("POST", "/web/team/:name/password") { req, v in
            guard v.person.role == .coordinator else { return forbidden(v) }
            do {
                let reset = try service.resetPassword(v.principal, name: try req.parameter("name"))
                sessions.update(v.id) { $0.flash = "Nieuw wachtwoord voor \(reset.account.name); de sessies en tokens van dit account zijn beëindigd."; $0.secret = reset.initialPassword }
            } catch let p as Problem where p.status < 500 {
                flash(v, "Niet gelukt: \(p.detail ?? p.title)", error: true)
            }
            return redirect("/web/team")
        }

        signedIn("GET", "/web/dashboard") { _, v in
            guard v.person.role == .headOffice else { return forbidden(v) }
            try service.auditPageView(v.principal, action: "dashboard")
            return html(try WebDashboard.page(service: service, person: v.person, csrf: v.session.csrf))
        }
        signedIn("GET", "/web/dashboard/:figure/csv") { req, v in
            guard v.person.role == .headOffice else { return forbidden(v) }
            do {
                let csv = try WebDashboard.csv(service: service, person: v.person, figure: try req.parameter("figure"), query: req)
                try service.auditPageView(v.principal, action: "dashboard-export")
                return csv
            } catch let p as Problem where p.status < 500 {
                return html(WebPages.message(title: "Niet gevonden", "Dit cijfer bestaat niet (\(p.detail ?? p.title)).", person: v.person, csrf: v.session.csrf),
                            status: HTTPStatus(code: p.status))
            }
        }
    }

    static func home(_ p: Person) -> String { p.role == .headOffice ? "/web/dashboard" : "/web/inbox" }

    static func forbidden(_ v: Visit) -> HTTPResponse {
        html(WebPages.message(title: "Geen toegang", "Deze pagina is niet voor uw account.", person: v.person, csrf: v.session.csrf), status: .forbidden)
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return s
    }

    static func loginPage(error: String?, name: String = "", secure: Bool, status: HTTPStatus = .ok) -> HTTPResponse {
        let token = WebSessions.random()
        var r = html(WebPages.login(error: error, loginToken: token, name: name), status: status)
        r.headers.add(name: "Set-Cookie", value: sessionCookie(WebSessions.loginCookieName, token, path: "/web/login", secure: secure))
        return r
    }

    static func html(_ page: HTML, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(page.description.utf8))
    }

    /// 303 See Other (after a POST the browser GETs the page: no form resent on reload).
    static func redirect(_ location: String, clearing secure: Bool? = nil) -> HTTPResponse {
        var r = HTTPResponse(status: HTTPStatus(code: 303), headers: ["Location": location, "Content-Type": "text/plain; charset=utf-8"], body: Array("See \(location)\n".utf8))
        if let secure { r.headers.add(name: "Set-Cookie", value: expiredCookie(WebSessions.cookieName, path: "/web", secure: secure)) }
        return r
    }

    static func sessionCookie(_ name: String, _ value: String, path: String, secure: Bool) -> String {
        "\(name)=\(value); Path=\(path); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func expiredCookie(_ name: String, path: String, secure: Bool) -> String {
        "\(name)=; Path=\(path); Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// The value of cookie `name` in the request's `Cookie` headers.
    static func cookie(_ req: HTTPRequest, _ name: String) -> String? {
        for header in req.headers.values(for: "Cookie") {
            for pair in header.split(separator: ";") {
                let kv = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if kv.count == 2, kv[0] == name, !kv[1].isEmpty { return String(kv[1]) }
            }
        }
        return nil
    }

    /// An `application/x-www-form-urlencoded` body, first value of each name (decoded like a
    /// query string: `+` is a space, percent-escapes decoded).
    static func form(_ req: HTTPRequest) -> [String: String] {
        var q = req
        q.query = String(decoding: req.body, as: UTF8.self)
        var out: [String: String] = [:]
        for item in q.queryItems where out[item.name] == nil { out[item.name] = item.value }
        return out
    }
}
