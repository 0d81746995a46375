import Foundation

/// Who may call an endpoint, by the credential the request presents: one case per security
/// scheme of `Protocol/openapi.json`, and `anyone` for an endpoint without one.
///
/// "May call" is the credential the server looks at, not the answer: a partner may call
/// `GET /v1/partner/referrals/{id}` and be told 404 for a referral of another region, and a
/// worker's personal token is a `person` although only a coordinator's is let in to
/// `GET /v1/accounts` (PARTNERS.md R-WEB-2). `AuthorizationMatrixTests` checks these sets
/// against what the server answers every kind of principal.
public enum Caller: String, Sendable, Hashable, CaseIterable, Comparable {
    /// No credential needed (`/v1/info`, enrollment with a code, a personal token for a password).
    case anyone = "public"
    /// A device token (`omz_d_`), of one store (SYNC.md R-SYNC-3).
    case device
    /// A partner's token (`omz_p_`), of one region (PARTNERS.md R-PART-2).
    case partner
    /// A personal token (`omz_u_`) of a person account: a partner's worker or coordinator, or
    /// head-office staff (PARTNERS.md R-WEB-2).
    case person
    /// An admin token (`omz_a_`).
    case admin
    /// A head-office token (`omz_h_`): aggregate reports only.
    case headOffice = "head-office"

    public static func < (a: Caller, b: Caller) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The body of a request that carries none, or of an answer that is not a JSON message of
/// this module (`/metrics` is Prometheus text).
public struct NoBody: Codable, Sendable, Equatable {
    public init() {}
}

/// The answer of `GET /healthz` while the server is healthy (`{"status":"ok"}`; 503 with a
/// problem otherwise, SYNC.md R-SYNC-15).
public struct HealthResponse: Codable, Sendable, Equatable {
    public var status: String
    public init(status: String = "ok") { self.status = status }
}

/// One endpoint of the sync server, with the Swift types of its request body and of its
/// successful answer: `Endpoints` lists them all. The types are what the client decodes and
/// the route encodes, so the compiler holds both to the same message.
public struct Endpoint<Request: Sendable, Response: Sendable>: Sendable {
    /// The endpoint without its types: what lists, matrices and the OpenAPI check walk.
    public let erased: AnyEndpoint

    init(_ method: AnyEndpoint.Method, _ pattern: String, success: Int = 200, callers: Set<Caller>) {
        erased = AnyEndpoint(method: method, pattern: pattern, success: success, callers: callers,
                             request: Request.self == NoBody.self ? nil : AnyEndpoint.typeName(Request.self),
                             response: AnyEndpoint.typeName(Response.self))
    }

    public var method: String { erased.method.rawValue }
    public var pattern: String { erased.pattern }
    /// The status of a successful answer (200, or 201 for what creates something).
    public var success: Int { erased.success }

    /// The path with `parameters` in place of the pattern's `:name` segments, in order, each
    /// percent-encoded (`path("till 1")` of `/v1/admin/devices/:replica/revoke` is
    /// `/v1/admin/devices/till%201/revoke`).
    /// - Precondition: as many values as the pattern has parameters.
    public func path(_ parameters: String...) -> String { erased.path(parameters) }

    /// See `AnyEndpoint.matches(method:path:)`.
    public func matches(method: String, path: String) -> Bool { erased.matches(method: method, path: path) }
}

/// An `Endpoint` without its Swift types: method, pattern, success status, callers and the
/// names of the message types (as `Protocol/openapi.json` names its schemas: a list is `[X]`).
public struct AnyEndpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Method: String, Sendable, Hashable {
        case get = "GET"
        case post = "POST"
    }

    public let method: Method
    /// Literal segments and `:name` parameters (one non-empty segment each), as the router's
    /// patterns are written; `openAPIPath` writes the parameters as `{name}`.
    public let pattern: String
    public let success: Int
    public let callers: Set<Caller>
    /// The request body's type name; nil for a request without a body.
    public let request: String?
    public let response: String

    /// "POST /v1/sync/push".
    public var description: String { "\(method.rawValue) \(pattern)" }

    /// The pattern as OpenAPI writes a path: `/v1/partner/referrals/{id}`.
    public var openAPIPath: String {
        segments.map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : $0 }.map { "/" + $0 }.joined()
    }

    /// The names of the path parameters, in order.
    public var parameters: [String] { segments.filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) } }

    var segments: [Substring] { pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 } }

    /// See `Endpoint.path(_:)`.
    public func path(_ values: [String]) -> String {
        precondition(values.count == parameters.count, "\(self) takes \(parameters.count) path parameters, got \(values.count)")
        var rest = values[...]
        return segments.map { segment in
            guard segment.hasPrefix(":") else { return "/" + segment }
            return "/" + Self.percentEncoded(rest.removeFirst())
        }.joined()
    }

    /// Whether a request for `method` and `path` (a raw path without query, as a session log
    /// records it) is one of this endpoint's.
    public func matches(method: String, path: String) -> Bool {
        guard method == self.method.rawValue else { return false }
        let given = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard given.count == segments.count else { return false }
        return zip(segments, given).allSatisfy { pattern, segment in pattern.hasPrefix(":") ? !segment.isEmpty : pattern == segment }
    }

    /// Everything but RFC 3986's unreserved characters is escaped, so that no value can add
    /// a segment (`/`), a query (`?`) or a fragment (`#`) to a path.
    static func percentEncoded(_ value: String) -> String {
        var unreserved = CharacterSet(charactersIn: "-._~")
        unreserved.formUnion(CharacterSet(charactersIn: "a"..."z"))
        unreserved.formUnion(CharacterSet(charactersIn: "A"..."Z"))
        unreserved.formUnion(CharacterSet(charactersIn: "0"..."9"))
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    /// `RegionInfo`, or `[RegionInfo]` for an array of them.
    static func typeName<T>(_ type: T.Type) -> String {
        let name = String(describing: type)
        guard name.hasPrefix("Array<"), name.hasSuffix(">") else { return name }
        return "[" + name.dropFirst("Array<".count).dropLast() + "]"
    }
}
