import OmzienHTTP
import OmzienProtocol

/// One request to a catalogued endpoint, as its route handler sees it (`SyncRoutes`): the
/// request, who sent it, and its body decoded as the endpoint's request type, so that a
/// route cannot read another message than the catalogue says.
struct RouteCall<Request>: Sendable {
    let request: HTTPRequest
    let service: SyncService

    /// The principal of the bearer token (401 without a valid one).
    func principal() throws -> Principal { try SyncRoutes.auth(service, request) }

    /// A path parameter of the endpoint's pattern.
    func parameter(_ name: String) throws -> String { try request.parameter(name) }

    /// A query parameter, nil when absent.
    func query(_ name: String) -> String? { request.queryValue(name) }
}

extension RouteCall where Request: Decodable {
    /// The body, read as R-SYNC-1a says (`SyncRoutes.decode`).
    func body() throws -> Request { try SyncRoutes.decode(Request.self, request) }

    /// The body of an endpoint whose body may be left out: an empty body is `ifEmpty`.
    func body(ifEmpty: Request) throws -> Request { try SyncRoutes.decode(Request.self, request, ifEmpty: ifEmpty) }
}
