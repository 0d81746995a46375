/// How the length of a request body is determined (RFC 9112 §6.3).
public enum HTTPBodyFraming: Sendable, Hashable {
    /// No Content-Length and no Transfer-Encoding: the body is empty (RFC 9112 §6.3 item 7).
    case none
    case contentLength(Int)
    case chunked
}

/// The request line and header section of a request, validated by ``HTTPRequestParser``.
///
/// Invariants (guaranteed by the parser): `method` is a token; `target` is 1+ VCHARs;
/// `version.major == 1`; field names are tokens and values have no CTLs; the framing fields
/// (Content-Length, Transfer-Encoding) are unambiguous; HTTP/1.1 requests have exactly one Host.
public struct HTTPRequestHead: Sendable, Hashable {
    public var method: HTTPMethod
    /// The request-target exactly as received (RFC 9112 §3.2).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: HTTPBodyFraming
    /// Whether the connection may be reused after this request (RFC 9112 §9.3): HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1).
    public var expectsContinue: Bool

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders(), framing: HTTPBodyFraming = .none,
        keepAlive: Bool = true, expectsContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }
}
