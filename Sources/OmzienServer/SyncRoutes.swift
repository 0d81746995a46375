import Foundation
import OmzienHTTP
import OmzienModel
import OmzienProtocol
import OmzienStore

/// Binds the sync service to HTTP routes (Protocol/SYNC.md, Protocol/openapi.json).
/// Problems become `application/problem+json` with their status; JSON that does not decode
/// becomes 400 `invalid-json` naming the field; anything else is a 500 without detail.
public enum SyncRoutes {
    public static func router(for service: SyncService, recorder: SessionRecorder? = nil, gate: AuthGate = AuthGate()) -> Router {
        var r = Router()
        /// Every sync route goes through the recorder when one is given, and the auth gate.
        func on(_ method: String, _ pattern: String, _ handler: @escaping Router.Handler) {
            var wrapped: Router.Handler = { req, ctx in try gate.handle(req, ctx, pattern: pattern, handler) }
            if let recorder {
                wrapped = { req, ctx in try recorder.record(service, req) { try handler(req, ctx) } }
            }
            if method == "GET" { r.get(pattern, wrapped) } else { r.post(pattern, wrapped) }
        }
        on("POST", "/v1/enroll") { req, _ in
            try answer(req, status: .created) { try service.enroll(try decode(EnrollRequest.self, req)) }
        }
        on("GET", "/v1/info") { req, _ in try answer(req) { service.info() } }
        on("POST", "/v1/sync/push") { req, _ in
            try answer(req) {
                let principal = try auth(service, req)
                do {
                    let pushed = try service.push(principal, try decodePush(req, held: { service.held(of: principal) }))
                    gate.metrics?.recordPush(pushed)
                    gate.lastPush(principal, service.now, SyncMetrics.outcome(of: pushed))
                    return pushed
                } catch let p as Problem {
                    gate.lastPush(principal, service.now, p.code)
                    throw p
                }
            }
        }
        on("GET", "/v1/sync/pull") { req, _ in
            try answer(req) {
                let principal = try auth(service, req)
                return try service.pull(principal, cursor: req.queryValue("cursor"), limit: try pageLimit(req))
            }
        }
        on("GET", "/v1/sync/snapshot") { req, _ in try answer(req) { try service.snapshot(try auth(service, req)) } }
        on("GET", "/v1/sync/status") { req, _ in try answer(req) { try service.status(try auth(service, req)) } }
        on("POST", "/v1/admin/regions") { req, _ in
            try answer(req, status: .created) { try service.createRegion(try auth(service, req), try decode(CreateRegionRequest.self, req)) }
        }
        on("GET", "/v1/admin/regions") { req, _ in try answer(req) { try service.listRegions(try auth(service, req)) } }
        on("POST", "/v1/admin/stores") { req, _ in
            try answer(req, status: .created) { try service.createStore(try auth(service, req), try decode(CreateStoreRequest.self, req)) }
        }
        on("GET", "/v1/admin/stores") { req, _ in try answer(req) { try service.listStores(try auth(service, req)) } }
        on("POST", "/v1/admin/enrollments") { req, _ in
            try answer(req, status: .created) { try service.createEnrollment(try auth(service, req), try decode(CreateEnrollmentRequest.self, req)) }
        }
        on("GET", "/v1/admin/devices") { req, _ in
            try answer(req) { () -> [DeviceInfo] in
                let list = try service.listDevices(try auth(service, req))
                return gate.metrics?.withLastPushes(list) ?? list
            }
        }
        on("POST", "/v1/admin/devices/:replica/revoke") { req, _ in
            try answer(req) {
                let principal = try auth(service, req)
                return try service.revoke(principal, replica: try req.parameter("replica"), wipe: try decode(RevokeDeviceRequest.self, req, ifEmpty: .init()).wipe ?? true)
            }
        }
        on("POST", "/v1/admin/erasures") { req, _ in  // PRIVACY.md R-PRIV-13
            try answer(req) { try service.eraseByContact(try auth(service, req), try decode(ErasureRequest.self, req)) }
        }
        on("GET", "/v1/admin/quarantine") { req, _ in try answer(req) { try service.listQuarantine(try auth(service, req)) } }
        on("POST", "/v1/admin/quarantine/:replica/release") { req, _ in
            try answer(req) { try service.releaseQuarantine(try auth(service, req), replica: try req.parameter("replica")) }
        }
        on("POST", "/v1/admin/backups") { req, _ in try answer(req, status: .created) { try service.backup(try auth(service, req)) } }
        on("POST", "/v1/admin/headoffice-tokens") { req, _ in
            try answer(req, status: .created) {
                let principal = try auth(service, req)
                return try service.issueHeadOfficeToken(principal, try decode(HeadOfficeTokenRequest.self, req, ifEmpty: .init()))
            }
        }
        on("GET", "/v1/admin/headoffice-tokens") { req, _ in try answer(req) { try service.listHeadOfficeTokens(try auth(service, req)) } }
        on("POST", "/v1/admin/headoffice-tokens/:id/revoke") { req, _ in
            try answer(req) { try service.revokeHeadOfficeToken(try auth(service, req), id: try req.parameter("id")) }
        }
        on("POST", "/v1/admin/admin-tokens") { req, _ in
            try answer(req, status: .created) {
                let principal = try auth(service, req)
                return try service.rotateAdminToken(principal, try decode(AdminTokenRequest.self, req, ifEmpty: .init()))
            }
        }
        on("GET", "/v1/reports/response-times") { req, _ in
            try answer(req) {
                let principal = try auth(service, req)
                var threshold = 5
                if let t = req.queryValue("threshold") {
                    guard let n = Int(t) else { throw Problems.badRequest("threshold must be a whole number >= 5, got '\(t)'") }
                    threshold = n
                }
                return try service.responseTimes(principal, by: req.queryValue("by") ?? "store", threshold: threshold)
            }
        }
        on("GET", "/v1/reports/dashboard/:figure") { req, _ in try dashboard(service, req) }
        on("POST", "/v1/admin/stores/:id/move") { req, _ in
            try answer(req) { try service.moveStore(try auth(service, req), store: try req.parameter("id"), try decode(MoveStoreRequest.self, req)) }
        }
        on("POST", "/v1/admin/partners/:id/tokens") { req, _ in
            try answer(req, status: .created) {
                let principal = try auth(service, req)
                return try service.rotatePartnerToken(principal, partner: try req.parameter("id"), try decode(PartnerTokenRequest.self, req))
            }
        }
        on("GET", "/v1/admin/partners") { req, _ in try answer(req) { try service.listPartners(try auth(service, req)) } }
        on("POST", "/v1/admin/partners") { req, _ in
            try answer(req, status: .created) { try service.createPartner(try auth(service, req), try decode(CreatePartnerRequest.self, req)) }
        }
        on("GET", "/v1/partner/referrals") { req, _ in
            try answer(req) {
                let principal = try auth(service, req)
                return try service.partnerReferrals(principal, cursor: req.queryValue("cursor"), limit: try pageLimit(req))
            }
        }
        on("GET", "/v1/partner/referrals/:id") { req, _ in
            try answer(req) { try service.partnerReferral(try auth(service, req), id: try req.parameter("id")) }
        }
        on("POST", "/v1/partner/referrals/:id/status") { req, _ in
            try answer(req) {
                let principal = try auth(service, req)
                return try service.updateReferral(principal, id: try req.parameter("id"), try decode(ReferralUpdateRequest.self, req))
            }
        }
        on("POST", "/v1/partner/referrals/:id/notes") { req, _ in
            try answer(req, status: .created) {
                let principal = try auth(service, req)
                return try service.addCaseNote(principal, id: try req.parameter("id"), try decode(CaseNoteRequest.self, req))
            }
        }
        on("GET", "/v1/partner/referrals/:id/notes") { req, _ in
            try answer(req) { try service.caseNotes(try auth(service, req), id: try req.parameter("id")) }
        }
        // Person accounts and personal tokens (PARTNERS.md section 10, R-WEB-2..4).
        on("POST", "/v1/accounts") { req, _ in
            try answer(req, status: .created) { try service.createAccount(try auth(service, req), try decode(CreateAccountRequest.self, req)) }
        }
        on("GET", "/v1/accounts") { req, _ in try answer(req) { try service.listAccounts(try auth(service, req)) } }
        on("POST", "/v1/accounts/:name/disable") { req, _ in
            try answer(req) { try service.setAccountDisabled(try auth(service, req), name: try req.parameter("name"), disabled: true) }
        }
        on("POST", "/v1/accounts/:name/enable") { req, _ in
            try answer(req) { try service.setAccountDisabled(try auth(service, req), name: try req.parameter("name"), disabled: false) }
        }
        on("POST", "/v1/accounts/token") { req, _ in
            try answer(req, status: .created) { try service.issuePersonalToken(try decode(PersonalTokenRequest.self, req)) }
        }
        registerPasswords(service, on: on)
        // The web pages (issue 13; PARTNERS.md section 11).
        WebRoutes.register(&r, service: service)
        return r
    }

