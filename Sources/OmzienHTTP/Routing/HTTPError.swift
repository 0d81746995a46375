/// An error a handler throws to answer with a specific status and an
/// `application/problem+json` body (RFC 9457).
///
/// Anything else a handler throws becomes a 500 whose body says only "Internal Server Error":
/// the error's description goes to the request log, never to the client.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPStatus
    /// Short, human-readable summary (RFC 9457 §3.1.4). Defaults to the reason phrase.
    public var title: String
    /// Explanation specific to this occurrence (RFC 9457 §3.1.4), shown to the client.
    public var detail: String?
    /// A URI reference identifying the problem type (RFC 9457 §3.1.1); nil means `about:blank`.
    public var type: String?
    /// Extra response header fields (for example `Retry-After`, `WWW-Authenticate`, `Allow`).
    public var headers: HTTPHeaders

    public init(
        status: HTTPStatus, title: String? = nil, detail: String? = nil, type: String? = nil,
        headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.type = type
        self.headers = headers
    }

    public var description: String {
        "HTTPError(\(status.code) \(title)\(detail.map { ": \($0)" } ?? ""))"
    }

    /// The problem+json response for this error. `requestID`, when given, is included as the
    /// extension member `requestId` so that a client report can be matched with the server
    /// log (every response also carries it in `X-Request-Id`). `typeBase`, when given, names
    /// the type of an error without one: `typeBase` + a code for the status
    /// (`payload-too-large`, ...) instead of `about:blank`.
    public func response(requestID: String?, typeBase: String? = nil) -> HTTPResponse {
        var json = JSONText.Object()
        json.add("type", type ?? typeBase.map { $0 + Self.code(for: status) } ?? "about:blank")
        json.add("title", title)
        json.add("status", status.code)
        if let detail { json.add("detail", detail) }
        if let requestID { json.add("requestId", requestID) }
        var headers = self.headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/problem+json")
        return HTTPResponse(status: status, headers: headers, body: Array(json.finish().utf8))
    }

    /// A problem code for a status the server answers by itself: the reason phrase in
    /// lowercase words joined by '-', with the names SYNC.md uses where they differ.
    public static func code(for status: HTTPStatus) -> String {
        switch status.code {
        case 400: "bad-request"
        case 413: "payload-too-large"
        case 500: "internal"
        default:
            String(status.reasonPhrase.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        }
    }
}
