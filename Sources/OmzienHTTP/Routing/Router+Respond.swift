/// Answers one request without a socket (the session replay drives the sync routes this way).
extension Router {
    /// The response of the route matching `request` (its path parameters bound), a 404 or 405
    /// when none matches. A handler's thrown error becomes the 500 the server would send.
    public func respond(to request: HTTPRequest, context: RequestContext = RequestContext(remoteAddress: "replay", requestID: "replay", eventLoop: 0)) -> HTTPResponse {
        switch match(method: request.method, path: request.path) {
        case let .found(index, parameters):
            var r = request
            r.pathParameters = parameters
            do { return try routes[index].handler(r, context) } catch let e as any HTTPResponseError {
                return e.response(requestID: context.requestID, typeBase: nil)
            } catch {
                return HTTPError(status: .internalServerError).response(requestID: context.requestID)
            }
        case .methodNotAllowed: return HTTPError(status: .methodNotAllowed).response(requestID: context.requestID)
        case .notFound, .badPath: return HTTPError(status: .notFound).response(requestID: context.requestID)
        }
    }
}
