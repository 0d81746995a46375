import OmzienHTTP
import Testing

/// A request that must be rejected, with the reason and (through the reason) the status.
/// Shared by the parser tests and the socket-level tests (status + connection closed).
struct RejectionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var expected: HTTPParseError
    var limits: HTTPParserLimits = HTTPParserLimits()

    var testDescription: String { name }

    init(_ name: String, _ raw: String, _ expected: HTTPParseError, limits: HTTPParserLimits = HTTPParserLimits()) {
        self.name = name
        self.bytes = Array(raw.utf8)
        self.expected = expected
        self.limits = limits
    }

    init(_ name: String, bytes: [UInt8], _ expected: HTTPParseError, limits: HTTPParserLimits = HTTPParserLimits()) {
        self.name = name
        self.bytes = bytes
        self.expected = expected
        self.limits = limits
    }

    /// Small limits used by the limit cases (and by the server in socket tests).
    static let smallLimits = HTTPParserLimits(
        maxRequestLineBytes: 64, maxHeaderBytes: 256, maxHeaderCount: 8, maxBodyBytes: 100, maxChunkLineBytes: 32)

    static let all: [RejectionCase] = {
        let small = smallLimits
        let h = "Host: example.com\r\n"
        return [
            // Framing (RFC 9112 §6)
            .init("content-length with transfer-encoding",
                  "POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                  .contentLengthWithTransferEncoding),
            .init("transfer-encoding with content-length",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello",
                  .contentLengthWithTransferEncoding),
            .init("duplicate equal content-length",
                  "POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", .multipleContentLength),
            .init("conflicting content-length",
                  "POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .multipleContentLength),
            .init("content-length list", "POST / HTTP/1.1\r\n\(h)Content-Length: 5, 5\r\n\r\nhello", .multipleContentLength),
            .init("non-numeric content-length", "POST / HTTP/1.1\r\n\(h)Content-Length: abc\r\n\r\n", .invalidContentLength),
            .init("negative content-length", "POST / HTTP/1.1\r\n\(h)Content-Length: -1\r\n\r\n", .invalidContentLength),
            .init("signed content-length", "POST / HTTP/1.1\r\n\(h)Content-Length: +5\r\n\r\nhello", .invalidContentLength),
            .init("hex content-length", "POST / HTTP/1.1\r\n\(h)Content-Length: 0x5\r\n\r\nhello", .invalidContentLength),
            .init("empty content-length", "POST / HTTP/1.1\r\n\(h)Content-Length:\r\n\r\n", .invalidContentLength),
            .init("content-length with inner space", "POST / HTTP/1.1\r\n\(h)Content-Length: 1 0\r\n\r\n", .invalidContentLength),
            .init("overflowing content-length",
                  "POST / HTTP/1.1\r\n\(h)Content-Length: 99999999999999999999999\r\n\r\n", .invalidContentLength),
            .init("content-length just over Int64",
                  "POST / HTTP/1.1\r\n\(h)Content-Length: 9223372036854775808\r\n\r\n", .invalidContentLength),
            .init("transfer coding gzip", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: gzip\r\n\r\n", .unsupportedTransferCoding),
            .init("transfer coding gzip, chunked",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", .unsupportedTransferCoding),
            .init("transfer coding chunked twice in a list",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", .unsupportedTransferCoding),
            .init("transfer-encoding on two lines",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                  .unsupportedTransferCoding),
            .init("transfer coding identity", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: identity\r\n\r\n", .unsupportedTransferCoding),
            .init("empty transfer-encoding", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding:\r\n\r\n", .unsupportedTransferCoding),
            .init("transfer-encoding in HTTP/1.0",
                  "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .transferEncodingInHTTP10),
            // Chunked coding (RFC 9112 §7.1)
            .init("non-hex chunk size", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\nzz\r\n", .invalidChunkSize),
            .init("empty chunk size", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n\r\n", .invalidChunkSize),
            .init("negative chunk size", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n", .invalidChunkSize),
            .init("hex-prefixed chunk size", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n", .invalidChunkSize),
            .init("overflowing chunk size",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n", .invalidChunkSize),
            .init("chunk size with trailing space",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
            .init("whitespace before chunk extension",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5 ;a=b\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
            .init("chunk data without CRLF",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", .missingChunkDataCRLF),
            .init("chunk data with bare LF",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", .missingChunkDataCRLF),
            .init("chunk size line with bare LF",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", .bareLF),
            .init("chunk size line with bare CR",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\rhello\r\n0\r\n\r\n", .bareCR),
            .init("control character in chunk extension",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5;a=\u{1}\r\nhello\r\n0\r\n\r\n", .invalidChunkExtension),
            .init("obs-fold in trailer",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n", .obsoleteLineFolding),
            .init("bare LF in trailer",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\n\r\n", .bareLF),
            // Line structure and field lines (RFC 9112 §2.2, §5)
            .init("obs-fold", "GET / HTTP/1.1\r\n\(h)X-Folded: a\r\n b\r\n\r\n", .obsoleteLineFolding),
            .init("obs-fold with tab", "GET / HTTP/1.1\r\n\(h)X-Folded: a\r\n\tb\r\n\r\n", .obsoleteLineFolding),
            .init("whitespace after request line", "GET / HTTP/1.1\r\n \(h)\r\n", .whitespaceAfterStartLine),
            .init("bare CR after request line", "GET / HTTP/1.1\r\(h)\r\n", .bareCR),
            .init("bare LF after request line", "GET / HTTP/1.1\n\(h)\r\n", .bareLF),
            .init("bare LF after field line", "GET / HTTP/1.1\r\nHost: example.com\n\r\n", .bareLF),
            .init("bare LF line endings", "GET / HTTP/1.1\nHost: example.com\n\n", .bareLF),
            .init("bare CR inside field value", "GET / HTTP/1.1\r\n\(h)X-A: a\rb\r\n\r\n", .bareCR),
            .init("bare LF inside field value", "GET / HTTP/1.1\r\n\(h)X-A: a\nb\r\n\r\n", .bareLF),
            .init("bare LF as final empty line", "GET / HTTP/1.1\r\n\(h)\n", .bareLF),
            .init("bare CR as final empty line", "GET / HTTP/1.1\r\n\(h)\r\r\n", .bareCR),
            .init("space before colon", "GET / HTTP/1.1\r\nHost : example.com\r\n\r\n", .whitespaceBeforeColon),
            .init("tab before colon", "GET / HTTP/1.1\r\n\(h)X-A\t: b\r\n\r\n", .whitespaceBeforeColon),
            .init("control character in field value", "GET / HTTP/1.1\r\n\(h)X-A: a\u{1}b\r\n\r\n", .invalidFieldValue),
            .init("NUL in field value", "GET / HTTP/1.1\r\n\(h)X-A: a\u{0}b\r\n\r\n", .invalidFieldValue),
            .init("DEL in field value", "GET / HTTP/1.1\r\n\(h)X-A: a\u{7F}b\r\n\r\n", .invalidFieldValue),
            .init("escape in field value", "GET / HTTP/1.1\r\n\(h)X-A: \u{1B}[31m\r\n\r\n", .invalidFieldValue),
            .init("control character in field name", "GET / HTTP/1.1\r\n\(h)X\u{1}A: b\r\n\r\n", .invalidFieldName),
            .init("non-token field name", "GET / HTTP/1.1\r\n\(h)X(A): b\r\n\r\n", .invalidFieldName),
            .init("empty field name", "GET / HTTP/1.1\r\n\(h): b\r\n\r\n", .invalidFieldName),
            .init("field line without colon", "GET / HTTP/1.1\r\n\(h)NoColon\r\n\r\n", .invalidFieldName),
            .init("missing host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", .missingHost),
            .init("two host fields", "GET / HTTP/1.1\r\n\(h)Host: other.example\r\n\r\n", .multipleHost),
            .init("host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost),
            .init("host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost),
            .init("unsupported expectation", "POST / HTTP/1.1\r\n\(h)Expect: teapot\r\nContent-Length: 1\r\n\r\nx",
                  .unsupportedExpectation),
            // Request line (RFC 9112 §3)
            .init("leading empty line", "\r\nGET / HTTP/1.1\r\n\(h)\r\n", .leadingEmptyLine),
            .init("leading bare LF", "\nGET / HTTP/1.1\r\n\(h)\r\n", .leadingEmptyLine),
            .init("leading space", " GET / HTTP/1.1\r\n\(h)\r\n", .invalidMethod),
            .init("non-token method", "G(T / HTTP/1.1\r\n\(h)\r\n", .invalidMethod),
            .init("control character in method", "GE\u{1}T / HTTP/1.1\r\n\(h)\r\n", .invalidMethod),
            .init("tab between method and target", "GET\t/ HTTP/1.1\r\n\(h)\r\n", .invalidMethod),
            .init("two spaces before target", "GET  / HTTP/1.1\r\n\(h)\r\n", .invalidRequestTarget),
            .init("control character in target", "GET /a\u{1}b HTTP/1.1\r\n\(h)\r\n", .invalidRequestTarget),
            .init("non-ASCII byte in target", bytes: Array("GET /a".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\n\(h)\r\n".utf8),
                  .invalidRequestTarget),
            .init("two spaces before version", "GET /  HTTP/1.1\r\n\(h)\r\n", .invalidHTTPVersion),
            .init("lower-case version", "GET / http/1.1\r\n\(h)\r\n", .invalidHTTPVersion),
            .init("space after version", "GET / HTTP/1.1 \r\n\(h)\r\n", .invalidHTTPVersion),
            .init("missing version", "GET /\r\n\(h)\r\n", .invalidHTTPVersion),
            .init("three-digit version", "GET / HTTP/1.11\r\n\(h)\r\n", .invalidHTTPVersion),
            .init("HTTP/2.0", "GET / HTTP/2.0\r\n\(h)\r\n", .unsupportedHTTPVersion),
            .init("HTTP/0.9 version", "GET / HTTP/0.9\r\n\(h)\r\n", .unsupportedHTTPVersion),
            // Limits
            .init("request line too long",
                  "GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\n\(h)\r\n", .requestLineTooLong, limits: small),
            .init("request line too long without CRLF",
                  "GET /\(String(repeating: "a", count: 100))", .requestLineTooLong, limits: small),
            .init("method too long for the request line",
                  "\(String(repeating: "A", count: 80)) / HTTP/1.1\r\n\(h)\r\n", .requestLineTooLong, limits: small),
            .init("header section too large",
                  "GET / HTTP/1.1\r\n\(h)X-Big: \(String(repeating: "b", count: 300))\r\n\r\n", .headerSectionTooLarge,
                  limits: small),
            .init("header section too large without end",
                  "GET / HTTP/1.1\r\n\(h)X-Big: \(String(repeating: "b", count: 300))", .headerSectionTooLarge,
                  limits: small),
            .init("too many header fields",
                  "GET / HTTP/1.1\r\n\(h)" + (1...9).map { "X-\($0): v\r\n" }.joined() + "\r\n", .tooManyHeaderFields,
                  limits: small),
            .init("content-length over the body limit",
                  "POST / HTTP/1.1\r\n\(h)Content-Length: 101\r\n\r\n", .bodyTooLarge, limits: small),
            .init("huge content-length", "POST / HTTP/1.1\r\n\(h)Content-Length: 9223372036854775807\r\n\r\n", .bodyTooLarge),
            .init("chunked body over the body limit",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n32\r\n\(String(repeating: "x", count: 50))\r\n33\r\n",
                  .bodyTooLarge, limits: small),
            .init("chunk-size line too long",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5;\(String(repeating: "e", count: 40))\r\nhello\r\n0\r\n\r\n",
                  .chunkLineTooLong, limits: small),
            .init("chunk size with many leading zeros",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n\(String(repeating: "0", count: 40))5\r\nhello\r\n0\r\n\r\n",
                  .chunkLineTooLong, limits: small),
            .init("trailer section too large",
                  "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: \(String(repeating: "t", count: 300))\r\n\r\n",
                  .headerSectionTooLarge, limits: small),
        ]
    }()
}

/// A stream of one or more valid requests and what the parser must make of it.
struct ValidCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    /// (method, target, body) of each request, in order.
    var requests: [(method: String, target: String, body: String)]
    var testDescription: String { name }

    init(_ name: String, _ raw: String, _ requests: [(String, String, String)]) {
        self.name = name
        self.bytes = Array(raw.utf8)
        self.requests = requests.map { (method: $0.0, target: $0.1, body: $0.2) }
    }

    static let all: [ValidCase] = [
        .init("simple GET", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", [("GET", "/", "")]),
        .init("GET with query and many fields",
              "GET /v1/things/42?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\nAccept:  */*  \r\nX-Empty:\r\n"
                  + "User-Agent: curl/8.0 (x86_64; \"quoted\")\r\nAccept-Encoding: gzip, deflate\r\n\r\n",
              [("GET", "/v1/things/42?x=1&y=%20", "")]),
        .init("POST with content-length", "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
              [("POST", "/upload", "hello world")]),
        .init("content-length zero", "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", [("POST", "/x", "")]),
        .init("content-length with leading zeros", "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nhello",
              [("PUT", "/x", "hello")]),
        .init("chunked with extensions and trailers",
              "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"
                  + "5;name=value\r\nhello\r\n1;x=\"q s\" ;y\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n",
              [("POST", "/c", "hello 0123456789")]),
        .init("empty chunked body", "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
              [("POST", "/c", "")]),
        .init("HTTP/1.0 without host", "GET /old HTTP/1.0\r\n\r\n", [("GET", "/old", "")]),
        .init("field value with obs-text", "GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\u{E9}\r\n\r\n", [("GET", "/", "")]),
        .init("expect 100-continue",
              "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc", [("POST", "/e", "abc")]),
        .init("absolute-form target", "GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n",
              [("GET", "http://example.com/a?b", "")]),
        .init("empty host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", [("GET", "/", "")]),
        .init("IPv6 host", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", [("GET", "/", "")]),
        .init("HTTP/1.2 is handled as HTTP/1.1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", [("GET", "/", "")]),
        .init("body that looks like a request",
              "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 35\r\n\r\nGET /secret HTTP/1.1\r\nHost: a\r\n\r\n\r\n",
              [("POST", "/p", "GET /secret HTTP/1.1\r\nHost: a\r\n\r\n\r\n")]),
        .init("pipelined requests",
              "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
                  + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                  + "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
                  + "DELETE /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
              [("GET", "/1", ""), ("POST", "/2", "abc"), ("POST", "/3", "de"), ("DELETE", "/4", "")]),
    ]
}
