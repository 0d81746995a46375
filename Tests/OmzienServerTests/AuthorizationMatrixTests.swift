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
        let x = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "X"), as: PartnerCreated.self)
        let y = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-zuid", region: "zuid", name: "Y"), as: PartnerCreated.self)
        let ho = try h.admin.call("POST", "v1/admin/headoffice-tokens", as: HeadOfficeTokenResponse.self)
        let shortAdmin = try h.admin.call("POST", "v1/admin/admin-tokens", body: AdminTokenRequest(tokenDays: 1), as: AdminTokenResponse.self)
        let shortHO = try h.admin.call("POST", "v1/admin/headoffice-tokens", body: HeadOfficeTokenRequest(tokenDays: 1), as: HeadOfficeTokenResponse.self)
        let revokedHO = try h.admin.call("POST", "v1/admin/headoffice-tokens", as: HeadOfficeTokenResponse.self)
        _ = try h.admin.call("POST", "v1/admin/headoffice-tokens/\(revokedHO.id)/revoke", as: HeadOfficeTokenInfo.self)
        let shortLived = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-oost", region: "oost", name: "Z", tokenDays: 1), as: PartnerCreated.self)
        let replaced = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-west", region: "west", name: "W"), as: PartnerCreated.self)
        let rotated = try h.admin.call("POST", "v1/admin/partners/wz-west/tokens", body: PartnerTokenRequest(revokeOthers: true), as: PartnerCreated.self)
        #expect(rotated.token != replaced.token)
        #expect(try SyncClient(baseURL: h.baseURL, token: rotated.token, retry: .none).call("GET", "v1/partner/referrals", as: ReferralPage.self).referrals.isEmpty)
        let password = "wachtwoord voor de matrix"
        func person(_ partner: String?, _ name: String, _ role: String?) throws -> String {
            _ = try h.admin.call("POST", "v1/accounts", body: CreateAccountRequest(partner: partner, headOffice: partner == nil ? true : nil, name: name, role: role, password: password), as: AccountCreated.self)
            return try SyncClient(baseURL: h.baseURL, token: nil, retry: .none).call("POST", "v1/accounts/token", body: PersonalTokenRequest(account: name, password: password), as: PersonalTokenResponse.self).token
        }
        let workerX = try person("wz-noord", "eline", "worker"), workerY = try person("wz-zuid", "piet", "worker")
        let coordinatorX = try person("wz-noord", "coby", "coordinator"), analyst = try person(nil, "anna", nil)
        let disabledWorker = try person("wz-noord", "oud", "worker")
        _ = try person("wz-noord", "target", "worker")
        _ = try h.admin.call("POST", "v1/accounts/oud/disable", as: AccountInfo.self)
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-b", name: "till-b"), gone = try h.enroll("store-a", name: "till-gone")
        let secret = "Alleen-winkel-A-\(UUID().uuidString)"
        let signal = try a.recordSignal(note: secret)
        try a.sync(); try b.sync(); try gone.sync()
        _ = try h.admin.call("POST", "v1/admin/devices/\(gone.store.replica)/revoke", as: DeviceInfo.self)
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

        struct Endpoint { let method: String; let pattern: String; let path: String; let body: (Who) -> Data?; let expected: [Who: Int] }
        func Endpoint(method: String, path: String, pattern: String? = nil, body: @escaping (Who) -> Data?, expected: [Who: Int]) -> Endpoint {
            Endpoint(method: method, pattern: pattern ?? "/" + path, path: path, body: body, expected: expected)
        }
        let encoder = JSONEncoder()
        let endpoints: [Endpoint] = [
            Endpoint(method: "POST", path: "v1/sync/push", body: { try? encoder.encode(PushRequest(replica: replicas[$0] ?? "someone", operations: [])) }, expected: deviceOnly),
            Endpoint(method: "GET", path: "v1/sync/pull", body: { _ in nil }, expected: deviceOnly),
            Endpoint(method: "GET", path: "v1/sync/snapshot", body: { _ in nil }, expected: deviceOnly),
            Endpoint(method: "GET", path: "v1/sync/status", body: { _ in nil }, expected: deviceOnly),
            Endpoint(method: "GET", path: "v1/partner/referrals", body: { _ in nil }, expected: partnerOnly),
            Endpoint(method: "GET", path: "v1/partner/referrals/\(signal.id)", pattern: "/v1/partner/referrals/:id", body: { _ in nil }, expected: oneReferral),
            Endpoint(method: "POST", path: "v1/partner/referrals/\(signal.id)/status", pattern: "/v1/partner/referrals/:id/status",
                     body: { _ in try? encoder.encode(ReferralUpdateRequest(state: "accepted")) },
                     expected: oneReferral.merging([.workerX: 409, .coordinatorX: 409]) { $1 }),  // X accepted it first
            Endpoint(method: "POST", path: "v1/partner/referrals/\(signal.id)/notes", pattern: "/v1/partner/referrals/:id/notes",
                     body: { _ in try? encoder.encode(CaseNoteRequest(text: "intern")) },
                     expected: oneReferral.merging([.partnerX: 201, .workerX: 201, .coordinatorX: 201]) { $1 }),
            Endpoint(method: "GET", path: "v1/partner/referrals/\(signal.id)/notes", pattern: "/v1/partner/referrals/:id/notes", body: { _ in nil }, expected: oneReferral),
            Endpoint(method: "GET", path: "v1/admin/devices", body: { _ in nil }, expected: adminOnly),
            Endpoint(method: "GET", path: "v1/admin/stores", body: { _ in nil }, expected: adminOnly),
            Endpoint(method: "GET", path: "v1/admin/partners", body: { _ in nil }, expected: adminOnly),
            Endpoint(method: "POST", path: "v1/admin/enrollments", body: { _ in try? encoder.encode(CreateEnrollmentRequest(store: "store-a")) },
                     expected: adminOnly.merging([.admin: 201]) { $1 }),
            Endpoint(method: "GET", path: "v1/reports/response-times", body: { _ in nil }, expected: reports),
            // Head office's dashboard figures (PARTNERS.md R-WEB-30), every figure.
            Endpoint(method: "GET", path: "v1/reports/dashboard/response-times", pattern: "/v1/reports/dashboard/:figure", body: { _ in nil }, expected: reports),
            Endpoint(method: "GET", path: "v1/reports/dashboard/feedback", pattern: "/v1/reports/dashboard/:figure", body: { _ in nil }, expected: reports),
            Endpoint(method: "GET", path: "v1/reports/dashboard/chat-moments", pattern: "/v1/reports/dashboard/:figure", body: { _ in nil }, expected: reports),
            Endpoint(method: "GET", path: "v1/reports/dashboard/signal-rate", pattern: "/v1/reports/dashboard/:figure", body: { _ in nil }, expected: reports),
            Endpoint(method: "GET", path: "v1/info", body: { _ in nil }, expected: open),
            Endpoint(method: "GET", path: "v1/admin/regions", body: { _ in nil }, expected: adminOnly),
            Endpoint(method: "GET", path: "v1/admin/quarantine", body: { _ in nil }, expected: adminOnly),
            // Erasure by contact (PRIVACY.md R-PRIV-13), as a dry run: it changes nothing.
            Endpoint(method: "POST", path: "v1/admin/erasures", body: { _ in try? encoder.encode(ErasureRequest(contact: "06-00000000", dryRun: true)) }, expected: adminOnly),
            Endpoint(method: "POST", path: "v1/admin/quarantine/\(a.store.replica)/release", pattern: "/v1/admin/quarantine/:replica/release",
                     body: { _ in nil }, expected: adminOnly.merging([.admin: 404]) { $1 }),  // nothing in quarantine
            // Person accounts (R-WEB-2): the admin manages all, X's coordinator X's workers.
            Endpoint(method: "GET", path: "v1/accounts", body: { _ in nil }, expected: adminOnly.merging([.coordinatorX: 200]) { $1 }),
            Endpoint(method: "POST", path: "v1/accounts/target/disable", pattern: "/v1/accounts/:name/disable", body: { _ in nil },
                     expected: adminOnly.merging([.coordinatorX: 200]) { $1 }),
            Endpoint(method: "POST", path: "v1/accounts/target/enable", pattern: "/v1/accounts/:name/enable", body: { _ in nil },
                     expected: adminOnly.merging([.coordinatorX: 200]) { $1 }),
            Endpoint(method: "POST", path: "v1/accounts", body: { try? encoder.encode(CreateAccountRequest(partner: "wz-noord", name: "w-\($0.rawValue.lowercased())", role: "worker")) },
                     expected: adminOnly.merging([.admin: 201, .coordinatorX: 201]) { $1 }),
            // A token for a name and password: anyone may ask; a wrong password is 401 whoever asks.
            Endpoint(method: "POST", path: "v1/accounts/token", body: { _ in try? encoder.encode(PersonalTokenRequest(account: "eline", password: "fout wachtwoord")) },
                     expected: Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 401) })),
            // Password change with the old password (R-WEB-5): anyone may try; a wrong one is 401.
            Endpoint(method: "POST", path: "v1/accounts/password",
                     body: { _ in try? encoder.encode(PasswordChangeRequest(account: "eline", password: "fout wachtwoord", newPassword: "een ander lang wachtwoord")) },
                     expected: Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 401) })),
            // Reset (R-WEB-5): the admin, and X's coordinator for X's workers.
            Endpoint(method: "POST", path: "v1/accounts/target/password", pattern: "/v1/accounts/:name/password", body: { _ in nil },
                     expected: adminOnly.merging([.coordinatorX: 200]) { $1 }),
            // A person's own tokens (R-WEB-6); an id it does not have is 404.
            Endpoint(method: "GET", path: "v1/accounts/tokens", body: { _ in nil }, expected: personsOnly),
            Endpoint(method: "POST", path: "v1/accounts/tokens/omz_u_nope00/revoke", pattern: "/v1/accounts/tokens/:id/revoke", body: { _ in nil },
                     expected: personsOnly.merging([.workerX: 404, .workerY: 404, .coordinatorX: 404]) { $1 }),
            // The web pages take a session cookie, never a bearer token: without a session every
            // page answers 303 to the login page, which URLSession follows (200, the login form;
            // WebPageTests sees the 303 itself and has the session matrix).
        ] + ["/web", "/web/inbox", "/web/inbox.csv", "/web/referrals/:id", "/web/team", "/web/dashboard",
           "/web/dashboard/:figure/csv", "/web/account"].map { pattern in
            Endpoint(method: "GET", path: String(pattern.dropFirst()).replacingOccurrences(of: ":id", with: signal.id.rawValue)
                         .replacingOccurrences(of: ":figure", with: "feedback"), pattern: pattern, body: { _ in nil },
                     expected: open)
        } + ["/web/logout", "/web/referrals/:id/status", "/web/referrals/:id/notes", "/web/team", "/web/team/:name/disable", "/web/team/:name/enable",
           "/web/team/:name/password", "/web/account/password", "/web/account/tokens/:id/revoke"].map { pattern in
            Endpoint(method: "POST", path: String(pattern.dropFirst()).replacingOccurrences(of: ":id", with: signal.id.rawValue).replacingOccurrences(of: ":name", with: "eline"),
                     pattern: pattern, body: { _ in nil }, expected: open)
        } + [
            Endpoint(method: "GET", path: "web/style.css", body: { _ in nil }, expected: open),
            Endpoint(method: "GET", path: "web/login", body: { _ in nil }, expected: open),
            Endpoint(method: "POST", path: "web/login", body: { _ in nil }, expected: Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 403) })),  // no login cookie
            // Anyone may try a code; a wrong one is 401 whoever asks.
            Endpoint(method: "POST", path: "v1/enroll", body: { _ in try? encoder.encode(EnrollRequest(code: "WRONG-CODE")) },
                     expected: Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 401) })),
            // The sensitive admin writes, last (they change state; only the admin's call succeeds).
            Endpoint(method: "POST", path: "v1/admin/regions", body: { try? encoder.encode(CreateRegionRequest(id: "r-\($0)", name: "R")) },
                     expected: adminOnly.merging([.admin: 201]) { $1 }),
            Endpoint(method: "POST", path: "v1/admin/stores", body: { try? encoder.encode(CreateStoreRequest(id: "s-\($0)", region: "noord", name: "S")) },
                     expected: adminOnly.merging([.admin: 201]) { $1 }),
            Endpoint(method: "POST", path: "v1/admin/stores/s-admin/move", pattern: "/v1/admin/stores/:id/move",
                     body: { _ in try? encoder.encode(MoveStoreRequest(region: "r-admin")) }, expected: adminOnly),
            Endpoint(method: "POST", path: "v1/admin/partners", body: { try? encoder.encode(CreatePartnerRequest(id: "p-\($0)", region: "r-admin", name: "P")) },
                     expected: adminOnly.merging([.admin: 201]) { $1 }),
            Endpoint(method: "POST", path: "v1/admin/partners/wz-oost/tokens", pattern: "/v1/admin/partners/:id/tokens",
                     body: { _ in try? encoder.encode(PartnerTokenRequest(revokeOthers: false)) }, expected: adminOnly.merging([.admin: 201]) { $1 }),
            Endpoint(method: "POST", path: "v1/admin/headoffice-tokens", body: { _ in nil }, expected: adminOnly.merging([.admin: 201]) { $1 }),
            Endpoint(method: "GET", path: "v1/admin/headoffice-tokens", body: { _ in nil }, expected: adminOnly),
            Endpoint(method: "POST", path: "v1/admin/headoffice-tokens/\(revokedHO.id)/revoke", pattern: "/v1/admin/headoffice-tokens/:id/revoke",
                     body: { _ in nil }, expected: adminOnly),  // already revoked: idempotent
            Endpoint(method: "POST", path: "v1/admin/admin-tokens", body: { _ in try? encoder.encode(AdminTokenRequest(revokeOthers: false)) },
                     expected: adminOnly.merging([.admin: 201]) { $1 }),
            Endpoint(method: "POST", path: "v1/admin/backups", body: { _ in nil }, expected: adminOnly.merging([.admin: 201]) { $1 }),
            Endpoint(method: "POST", path: "v1/admin/devices/\(gone.store.replica)/revoke", pattern: "/v1/admin/devices/:replica/revoke",
                     body: { _ in nil }, expected: adminOnly),
            // PRIVACY.md R-PRIV-13: erasure by contact (a dry run, so the matrix erases nothing).
            Endpoint(method: "POST", path: "v1/admin/erasures", body: { _ in try? encoder.encode(ErasureRequest(contact: "06-12345678", dryRun: true)) },
                     expected: adminOnly),
        ]
        // The list of endpoints is the router's: a route without a row here fails this test.
        let routed = SyncRoutes.router(for: h.server.service).endpoints.map { "\($0.method) \($0.pattern)" }
        let tabled = Set(endpoints.map { "\($0.method) \($0.pattern)" })
        let missing = routed.filter { !tabled.contains($0) }
        #expect(missing.isEmpty, "routes without a row in the authorization matrix: \(missing)")
        #expect(Set(routed) == tabled, "rows for routes that do not exist: \(tabled.subtracting(routed))")
        let transport = URLSessionTransport(timeout: 10)
        var mismatches: [String] = []
        var checked = 0
        for endpoint in endpoints {
            for who in Who.allCases {
                var headers = ["Content-Type": "application/json"]
                if let token = tokens[who] ?? nil { headers["Authorization"] = "Bearer \(token)" }
                let (status, body) = try transport.send(method: endpoint.method, url: h.baseURL.appendingPathComponent(endpoint.path), headers: headers, body: endpoint.body(who))
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
        #expect(checked == endpoints.count * Who.allCases.count)
        // A cursor cannot be used to read another store's feed: B pulling from position 0 gets nothing of A.
        let fromZero = try b.client.call("GET", "v1/sync/pull", query: ["cursor": "p0"], as: PullResponse.self)
        #expect(!fromZero.operations.contains { $0.record == signal })
    }
}
