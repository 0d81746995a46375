import Foundation
import OmzienHTTP
import OmzienProtocol

/// Wraps every sync route (R-OPS-4): counts failed authentications (a 401) per client
/// address in `limiter` and in `metrics`, and answers 429 `too-many-failed-authentications`
/// with `Retry-After` once an address has failed too often: an enrollment attempt at once
/// (the code is not even looked at, so guessing gains nothing and costs the database
/// nothing), a bearer request when its token fails too. Codes and tokens have buckets of
/// their own per address: tills behind one NAT share an address, and a revoked till retrying
/// with its dead token must not keep a new till from enrolling.
public struct AuthGate: Sendable {
    public let limiter: AuthFailureLimiter
    public let metrics: SyncMetrics?

    public init(limiter: AuthFailureLimiter = AuthFailureLimiter(), metrics: SyncMetrics? = nil) {
        self.limiter = limiter
        self.metrics = metrics
    }

    func handle(_ req: HTTPRequest, _ ctx: RequestContext, pattern: String, _ handler: Router.Handler) throws -> HTTPResponse {
        let enrolling = pattern == Endpoints.enroll.pattern
        let address = (enrolling ? "code " : "token ") + ctx.remoteAddress
        if enrolling, let wait = limiter.retryAfter(address) { return tooMany(wait) }
        let response = try handler(req, ctx)
        // A request without credentials is no guess: only a presented token or code counts.
        guard response.status.code == 401, enrolling || req.headers["Authorization"] != nil else {
            if pattern == Endpoints.push.pattern, response.status.code >= 400 { metrics?.recordRefusedPush(code: Self.problemCode(response) ?? "\(response.status.code)") }
            return response
        }
        metrics?.recordFailedAuthentication(kind: enrolling ? "enrollment-code" : "token")
        if let wait = limiter.retryAfter(address) { return tooMany(wait) }
        limiter.charge(address)
        return response
    }

    func lastPush(_ principal: Principal, _ at: UInt64, _ outcome: String) {
        if case let .device(replica, _) = principal { metrics?.recordLastPush(replica: replica.rawValue, at: at, outcome: outcome) }
    }

    func tooMany(_ seconds: Int) -> HTTPResponse {
        metrics?.recordRateLimited()
        var r = SyncRoutes.problem(Problem("too-many-failed-authentications", status: 429, title: "Too many failed authentications",
                                           detail: "this address sent too many bad tokens or enrollment codes; wait \(seconds) s before trying again"))
        r.headers.replaceOrAdd(name: "Retry-After", value: "\(seconds)")
        return r
    }

    static func problemCode(_ r: HTTPResponse) -> String? {
        guard let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any], let t = o["type"] as? String else { return nil }
        return t.split(separator: "/").last.map(String.init)
    }
}
