/// Why a request was rejected by ``HTTPRequestParser``. Each case maps to one status; the
/// server answers with that status (a `application/problem+json` body whose `detail` is
/// ``description``) and closes the connection, because after a framing error the position of
/// the next request in the byte stream is unknown (RFC 9112 §11.2, request smuggling).
public enum HTTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    // Limits
    /// The request line is longer than ``HTTPParserLimits/maxRequestLineBytes`` (414).
    case requestLineTooLong
    /// The header (or trailer) section is larger than ``HTTPParserLimits/maxHeaderBytes`` (431).
    case headerSectionTooLarge
    /// More header (or trailer) fields than ``HTTPParserLimits/maxHeaderCount`` (431).
    case tooManyHeaderFields
    /// The declared or received body is larger than ``HTTPParserLimits/maxBodyBytes`` (413).
    case bodyTooLarge

    // Request line (RFC 9112 §3)
    /// An empty line where the request line should start. RFC 9112 §2.2 allows ignoring it;
    /// we reject it (as `h11` does), so that no byte is ever silently skipped.
    case leadingEmptyLine
    case invalidMethod
    case invalidRequestTarget
    case invalidHTTPVersion
    /// A well-formed version other than HTTP/1.x (505).
    case unsupportedHTTPVersion

    // Line structure (RFC 9112 §2.2)
    /// A CR not followed by LF.
    case bareCR
    /// A LF not preceded by CR.
    case bareLF

    // Field lines (RFC 9112 §5)
    /// A field line starting with SP or HTAB (obs-fold, RFC 9112 §5.2).
    case obsoleteLineFolding
    /// Whitespace between the request line and the first field line (RFC 9112 §2.2).
    case whitespaceAfterStartLine
    /// Whitespace between a field name and the colon (RFC 9112 §5.1).
    case whitespaceBeforeColon
    /// A field name that is empty or not a `token`, or a field line without a colon.
    case invalidFieldName
    /// A control character (other than HTAB) in a field value.
    case invalidFieldValue

    // Message semantics needed for framing and routing
    /// An HTTP/1.1 request without Host (RFC 9112 §3.2).
    case missingHost
    /// More than one Host field line (RFC 9112 §3.2).
    case multipleHost
    case invalidHost
    /// Content-Length together with Transfer-Encoding (RFC 9112 §6.3 item 3).
    case contentLengthWithTransferEncoding
    /// More than one Content-Length value, equal or not (RFC 9112 §6.3 item 5).
    case multipleContentLength
    /// Content-Length that is not `1*DIGIT` or does not fit in 63 bits (RFC 9112 §6.3 item 5).
    case invalidContentLength
    /// A transfer coding list other than exactly `chunked` (RFC 9112 §6.1, §7).
    case unsupportedTransferCoding
    /// Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1: framing is faulty).
    case transferEncodingInHTTP10
    /// An `Expect` other than `100-continue` (RFC 9110 §10.1.1) (417).
    case unsupportedExpectation

    // Chunked coding (RFC 9112 §7.1)
    case invalidChunkSize
    case invalidChunkExtension
    /// A chunk-size line longer than ``HTTPParserLimits/maxChunkLineBytes``.
    case chunkLineTooLong
    /// Chunk data not followed by CRLF.
    case missingChunkDataCRLF

    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: return .uriTooLong
        case .headerSectionTooLarge, .tooManyHeaderFields: return .requestHeaderFieldsTooLarge
        case .bodyTooLarge: return .contentTooLarge
        case .unsupportedHTTPVersion: return .httpVersionNotSupported
        case .unsupportedExpectation: return .expectationFailed
        default: return .badRequest
        }
    }

    public var description: String {
        switch self {
        case .requestLineTooLong: return "The request line is too long."
        case .headerSectionTooLarge: return "The header section is too large."
        case .tooManyHeaderFields: return "There are too many header fields."
        case .bodyTooLarge: return "The request body is too large."
        case .leadingEmptyLine: return "An empty line precedes the request line."
        case .invalidMethod: return "The method is not a token."
        case .invalidRequestTarget: return "The request target is empty or contains invalid characters."
        case .invalidHTTPVersion: return "The HTTP version is malformed."
        case .unsupportedHTTPVersion: return "Only HTTP/1.x is supported."
        case .bareCR: return "A CR is not followed by LF."
        case .bareLF: return "A LF is not preceded by CR."
        case .obsoleteLineFolding: return "Obsolete line folding is not accepted."
        case .whitespaceAfterStartLine: return "Whitespace follows the request line."
        case .whitespaceBeforeColon: return "Whitespace precedes the colon of a field line."
        case .invalidFieldName: return "A field name is empty or not a token, or a colon is missing."
        case .invalidFieldValue: return "A field value contains a control character."
        case .missingHost: return "An HTTP/1.1 request must have a Host header field."
        case .multipleHost: return "The Host header field appears more than once."
        case .invalidHost: return "The Host header field is malformed."
        case .contentLengthWithTransferEncoding: return "Content-Length and Transfer-Encoding must not both be present."
        case .multipleContentLength: return "Content-Length appears more than once."
        case .invalidContentLength: return "Content-Length is not a valid non-negative number."
        case .unsupportedTransferCoding: return "The only supported transfer coding is chunked."
        case .transferEncodingInHTTP10: return "Transfer-Encoding is not allowed in an HTTP/1.0 request."
        case .unsupportedExpectation: return "The only supported expectation is 100-continue."
        case .invalidChunkSize: return "A chunk size is not a valid hexadecimal number."
        case .invalidChunkExtension: return "A chunk extension is malformed."
        case .chunkLineTooLong: return "A chunk-size line is too long."
        case .missingChunkDataCRLF: return "Chunk data is not followed by CRLF."
        }
    }
}
