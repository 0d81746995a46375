/// An error that knows the answer it stands for: its status and its whole response (body and
/// fields). A handler throws one to answer with it; the server's one error path
/// (`ServerCore.execute`, and ``Router/respond(to:context:)`` without a socket) sends
/// ``response(requestID:typeBase:)`` as it is and writes the error's description to the
/// request log when the status is 5xx. Anything else a handler throws is a 500 whose body says
/// only "Internal Server Error"; its description goes to the log, never to the client.
///
/// ``HTTPError`` is the module's own; a layer above can adopt it for its error bodies (the sync
/// service's `Problem`, for example), so that it needs no mapping of its own.
public protocol HTTPResponseError: Error {
    /// The status of ``response(requestID:typeBase:)``.
    var responseStatus: HTTPStatus { get }
    /// The complete response. `requestID` is the request's id when problem bodies carry it
    /// (``HTTPServer/Configuration/problemsIncludeRequestID``); `typeBase` is
    /// ``HTTPServer/Configuration/problemTypeBase``, for errors that have no type of their own.
    func response(requestID: String?, typeBase: String?) -> HTTPResponse
}

extension HTTPError: HTTPResponseError {
    public var responseStatus: HTTPStatus { status }
}
