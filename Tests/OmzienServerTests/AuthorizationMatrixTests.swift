import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import Testing

/// Every endpoint against every principal (Protocol/SYNC.md R-SYNC-3/5, PARTNERS.md R-PART-2/3):
/// the expected status is a table here, and no 200 answer carries anything of store A to a
/// principal outside store A's scope.
struct AuthorizationMatrixTests {
    enum Who: String, CaseIterable {
        case deviceA, deviceB, partnerX, partnerY, headOffice, admin, revoked, expiredPartner, revokedPartner, malformed, none
        case expiredAdmin, expiredHeadOffice, revokedHeadOffice  // R-OPS-6, R-OPS-7
        // Person accounts with personal tokens (R-WEB-2, R-WEB-4): a worker of region X, of
        // region Y, X's coordinator, a disabled worker of X, a head-office analyst.
        case workerX, workerY, coordinatorX, disabledWorker, analyst
    }

    @Test func everyEndpointAnswersEveryPrincipalAsTheTableSays() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord"), ("store-b", "zuid"), ("store-c", "oost"), ("store-d", "west")])
        let x = try h.admin.call(Endpoints.createPartner, body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "X"))
        let y = try h.admin.call(Endpoints.createPartner, body: CreatePartnerRequest(id: "wz-zuid", region: "zuid", name: "Y"))
        let ho = try h.admin.call(Endpoints.issueHeadOfficeToken, body: HeadOfficeTokenRequest())
        let shortAdmin = try h.admin.call(Endpoints.rotateAdminToken, body: AdminTokenRequest(tokenDays: 1))
        let shortHO = try h.admin.call(Endpoints.issueHeadOfficeToken, body: HeadOfficeTokenRequest(tokenDays: 1))
        let revokedHO = try h.admin.call(Endpoints.issueHeadOfficeToken, body: HeadOfficeTokenRequest())
        _ = try h.admin.call(Endpoints.revokeHeadOfficeToken, revokedHO.id)
        let shortLived = try h.admin.call(Endpoints.createPartner, body: CreatePartnerRequest(id: "wz-oost", region: "oost", name: "Z", tokenDays: 1))
        let replaced = try h.admin.call(Endpoints.createPartner, body: CreatePartnerRequest(id: "wz-west", region: "west", name: "W"))
        let rotated = try h.admin.call(Endpoints.rotatePartnerToken, "wz-west", body: PartnerTokenRequest(revokeOthers: true))
        #expect(rotated.token != replaced.token)
        #expect(try SyncClient(baseURL: h.baseURL, token: rotated.token, retry: .none).call(Endpoints.referrals).referrals.isEmpty)
        let password = "wachtwoord voor de matrix"
        func person(_ partner: String?, _ name: String, _ role: String?) throws -> String {
            _ = try h.admin.call(Endpoints.createAccount, body: CreateAccountRequest(partner: partner, headOffice: partner == nil ? true : nil, name: name, role: role, password: password))
            return try SyncClient(baseURL: h.baseURL, token: nil, retry: .none).call(Endpoints.personalToken, body: PersonalTokenRequest(account: name, password: password)).token
        }
        let workerX = try person("wz-noord", "eline", "worker"), workerY = try person("wz-zuid", "piet", "worker")
        let coordinatorX = try person("wz-noord", "coby", "coordinator"), analyst = try person(nil, "anna", nil)
        let disabledWorker = try person("wz-noord", "oud", "worker")
        _ = try person("wz-noord", "target", "worker")
        _ = try h.admin.call(Endpoints.disableAccount, "oud")
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-b", name: "till-b"), gone = try h.enroll("store-a", name: "till-gone")
        let secret = "Alleen-winkel-A-\(UUID().uuidString)"
        let signal = try a.recordSignal(note: secret)
        try a.sync(); try b.sync(); try gone.sync()
        _ = try h.admin.call(Endpoints.revokeDevice, gone.store.replica.rawValue, body: RevokeDeviceRequest())
        h.clock.offset.withLock { $0 = 2 * 86_400_000 }  // two days later: the one-day partner token has expired

        let tokens: [Who: String?] = [
            .deviceA: try a.store.setting("token"), .deviceB: try b.store.setting("token"), .partnerX: x.token, .partnerY: y.token,
            .headOffice: ho.token, .admin: h.adminToken, .revoked: try gone.store.setting("token"), .malformed: "not-a-token", .none: nil,
            .expiredPartner: shortLived.token, .revokedPartner: replaced.token,
            .expiredAdmin: shortAdmin.token, .expiredHeadOffice: shortHO.token, .revokedHeadOffice: revokedHO.token,
            .workerX: workerX, .workerY: workerY, .coordinatorX: coordinatorX, .disabledWorker: disabledWorker, .analyst: analyst,
        ]
        let replicas: [Who: String] = [.deviceA: a.store.replica.rawValue, .deviceB: b.store.replica.rawValue]
        let unauthenticated: [Who: Int] = [.revoked: 401, .expiredPartner: 401, .revokedPartner: 401, .malformed: 401, .none: 401,
                                            .expiredAdmin: 401, .expiredHeadOffice: 401, .revokedHeadOffice: 401, .disabledWorker: 401]
        /// A person answers like its organisation's token: X's worker and coordinator like X,
        /// Y's worker like Y, the analyst like a head-office token (unless a row says otherwise).
        func row(_ pairs: [Who: Int]) -> [Who: Int] {
            var r = pairs.merging(unauthenticated) { $1 }
            for (person, like) in [(Who.workerX, Who.partnerX), (.coordinatorX, .partnerX), (.workerY, .partnerY), (.analyst, .headOffice)] where r[person] == nil {
                r[person] = r[like]
            }
            return r
        }
        let deviceOnly = row([.deviceA: 200, .deviceB: 200, .partnerX: 403, .partnerY: 403, .headOffice: 403, .admin: 403])
        let partnerOnly = row([.deviceA: 403, .deviceB: 403, .partnerX: 200, .partnerY: 200, .headOffice: 403, .admin: 403])
        let oneReferral = row([.deviceA: 403, .deviceB: 403, .partnerX: 200, .partnerY: 404, .headOffice: 403, .admin: 403])
        let adminOnly = row([.deviceA: 403, .deviceB: 403, .partnerX: 403, .partnerY: 403, .headOffice: 403, .admin: 200])
        let reports = row([.deviceA: 403, .deviceB: 403, .partnerX: 403, .partnerY: 403, .headOffice: 200, .admin: 200])
        let open: [Who: Int] = Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 200) })
        /// A person's own things (R-WEB-6): every person with a personal token of its own; a
        /// head-office person's token acts as head office (R-WEB-4) and has none here.
        let personsOnly = row([.deviceA: 403, .deviceB: 403, .partnerX: 403, .partnerY: 403, .headOffice: 403, .admin: 403,
                               .workerX: 200, .workerY: 200, .coordinatorX: 200, .analyst: 403])

        /// One row: a request to an endpoint (a catalogued one, or a web page by its pattern)
        /// and the status every principal gets.
        struct Row { let method: String; let pattern: String; let path: String; let body: (Who) -> Data?; let expected: [Who: Int] }
        func Row(_ endpoint: AnyEndpoint, _ parameters: String..., body: @escaping (Who) -> Data? = { _ in nil }, expected: [Who: Int]) -> Row {
            Row(method: endpoint.method.rawValue, pattern: endpoint.pattern, path: endpoint.path(parameters), body: body, expected: expected)
        }
        func Row<Request, Response>(_ endpoint: Endpoint<Request, Response>, _ parameters: String..., body: @escaping (Who) -> Data? = { _ in nil },
                                    expected: [Who: Int]) -> Row {
            Row(method: endpoint.method, pattern: endpoint.pattern, path: endpoint.erased.path(parameters), body: body, expected: expected)
        }
        /// A web page: its path is the pattern with the referral's id and a person's name in place.
        func Page(_ method: String, _ pattern: String, expected: [Who: Int]) -> Row {
            Row(method: method, pattern: pattern, path: pattern.replacingOccurrences(of: ":id", with: signal.id.rawValue)
                .replacingOccurrences(of: ":name", with: "eline").replacingOccurrences(of: ":figure", with: "feedback"),
                body: { _ in nil }, expected: expected)
        }
        let encoder = JSONEncoder()
        let rows: [Row] = [
            Row(Endpoints.push, body: { try? encoder.encode(PushRequest(replica: replicas[$0] ?? "someone", operations: [])) }, expected: deviceOnly),
            Row(Endpoints.pull, expected: deviceOnly),
            Row(Endpoints.snapshot, expected: deviceOnly),
            Row(Endpoints.status, expected: deviceOnly),
            Row(Endpoints.referrals, expected: partnerOnly),
            Row(Endpoints.referral, signal.id.rawValue, expected: oneReferral),
            Row(Endpoints.updateReferral, signal.id.rawValue, body: { _ in try? encoder.encode(ReferralUpdateRequest(state: "accepted")) },
                expected: oneReferral.merging([.workerX: 409, .coordinatorX: 409]) { $1 }),  // X accepted it first
            Row(Endpoints.addCaseNote, signal.id.rawValue, body: { _ in try? encoder.encode(CaseNoteRequest(text: "intern")) },
                expected: oneReferral.merging([.partnerX: 201, .workerX: 201, .coordinatorX: 201]) { $1 }),
            Row(Endpoints.caseNotes, signal.id.rawValue, expected: oneReferral),
            Row(Endpoints.listDevices, expected: adminOnly),
            Row(Endpoints.listStores, expected: adminOnly),
            Row(Endpoints.listPartners, expected: adminOnly),
            Row(Endpoints.createEnrollment, body: { _ in try? encoder.encode(CreateEnrollmentRequest(store: "store-a")) },
                expected: adminOnly.merging([.admin: 201]) { $1 }),
            Row(Endpoints.responseTimes, expected: reports),
            // Head office's dashboard figures (PARTNERS.md R-WEB-30), every figure.
            Row(Endpoints.dashboard, "response-times", expected: reports),
            Row(Endpoints.dashboard, "feedback", expected: reports),
            Row(Endpoints.dashboard, "chat-moments", expected: reports),
            Row(Endpoints.dashboard, "signal-rate", expected: reports),
            Row(Endpoints.info, expected: open),
            // Answered by the HTTP server itself, to anyone.
            Row(Endpoints.health, expected: open),
            Row(Endpoints.metrics, expected: open),
            Row(Endpoints.listRegions, expected: adminOnly),
            Row(Endpoints.listQuarantine, expected: adminOnly),
            // Erasure by contact (PRIVACY.md R-PRIV-13), as a dry run: it changes nothing.
            Row(Endpoints.erase, body: { _ in try? encoder.encode(ErasureRequest(contact: "06-00000000", dryRun: true)) }, expected: adminOnly),
            Row(Endpoints.releaseQuarantine, a.store.replica.rawValue, expected: adminOnly.merging([.admin: 404]) { $1 }),  // nothing in quarantine
            // Person accounts (R-WEB-2): the admin manages all, X's coordinator X's workers.
            Row(Endpoints.listAccounts, expected: adminOnly.merging([.coordinatorX: 200]) { $1 }),
            Row(Endpoints.disableAccount, "target", expected: adminOnly.merging([.coordinatorX: 200]) { $1 }),
            Row(Endpoints.enableAccount, "target", expected: adminOnly.merging([.coordinatorX: 200]) { $1 }),
            Row(Endpoints.createAccount, body: { try? encoder.encode(CreateAccountRequest(partner: "wz-noord", name: "w-\($0.rawValue.lowercased())", role: "worker")) },
                expected: adminOnly.merging([.admin: 201, .coordinatorX: 201]) { $1 }),
            // A token for a name and password: anyone may ask; a wrong password is 401 whoever asks.
            Row(Endpoints.personalToken, body: { _ in try? encoder.encode(PersonalTokenRequest(account: "eline", password: "fout wachtwoord")) },
                expected: Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 401) })),
            // Password change with the old password (R-WEB-5): anyone may try; a wrong one is 401.
            Row(Endpoints.changePassword,
                body: { _ in try? encoder.encode(PasswordChangeRequest(account: "eline", password: "fout wachtwoord", newPassword: "een ander lang wachtwoord")) },
                expected: Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 401) })),
            // Reset (R-WEB-5): the admin, and X's coordinator for X's workers.
            Row(Endpoints.resetPassword, "target", expected: adminOnly.merging([.coordinatorX: 200]) { $1 }),
            // A person's own tokens (R-WEB-6); an id it does not have is 404.
            Row(Endpoints.personalTokens, expected: personsOnly),
            Row(Endpoints.revokePersonalToken, "omz_u_nope00", expected: personsOnly.merging([.workerX: 404, .workerY: 404, .coordinatorX: 404]) { $1 }),
            // The web pages take a session cookie, never a bearer token: without a session every
            // page answers 303 to the login page, which URLSession follows (200, the login form;
            // WebPageTests sees the 303 itself and has the session matrix). They are not in the
            // catalogue (Endpoints): the router's list holds them to these rows.
        ] + ["/web", "/web/inbox", "/web/inbox.csv", "/web/referrals/:id", "/web/team", "/web/dashboard", "/web/dashboard/:figure/csv", "/web/account"]
            .map { Page("GET", $0, expected: open) }
          + ["/web/logout", "/web/referrals/:id/status", "/web/referrals/:id/notes", "/web/team", "/web/team/:name/disable", "/web/team/:name/enable",
             "/web/team/:name/password", "/web/account/password", "/web/account/tokens/:id/revoke"]
            .map { Page("POST", $0, expected: open) } + [
            Page("GET", "/web/style.css", expected: open),
            Page("GET", "/web/login", expected: open),
            Page("POST", "/web/login", expected: Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 403) })),  // no login cookie
            // Anyone may try a code; a wrong one is 401 whoever asks.
            Row(Endpoints.enroll, body: { _ in try? encoder.encode(EnrollRequest(code: "WRONG-CODE")) },
                expected: Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 401) })),
            // The sensitive admin writes, last (they change state; only the admin's call succeeds).
            Row(Endpoints.createRegion, body: { try? encoder.encode(CreateRegionRequest(id: "r-\($0)", name: "R")) },
                expected: adminOnly.merging([.admin: 201]) { $1 }),
            Row(Endpoints.createStore, body: { try? encoder.encode(CreateStoreRequest(id: "s-\($0)", region: "noord", name: "S")) },
                expected: adminOnly.merging([.admin: 201]) { $1 }),
            Row(Endpoints.moveStore, "s-admin", body: { _ in try? encoder.encode(MoveStoreRequest(region: "r-admin")) }, expected: adminOnly),
            Row(Endpoints.createPartner, body: { try? encoder.encode(CreatePartnerRequest(id: "p-\($0)", region: "r-admin", name: "P")) },
                expected: adminOnly.merging([.admin: 201]) { $1 }),
            Row(Endpoints.rotatePartnerToken, "wz-oost", body: { _ in try? encoder.encode(PartnerTokenRequest(revokeOthers: false)) },
                expected: adminOnly.merging([.admin: 201]) { $1 }),
            Row(Endpoints.issueHeadOfficeToken, expected: adminOnly.merging([.admin: 201]) { $1 }),
            Row(Endpoints.listHeadOfficeTokens, expected: adminOnly),
            Row(Endpoints.revokeHeadOfficeToken, revokedHO.id, expected: adminOnly),  // already revoked: idempotent
            Row(Endpoints.rotateAdminToken, body: { _ in try? encoder.encode(AdminTokenRequest(revokeOthers: false)) },
                expected: adminOnly.merging([.admin: 201]) { $1 }),
            Row(Endpoints.backup, expected: adminOnly.merging([.admin: 201]) { $1 }),
            Row(Endpoints.revokeDevice, gone.store.replica.rawValue, expected: adminOnly),
            // PRIVACY.md R-PRIV-13: erasure by contact (a dry run, so the matrix erases nothing).
            Row(Endpoints.erase, body: { _ in try? encoder.encode(ErasureRequest(contact: "06-12345678", dryRun: true)) }, expected: adminOnly),
        ]
        // Every endpoint of the catalogue has a row here, and so has every route the router
        // serves (the catalogue's, the web pages): a new endpoint without a row fails this test.
        let tabled = Set(rows.map { "\($0.method) \($0.pattern)" })
        let catalogued = Endpoints.all.map(\.description)
        #expect(catalogued.filter { !tabled.contains($0) }.isEmpty, "catalogued endpoints without a row in the authorization matrix: \(catalogued.filter { !tabled.contains($0) })")
        let routed = SyncRoutes.router(for: h.server.service).endpoints.map { "\($0.method) \($0.pattern)" }
        let served = Set(routed + [Endpoints.health.erased, Endpoints.metrics.erased].map(\.description))
        #expect(routed.filter { !tabled.contains($0) }.isEmpty, "routes without a row in the authorization matrix: \(routed.filter { !tabled.contains($0) })")
        #expect(served == tabled, "rows for routes that do not exist: \(tabled.subtracting(served))")
        // Who may call an endpoint, as the catalogue says, is who the server lets past its
        // credential check: every kind of principal whose row is not 401 or 403.
        let kind: [Who: Caller] = [.deviceA: .device, .deviceB: .device, .partnerX: .partner, .partnerY: .partner, .headOffice: .headOffice,
                                   .admin: .admin, .workerX: .person, .workerY: .person, .coordinatorX: .person, .analyst: .person]
        for endpoint in Endpoints.all where !endpoint.callers.contains(.anyone) {
            let admitted = Set(rows.filter { $0.method == endpoint.method.rawValue && $0.pattern == endpoint.pattern }
                .flatMap { row in kind.filter { ![401, 403].contains(row.expected[$0.key]!) }.map(\.value) })
            #expect(admitted == endpoint.callers, "\(endpoint): the catalogue says \(endpoint.callers.sorted()), the matrix admits \(admitted.sorted())")
        }
        let transport = URLSessionTransport(timeout: 10)
        var mismatches: [String] = []
        var checked = 0
        for endpoint in rows {
            for who in Who.allCases {
                var headers = ["Content-Type": "application/json"]
                if let token = tokens[who] ?? nil { headers["Authorization"] = "Bearer \(token)" }
                let (status, body) = try transport.send(method: endpoint.method, url: try h.admin.url(endpoint.path), headers: headers, body: endpoint.body(who))
                let expected = endpoint.expected[who]!
                if status != expected { mismatches.append("\(endpoint.method) \(endpoint.path) as \(who): \(status), expected \(expected)") }
                let text = String(decoding: body, as: UTF8.self)
                let inScopeOfA = [.deviceA, .partnerX, .workerX, .coordinatorX].contains(who)
                if !inScopeOfA, text.contains(secret) || text.contains(signal.id.rawValue) {
                    mismatches.append("\(endpoint.method) \(endpoint.path) as \(who): store A's signal leaked")
                }
                checked += 1
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(checked == rows.count * Who.allCases.count)
        // A cursor cannot be used to read another store's feed: B pulling from position 0 gets nothing of A.
        let fromZero = try b.client.call(Endpoints.pull, query: ["cursor": "p0"])
        #expect(!fromZero.operations.contains { $0.record == signal })
    }
}
