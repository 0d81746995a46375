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
        ]
        let replicas: [Who: String] = [.deviceA: a.store.replica.rawValue, .deviceB: b.store.replica.rawValue]
        let unauthenticated: [Who: Int] = [.revoked: 401, .expiredPartner: 401, .revokedPartner: 401, .malformed: 401, .none: 401,
                                            .expiredAdmin: 401, .expiredHeadOffice: 401, .revokedHeadOffice: 401]
        func row(_ pairs: [Who: Int]) -> [Who: Int] { pairs.merging(unauthenticated) { $1 } }
        let deviceOnly = row([.deviceA: 200, .deviceB: 200, .partnerX: 403, .partnerY: 403, .headOffice: 403, .admin: 403])
        let partnerOnly = row([.deviceA: 403, .deviceB: 403, .partnerX: 200, .partnerY: 200, .headOffice: 403, .admin: 403])
        let oneReferral = row([.deviceA: 403, .deviceB: 403, .partnerX: 200, .partnerY: 404, .headOffice: 403, .admin: 403])
        let adminOnly = row([.deviceA: 403, .deviceB: 403, .partnerX: 403, .partnerY: 403, .headOffice: 403, .admin: 200])
        let reports = row([.deviceA: 403, .deviceB: 403, .partnerX: 403, .partnerY: 403, .headOffice: 200, .admin: 200])
        let open: [Who: Int] = Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 200) })

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
                     body: { _ in try? encoder.encode(ReferralUpdateRequest(state: "accepted")) }, expected: oneReferral),
            Endpoint(method: "POST", path: "v1/partner/referrals/\(signal.id)/notes", pattern: "/v1/partner/referrals/:id/notes",
                     body: { _ in try? encoder.encode(CaseNoteRequest(text: "intern")) }, expected: oneReferral.merging([.partnerX: 201]) { $1 }),
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
            Endpoint(method: "POST", path: "v1/admin/quarantine/\(a.store.replica)/release", pattern: "/v1/admin/quarantine/:replica/release",
                     body: { _ in nil }, expected: adminOnly.merging([.admin: 404]) { $1 }),  // nothing in quarantine
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
                let inScopeOfA = [.deviceA, .partnerX].contains(who)
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