    /// The `limit` query parameter of a paged request (nil: the default page).
    static func pageLimit(_ req: HTTPRequest) throws -> Int? {
        guard let text = req.queryValue("limit") else { return nil }
        guard let n = Int(text) else { throw Problems.badRequest("limit must be a whole number 1...\(Limits.maxPullPage), got '\(text)'") }
        return n
    }

    static func auth(_ service: SyncService, _ req: HTTPRequest) throws -> Principal {
        try service.authenticate(authorization: req.headers["Authorization"])
    }

    /// A request body read as R-SYNC-1a says: strict RFC 8259 JSON (no member twice, no
    /// trailing commas, ...; 400 `invalid-json` with the byte offset), whole numbers only
    /// (none of these bodies has a fractional field, so `1.0` is refused), then the message
    /// (a missing or mistyped member: 400 `bad-request`).
    /// `decode`, for a body that may be left out: an empty body is `ifEmpty`.
    static func decode<T: Decodable>(_ type: T.Type, _ req: HTTPRequest, ifEmpty: T) throws -> T {
        req.body.isEmpty ? ifEmpty : try decode(type, req)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ req: HTTPRequest) throws -> T {
        let bytes = Array(req.body)
        let document = try strictDocument(bytes)
        if let path = firstFractionalNumber(document.root, path: "") {
            throw Problem("invalid-json", status: 400, title: "Invalid JSON", detail: "\(path) must be a whole number (R-SYNC-1a: write 7, not 7.0)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let e as ModelError {
            throw Problem("invalid-operation", status: 422, title: "Invalid operation", detail: e.description)
        } catch let e as DecodingError {
            throw Problems.badRequest(describe(e))
        }
    }

    static func strictDocument(_ bytes: [UInt8]) throws -> JSONDocument {
        guard !bytes.isEmpty else { throw Problem("invalid-json", status: 400, title: "Invalid JSON", detail: "the request needs a JSON body") }
        do {
            return try JSONDocument(bytes)
        } catch {
            throw Problem("invalid-json", status: 400, title: "Invalid JSON", detail: error.description)
        }
    }

    /// The path of the first number with a fraction or an exponent, if any.
    static func firstFractionalNumber(_ value: JSONValue, path: String) -> String? {
        if value.isNumber { return value.int64 == nil && value.uint64 == nil ? (path.isEmpty ? "the body" : path) : nil }
        if let members = value.members {
            for (key, v) in members { if let p = firstFractionalNumber(v, path: path.isEmpty ? key : path + "." + key) { return p } }
        } else if let elements = value.elements {
            for (i, v) in elements.enumerated() { if let p = firstFractionalNumber(v, path: "\(path)[\(i)]") { return p } }
        }
        return nil
    }

    /// A push body (R-SYNC-1a, R-SYNC-7). An operation whose hashes do not match is named,
    /// with the device's `held`, so that the device knows where it stands.
    static func decodePush(_ req: HTTPRequest, held: () -> UInt64?) throws -> PushRequest {
        let bytes = Array(req.body)
        let document = try strictDocument(bytes)
        if let path = firstFractionalNumber(document.root, path: "") {
            throw Problem("invalid-json", status: 400, title: "Invalid JSON", detail: "\(path) must be a whole number (R-SYNC-1a: write 7, not 7.0)")
        }
        do {
            return try PushRequest.decodeFast(bytes)
        } catch let e as ModelError {
            var operation: String?
            switch e {
            case let .hashMismatch(id), let .payloadHashMismatch(id), let .emptyOperation(id): operation = id.description
            default: break
            }
            throw Problem("invalid-operation", status: 422, title: "Invalid operation", detail: e.description, held: held(), operation: operation)
        } catch let e as JSONShapeError {
            throw Problems.badRequest(e.description)
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ c: [any CodingKey]) -> String {
            c.isEmpty ? "the body" : c.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch e {
        case let .keyNotFound(key, ctx): return "missing field '\(key.stringValue)' in \(path(ctx.codingPath))"
        case let .typeMismatch(type, ctx): return "\(path(ctx.codingPath)) should be \(type)"
        case let .valueNotFound(type, ctx): return "\(path(ctx.codingPath)) should be \(type), not null"
        case let .dataCorrupted(ctx):
            if let underlying = ctx.underlyingError as? ModelError { return "\(path(ctx.codingPath)): \(underlying)" }
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "the body does not match the expected message"
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Runs `body` and encodes its result, or the problem it threw. The one error path of
    /// the sync routes (R-SYNC-15): a problem is answered as it is; storage that cannot take
    /// a write (disk full, I/O error, read-only) is 503 with `Retry-After`, which a device
    /// treats as "offline, nothing lost"; anything else unexpected is a 500 without detail.
    /// Both 5xx kinds are written to the request's log line with its request id.
    static func answer<T: Encodable>(_ req: HTTPRequest, status: HTTPStatus = .ok, _ body: () throws -> T) throws -> HTTPResponse {
        do {
            let value = try body()
            return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(try encoder.encode(value)))
        } catch let p as Problem {
            return problem(p)
        } catch let e as ModelError {
            return problem(Problem("invalid-operation", status: 422, title: "Invalid operation", detail: e.description))
        } catch let e as HTTPError {
            return problem(Problem(e.status.code == 404 ? "not-found" : "bad-request", status: e.status.code, title: e.title, detail: e.detail))
        } catch DatabaseWorkerError.stopped {  // the store's worker stopped: the server is shutting down
            var r = problem(Problem("service-unavailable", status: 503, title: "Service unavailable", detail: "the server is shutting down; try again shortly"))
            r.headers.replaceOrAdd(name: "Retry-After", value: "5")
            return r
        } catch let e as DatabaseError where e.isStorageFailure {
            var r = problem(Problem("service-unavailable", status: 503, title: "Service unavailable",
                                    detail: "the server cannot store anything right now; nothing was lost, try again later"))
            r.headers.replaceOrAdd(name: "Retry-After", value: "30")
            r.logError = "storage: \(e)"
            return r
        } catch {
            var r = problem(Problem("internal", status: 500, title: "Internal error"))
            r.logError = String(describing: error)
            return r
        }
    }

    static func problem(_ p: Problem) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/problem+json"]
        if p.status == 401 { headers.replaceOrAdd(name: "WWW-Authenticate", value: "Bearer") }
        let body: [UInt8] = (try? encoder.encode(p)).map { Array($0) } ?? Array("{}".utf8)
        return HTTPResponse(status: HTTPStatus(code: p.status), headers: headers, body: body)
    }
}
