import Foundation

/// A response a handler returns. The server adds the framing and bookkeeping fields itself
/// (`Content-Length`, `Date`, `Connection`, `X-Request-Id`, and `Content-Encoding`/`Vary`
/// when it compresses); handler-set `Content-Length`, `Transfer-Encoding` and `Connection`
/// fields are ignored. A header name or value that is not valid (for example a value with
/// CR or LF, which would split the response) turns the response into a 500.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Why a handler answered a 5xx it built itself: written to the request log line (the
    /// `error` member), never sent to the client.
    public var logError: String? = nil

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `text/plain; charset=utf-8`.
    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// A JSON body already encoded.
    public static func json(bytes: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: bytes)
    }

    /// Encodes `value` with `encoder` (default: sorted keys, ISO 8601 dates).
    public static func json<T: Encodable>(
        _ value: T, status: HTTPStatus = .ok, encoder: JSONEncoder = HTTPResponse.defaultJSONEncoder()
    ) throws -> HTTPResponse {
        .json(bytes: Array(try encoder.encode(value)), status: status)
    }

    public static func noContent() -> HTTPResponse { HTTPResponse(status: .noContent) }

    public static func defaultJSONEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
