import Foundation
import OmzienModel
import OmzienProtocol

/// The pages, in Dutch (their readers' language; R-WEB-13). Every text that comes from a
/// signal, a case note or an account goes through `HTML`'s escaping interpolation. No
/// inline script or style: the stylesheet is `/web/style.css` and there is no script at all.
enum WebPages {
    static let timeZone = TimeZone(identifier: "Europe/Amsterdam") ?? .current

    static let stateNames: [String: String] = [
        "draft": "concept", "submitted": "nieuw", "accepted": "aangenomen", "contact-attempted": "contact geprobeerd",
        "in-contact": "in contact", "closed": "afgesloten", "declined": "afgewezen", "reopened": "heropend",
    ]
    static let urgencyNames = ["urgent": "dringend", "soon": "binnenkort", "routine": "regulier"]
    static let consentNames = ["given": "gegeven", "refused": "geweigerd", "not-asked": "niet gevraagd"]
    static let outcomeNames = [
        "linked-to-activity": "gekoppeld aan een activiteit", "home-visit": "huisbezoek", "referred-elsewhere": "doorverwezen",
        "no-help-wanted": "geen hulp gewenst", "unreachable": "niet bereikbaar", "other": "anders",
    ]
    static let indicatorNames = [
        "daily-long-stay": "komt dagelijks en blijft lang", "mentions-alone": "vertelt alleen te zijn", "withdrawn": "lijkt teruggetrokken",
        "self-neglect": "tekenen van zelfverwaarlozing", "recent-loss": "recent verlies van partner", "confused": "lijkt verward of vergeetachtig",
        "money-worries": "maakt zich zorgen over geld",
    ]

    static func name(_ table: [String: String], _ key: String?) -> String { key.map { table[$0] ?? $0 } ?? "–" }

    static func time(_ ms: UInt64?) -> String {
        guard let ms else { return "–" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "nl_NL")
        f.timeZone = timeZone
        f.dateFormat = "d-M-yyyy HH:mm"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func duration(_ ms: UInt64) -> String {
        let minutes = ms / 60_000
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 { return "\(hours) u \(minutes % 60) min" }
        return "\(hours / 24) dagen \(hours % 24) u"
    }

    // MARK: Layout

    static func layout(title: String, person: Person?, csrf: String?, flash: (message: String?, isError: Bool, secret: String?) = (nil, false, nil), _ body: HTML) -> HTML {
        var nav = HTML.empty
        if let person, let csrf {
            var links: [HTML] = []
            if person.partner != nil { links.append("<a href=\"/web/inbox\">Inbox</a>") }
            if person.role == .coordinator { links.append("<a href=\"/web/team\">Team</a>") }
            if person.role == .headOffice { links.append("<a href=\"/web/dashboard\">Dashboard</a>") }
            links.append("<a href=\"/web/account\">Mijn account</a>")
            nav = """
                <nav aria-label="Hoofdmenu">\(links)<span class="who">Ingelogd als \(person.actor)</span>\
                <form method="post" action="/web/logout" class="inline"><input type="hidden" name="csrf" value="\(csrf)">\
                <button type="submit">Uitloggen</button></form></nav>
                """
        }
        var notice = HTML.empty
        if let m = flash.message {
            notice = flash.isError ? "<p class=\"melding fout\" role=\"alert\">\(m)</p>" : "<p class=\"melding\" role=\"status\">\(m)</p>"
        }
        if let secret = flash.secret {
            notice = notice + "<p class=\"melding\" role=\"status\">Beginwachtwoord (wordt één keer getoond): <code>\(secret)</code></p>"
        }
        return """
            <!DOCTYPE html>
            <html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\
            <title>\(title) – Omzien</title><link rel="stylesheet" href="/web/style.css"></head>
            <body><header><span class="merk">Omzien</span>\(nav)</header><main>
            <h1>\(title)</h1>
            \(notice)\(body)
            </main></body></html>
            """
    }

    static func hidden(_ csrf: String) -> HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">" }

    // MARK: Login

    static func login(error: String?, loginToken: String, name: String = "") -> HTML {
        let message: HTML = error.map { "<p class=\"melding fout\" role=\"alert\">\($0)</p>" } ?? .empty
        return layout(title: "Inloggen", person: nil, csrf: nil, """
            \(message)<form method="post" action="/web/login" class="login">
            <input type="hidden" name="csrf" value="\(loginToken)">
            <label for="name">Gebruikersnaam</label><input id="name" name="name" autocomplete="username" required value="\(name)">
            <label for="password">Wachtwoord</label><input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Inloggen</button>
            </form>
            <p class="uitleg">Na \(SyncService.lockoutFailures) mislukte pogingen wordt een account \(Int(SyncService.lockoutMillis / 60_000)) minuten geblokkeerd. Wachtwoord vergeten? Vraag uw coördinator.</p>
            """)
    }

