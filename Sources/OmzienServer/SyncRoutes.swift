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
        /// Every sync route goes through the auth gate, and that through the recorder when one
        /// is given (the log holds what the gate answered, a 429 too).
        func register(_ endpoint: AnyEndpoint, _ handler: @escaping Router.Handler) {
            let gated: Router.Handler = { req, ctx in try gate.handle(req, ctx, pattern: endpoint.pattern, handler) }
            guard let recorder else { return r.on(HTTPMethod(endpoint.method.rawValue), endpoint.pattern, gated) }
            r.on(HTTPMethod(endpoint.method.rawValue), endpoint.pattern) { req, ctx in try recorder.record(service, req) { try gated(req, ctx) } }
        }
        /// A JSON endpoint: its answer is the endpoint's response type, sent with its success status.
        func on<Request, Response: Encodable>(_ endpoint: Endpoint<Request, Response>,
                                              _ body: @escaping @Sendable (RouteCall<Request>) throws -> Response) {
            register(endpoint.erased) { req, _ in
                try answer(req, status: HTTPStatus(code: endpoint.success)) { try body(RouteCall(request: req, service: service)) }
            }
        }
        on(Endpoints.enroll) { call in try service.enroll(try call.body()) }
        on(Endpoints.info) { _ in service.info() }
        on(Endpoints.push) { call in
            let principal = try call.principal()
            do {
                let pushed = try service.push(principal, try decodePush(call.request, held: { service.held(of: principal) }))
                gate.metrics?.recordPush(pushed)
                gate.lastPush(principal, service.now, SyncMetrics.outcome(of: pushed))
                return pushed
            } catch let p as Problem {
                gate.lastPush(principal, service.now, p.code)
                throw p
            }
        }
        on(Endpoints.pull) { call in try service.pull(try call.principal(), cursor: call.query("cursor"), limit: try pageLimit(call.request)) }
        on(Endpoints.snapshot) { call in try service.snapshot(try call.principal()) }
        on(Endpoints.status) { call in try service.status(try call.principal()) }
        on(Endpoints.createRegion) { call in try service.createRegion(try call.principal(), try call.body()) }
        on(Endpoints.listRegions) { call in try service.listRegions(try call.principal()) }
        on(Endpoints.createStore) { call in try service.createStore(try call.principal(), try call.body()) }
        on(Endpoints.listStores) { call in try service.listStores(try call.principal()) }
        on(Endpoints.createEnrollment) { call in try service.createEnrollment(try call.principal(), try call.body()) }
        on(Endpoints.listDevices) { call in
            let list = try service.listDevices(try call.principal())
            return gate.metrics?.withLastPushes(list) ?? list
        }
        on(Endpoints.revokeDevice) { call in
            let principal = try call.principal()
            return try service.revoke(principal, replica: try call.parameter("replica"), wipe: try call.body(ifEmpty: .init()).wipe ?? true)
        }
        on(Endpoints.erase) { call in try service.eraseByContact(try call.principal(), try call.body()) }  // PRIVACY.md R-PRIV-13
        on(Endpoints.listQuarantine) { call in try service.listQuarantine(try call.principal()) }
        on(Endpoints.releaseQuarantine) { call in try service.releaseQuarantine(try call.principal(), replica: try call.parameter("replica")) }
        on(Endpoints.backup) { call in try service.backup(try call.principal()) }
        on(Endpoints.issueHeadOfficeToken) { call in
            let principal = try call.principal()
            return try service.issueHeadOfficeToken(principal, try call.body(ifEmpty: .init()))
        }
        on(Endpoints.listHeadOfficeTokens) { call in try service.listHeadOfficeTokens(try call.principal()) }
        on(Endpoints.revokeHeadOfficeToken) { call in try service.revokeHeadOfficeToken(try call.principal(), id: try call.parameter("id")) }
        on(Endpoints.rotateAdminToken) { call in
            let principal = try call.principal()
            return try service.rotateAdminToken(principal, try call.body(ifEmpty: .init()))
        }
        on(Endpoints.responseTimes) { call in
            let principal = try call.principal()
            return try service.responseTimes(principal, by: call.query("by") ?? "store", threshold: try threshold(call.request))
        }
        register(Endpoints.dashboard.erased) { req, _ in try dashboard(service, req) }
        on(Endpoints.moveStore) { call in try service.moveStore(try call.principal(), store: try call.parameter("id"), try call.body()) }
        on(Endpoints.rotatePartnerToken) { call in
            let principal = try call.principal()
            return try service.rotatePartnerToken(principal, partner: try call.parameter("id"), try call.body())
        }
        on(Endpoints.listPartners) { call in try service.listPartners(try call.principal()) }
        on(Endpoints.createPartner) { call in try service.createPartner(try call.principal(), try call.body()) }
        on(Endpoints.referrals) { call in
            let principal = try call.principal()
            return try service.partnerReferrals(principal, cursor: call.query("cursor"), limit: try pageLimit(call.request))
        }
        on(Endpoints.referral) { call in try service.partnerReferral(try call.principal(), id: try call.parameter("id")) }
        on(Endpoints.updateReferral) { call in
            let principal = try call.principal()
            return try service.updateReferral(principal, id: try call.parameter("id"), try call.body())
        }
        on(Endpoints.addCaseNote) { call in
            let principal = try call.principal()
            return try service.addCaseNote(principal, id: try call.parameter("id"), try call.body())
        }
        on(Endpoints.caseNotes) { call in try service.caseNotes(try call.principal(), id: try call.parameter("id")) }
        // Person accounts and personal tokens (PARTNERS.md section 10, R-WEB-2..4).
        on(Endpoints.createAccount) { call in try service.createAccount(try call.principal(), try call.body()) }
        on(Endpoints.listAccounts) { call in try service.listAccounts(try call.principal()) }
        on(Endpoints.disableAccount) { call in try service.setAccountDisabled(try call.principal(), name: try call.parameter("name"), disabled: true) }
        on(Endpoints.enableAccount) { call in try service.setAccountDisabled(try call.principal(), name: try call.parameter("name"), disabled: false) }
        on(Endpoints.personalToken) { call in try service.issuePersonalToken(try call.body()) }
        // Password change and reset (R-WEB-5), personal tokens one by one (R-WEB-6).
        on(Endpoints.changePassword) { call in try service.changePassword(try call.body(), credential: "api:password") }
        on(Endpoints.resetPassword) { call in try service.resetPassword(try call.principal(), name: try call.parameter("name")) }
        on(Endpoints.personalTokens) { call in try service.personalTokens(try call.principal()) }
        on(Endpoints.revokePersonalToken) { call in try service.revokePersonalToken(try call.principal(), id: try call.parameter("id")) }
        // The web pages (issue 13; PARTNERS.md section 11): not in the catalogue (cookies, HTML).
        WebRoutes.register(&r, service: service)
        return r
    }

    /// The `threshold` query parameter of a report (5 when left out).
    static func threshold(_ req: HTTPRequest) throws -> Int {
        guard let t = req.queryValue("threshold") else { return 5 }
        guard let n = Int(t) else { throw Problems.badRequest("threshold must be a whole number >= 5, got '\(t)'") }
        return n
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
