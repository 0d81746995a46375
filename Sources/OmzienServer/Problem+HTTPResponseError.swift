import OmzienHTTP
import OmzienProtocol

/// `Problem` is the server's error that knows its status and body (issue 14: one error
/// protocol, `HTTPResponseError` of OmzienHTTP). A handler may throw it from anywhere, also
/// outside `SyncRoutes.answer`, and the HTTP layer's one error path answers it as itself (its
/// 5xx logged); anything else that escapes is a 500 without detail.
extension Problem: HTTPResponseError {
    public var responseStatus: HTTPStatus { HTTPStatus(code: status) }

    public func response(requestID: String?, typeBase: String?) -> HTTPResponse { SyncRoutes.problem(self) }
}