    // MARK: Inbox

    /// A referral's response clock (R-WEB-11): time since submission against the target of
    /// its urgency; `late` when the deadline passed before (or without) first contact.
    /// The clock is the shared `ResponseTargets` one (PARTNERS.md section 9), so the inbox
    /// and the reports say the same.
    static func clock(_ e: InboxEntry, targets: ResponseTargets, now: UInt64) -> (late: Bool, text: HTML) {
        guard let submitted = e.submittedAt else { return (false, "–") }
        let urgency = e.view.urgency ?? "routine"
        let days = targets.workingDays(for: urgency)
        let c = targets.clock(submittedAt: submitted, urgency: urgency, firstContactAt: e.firstContactAt, now: now)
        let due = c.deadline
        let target = "doel \(days) werkdag\(days == 1 ? "" : "en")"
        if let contact = e.firstContactAt {
            let inTime = c.state == .metInTime
            return (!inTime, "contact na \(duration(contact - min(contact, submitted))) (\(target), \(inTime ? "gehaald" : "te laat"))")
        }
        let waited = duration(now - min(now, submitted))
        if c.state == .overdue { return (true, "<strong>Te laat</strong>: \(waited) wachtend (\(target), termijn verliep \(time(due)))") }
        return (false, "\(waited) wachtend (\(target), uiterlijk \(time(due)))")
    }

    /// The active response-time targets (R-PART-30, `serve --target-*`) in one sentence, so a
    /// reader of the inbox or the dashboard knows what "te laat" and "binnen de termijn" mean.
    static func targets(_ t: ResponseTargets) -> HTML {
        func days(_ n: Int) -> String { "\(n) werkdag\(n == 1 ? "" : "en")" }
        return """
            <p class="termijnen">Termijnen tot het eerste contact: dringend \(days(t.urgentDays)), binnenkort \(days(t.soonDays)), \
            regulier \(days(t.routineDays)) (werkdagen maandag tot en met vrijdag, tijdzone \(t.timeZone)).</p>
            """
    }

    static func clockCell(_ e: InboxEntry, targets: ResponseTargets, now: UInt64) -> HTML {
        let c = clock(e, targets: targets, now: now)
        return "<td class=\"\(c.late ? "te-laat" : "op-tijd")\">\(c.text)</td>"
    }

    static let urgencyRank = ["urgent": 0, "soon": 1, "routine": 2]

    /// Most urgent first, then oldest submission first (R-WEB-10).
    static func sorted(_ entries: [InboxEntry]) -> [InboxEntry] {
        entries.sorted {
            let a = urgencyRank[$0.view.urgency ?? "routine"] ?? 3, b = urgencyRank[$1.view.urgency ?? "routine"] ?? 3
            if a != b { return a < b }
            let sa = $0.submittedAt ?? UInt64.max, sb = $1.submittedAt ?? UInt64.max
            return sa != sb ? sa < sb : $0.view.id < $1.view.id
        }
    }

    static func inbox(_ entries: [InboxEntry], person: Person, csrf: String, flash: (String?, Bool, String?), targets: ResponseTargets, now: UInt64) -> HTML {
        let rows: [HTML] = sorted(entries).map { e in
            let v = e.view
            let overdue = e.firstContactAt == nil && clock(e, targets: targets, now: now).late
            return """
                <tr class="\(overdue ? "verlopen" : "")"><td><a href="/web/referrals/\(v.id)">\(String(v.id.prefix(8)))</a></td>\
                <td class="urgentie-\(v.urgency ?? "routine")">\(name(urgencyNames, v.urgency))</td><td>\(v.store)</td>\
                <td>\(name(stateNames, v.status))</td><td>\(time(e.submittedAt))</td>\(clockCell(e, targets: targets, now: now))</tr>
                """
        }
        let table: HTML = rows.isEmpty ? "<p>Er zijn geen open meldingen in uw regio.</p>" : """
            <table><caption>Open meldingen, dringendste en oudste eerst</caption>
            <thead><tr><th scope="col">Melding</th><th scope="col">Urgentie</th><th scope="col">Winkel</th><th scope="col">Status</th>\
            <th scope="col">Ingediend</th><th scope="col">Reactietijd</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        return layout(title: "Inbox \(person.partner ?? "")", person: person, csrf: csrf, flash: flash, """
            <p>\(entries.count) open melding\(entries.count == 1 ? "" : "en") in regio \(person.region ?? "").</p>
            \(table)
            <p><a href="/web/inbox.csv">Download als CSV</a> · <a href="/web/inbox.csv?dialect=excel-nl">CSV voor Nederlandse Excel (;)</a></p>
            """)
    }

    // MARK: Referral

    static func referral(_ v: ReferralView, history: (submittedAt: UInt64?, firstContactAt: UInt64?, steps: [HistoryEntry]), notes: [CaseNote],
                         person: Person, csrf: String, flash: (String?, Bool, String?), targets: ResponseTargets, now: UInt64) -> HTML {
        let indicators: [HTML] = (v.indicators ?? []).map { "<li>\(name(indicatorNames, $0))</li>" }
        var facts: [HTML] = [
            "<dt>Winkel</dt><dd>\(v.store) (regio \(v.region))</dd>",
            "<dt>Waargenomen</dt><dd>\(time(v.observedAt.map { UInt64(max(0, $0)) }))</dd>",
            "<dt>Urgentie</dt><dd>\(name(urgencyNames, v.urgency))</dd>",
            "<dt>Status</dt><dd>\(name(stateNames, v.status))\(v.epoch.map { $0 > 0 ? " (ronde \($0 + 1))" : "" } ?? "")</dd>",
            "<dt>Signalen</dt><dd><ul>\(indicators)</ul></dd>",
            "<dt>Toestemming voor contact</dt><dd>\(name(consentNames, v.consent))</dd>",
        ]
        if let contact = v.contact { facts.append("<dt>Contactgegevens</dt><dd>\(contact)</dd>") }
        if let outcome = v.outcome { facts.append("<dt>Uitkomst</dt><dd>\(name(outcomeNames, outcome))</dd>") }
        if let reason = v.declineReason { facts.append("<dt>Reden van afwijzing</dt><dd class=\"tekst\">\(reason)</dd>") }
        facts.append("<dt>Notitie van de winkel</dt><dd class=\"tekst\">\(v.note ?? "–")</dd>")
        if let s = history.submittedAt {
            let entry = InboxEntry(view: v, submittedAt: s, firstContactAt: history.firstContactAt)
            let c = clock(entry, targets: targets, now: now)
            facts.append("<dt>Reactietijd</dt><dd class=\"\(c.late ? "te-laat" : "op-tijd")\">\(c.text)</dd>")
        }
        var steps: [HTML] = ["<li>\(time(history.submittedAt)): ingediend door de winkel</li>"]
        steps += history.steps.map { "<li>\(time($0.at)): \(name(stateNames, $0.state)) door \($0.actor)</li>" }
        let noteItems: [HTML] = notes.map { "<li><span class=\"wanneer\">\(time($0.at)), \($0.author)</span><div class=\"tekst\">\($0.text)</div></li>" }
        let outcomes: [HTML] = Vocabulary.outcomes.map { "<option value=\"\($0)\">\(name(outcomeNames, $0))</option>" }
        func step(_ state: String, _ label: String, _ extra: HTML = .empty) -> HTML {
            """
            <form method="post" action="/web/referrals/\(v.id)/status" class="stap">\(hidden(csrf))<input type="hidden" name="state" value="\(state)">\
            \(extra)<button type="submit">\(label)</button></form>
            """
        }
        return layout(title: "Melding \(String(v.id.prefix(8)))", person: person, csrf: csrf, flash: flash, """
            <p><a href="/web/inbox">← terug naar de inbox</a></p>
            <dl class="feiten">\(facts)</dl>
            <h2>Opvolging</h2>
            <div class="stappen">
            \(step("accepted", "Aannemen"))\(step("contact-attempted", "Contact geprobeerd"))\(step("in-contact", "In contact"))
            \(step("closed", "Afsluiten", "<label for=\"outcome\">Uitkomst</label><select id=\"outcome\" name=\"outcome\">\(outcomes)</select>"))
            \(step("declined", "Afwijzen", "<label for=\"reason\">Reden</label><input id=\"reason\" name=\"declineReason\" maxlength=\"500\">"))
            \(step("reopened", "Heropenen"))
            </div>
            <h2>Geschiedenis</h2><ol class="geschiedenis">\(steps)</ol>
            <h2>Notities van uw organisatie</h2>
            <p class="uitleg">Alleen voor uw organisatie; de winkel ziet ze nooit.</p>
            \(noteItems.isEmpty ? ("<p>Nog geen notities.</p>" as HTML) : ("<ol class=\"notities\">\(noteItems)</ol>" as HTML))
            <form method="post" action="/web/referrals/\(v.id)/notes">\(hidden(csrf))
            <label for="text">Nieuwe notitie</label><textarea id="text" name="text" rows="4" maxlength="4000" required></textarea>
            <button type="submit">Notitie opslaan</button></form>
            """)
    }

    // MARK: Account (every person)

    /// R-WEB-5, R-WEB-6: change one's own password; one's personal tokens, each revocable.
    static func account(_ tokens: [PersonalTokenInfo], person: Person, csrf: String, flash: (String?, Bool, String?)) -> HTML {
        let rows: [HTML] = tokens.map { t in
            let state = t.revokedAt.map { "ingetrokken \(time($0))" } ?? "geldig tot \(time(t.expiresAt))"
            let action: HTML = t.revokedAt != nil ? "<td></td>" : """
                <td><form method="post" action="/web/account/tokens/\(t.id)/revoke" class="inline">\(hidden(csrf))\
                <button type="submit">Intrekken</button></form></td>
                """
            return "<tr><td><code>\(t.id)…</code></td><td>\(time(t.createdAt))</td><td>\(state)</td>\(action)</tr>"
        }
        let list: HTML = rows.isEmpty ? "<p>U heeft geen persoonlijke tokens.</p>" : """
            <table><caption>Uw persoonlijke tokens (voor de opdrachtregel), nieuwste eerst</caption>
            <thead><tr><th scope="col">Token</th><th scope="col">Gemaakt</th><th scope="col">Status</th><th scope="col"></th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        return layout(title: "Mijn account", person: person, csrf: csrf, flash: flash, """
            <p>Ingelogd als \(person.actor).</p>
            <h2>Wachtwoord wijzigen</h2>
            <p class="uitleg">Minstens \(PasswordHash.minimumCharacters) tekens; een paar woorden maken een goed wachtwoord. \
            Na het wijzigen eindigen uw andere sessies en al uw persoonlijke tokens.</p>
            <form method="post" action="/web/account/password" class="login">\(hidden(csrf))
            <label for="password">Huidig wachtwoord</label><input id="password" name="password" type="password" autocomplete="current-password" required>
            <label for="newPassword">Nieuw wachtwoord</label><input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="\(PasswordHash.minimumCharacters)">
            <label for="newPassword2">Nieuw wachtwoord (nog een keer)</label><input id="newPassword2" name="newPassword2" type="password" autocomplete="new-password" required>
            <button type="submit">Wachtwoord wijzigen</button></form>
            <h2>Persoonlijke tokens</h2>
            \(list)
            """)
    }

    // MARK: Team (coordinator)

    static func team(_ accounts: [AccountInfo], person: Person, csrf: String, flash: (String?, Bool, String?)) -> HTML {
        let rows: [HTML] = accounts.map { a in
            let state = a.disabledAt != nil ? "uitgeschakeld" : a.lockedUntil != nil ? "geblokkeerd tot \(time(a.lockedUntil))" : "actief"
            let action: HTML = a.role != "worker" || a.name == person.name ? "<td></td>" : """
                <td><form method="post" action="/web/team/\(a.name)/\(a.disabledAt == nil ? "disable" : "enable")" class="inline">\(hidden(csrf))\
                <button type="submit">\(a.disabledAt == nil ? "Uitschakelen" : "Inschakelen")</button></form> \
                <form method="post" action="/web/team/\(a.name)/password" class="inline">\(hidden(csrf))\
                <button type="submit">Nieuw wachtwoord</button></form></td>
                """
            return "<tr><td>\(a.name)</td><td>\(a.role == "coordinator" ? "coördinator" : "medewerker")</td><td>\(state)</td>\(action)</tr>"
        }
        return layout(title: "Team \(person.partner ?? "")", person: person, csrf: csrf, flash: flash, """
            <table><thead><tr><th scope="col">Naam</th><th scope="col">Rol</th><th scope="col">Status</th><th scope="col"></th></tr></thead>
            <tbody>\(rows)</tbody></table>
            <h2>Medewerker toevoegen</h2>
            <form method="post" action="/web/team">\(hidden(csrf))
            <label for="newname">Gebruikersnaam (kleine letters, cijfers, . _ -)</label><input id="newname" name="name" required maxlength="32">
            <button type="submit">Toevoegen</button></form>
            """)
    }

    // MARK: Errors

    static func message(title: String, _ text: String, person: Person? = nil, csrf: String? = nil) -> HTML {
        layout(title: title, person: person, csrf: csrf, "<p>\(text)</p><p><a href=\"/web\">Naar de startpagina</a></p>")
    }
}

