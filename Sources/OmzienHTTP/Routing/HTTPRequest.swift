import Foundation

/// A complete request as a handler sees it.
///
/// `body` is the whole body, already de-chunked and with its `Content-Encoding` (gzip or
/// deflate) removed; in that case the `Content-Encoding` field is removed from `headers` too.
/// The body was read in full before the handler runs, within the configured limits.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request-target as received.
    public var target: String
    /// The path as received (percent-encoded), without the query. Always starts with "/".
    public var path: String
    /// The query as received (percent-encoded), without "?", or nil when there is none.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Values of the route's `:name` segments, percent-decoded.
    public var pathParameters: [String: String]
    /// The id sent back in `X-Request-Id` and written to the log line.
    public var requestID: String

    public init(
        method: HTTPMethod, target: String, path: String, query: String? = nil, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], pathParameters: [String: String] = [:],
        requestID: String = ""
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.pathParameters = pathParameters
        self.requestID = requestID
    }

    /// The value of the path parameter `name`, or a 400 ``HTTPError``.
    public func parameter(_ name: String) throws(HTTPError) -> String {
        guard let value = pathParameters[name] else {
            throw HTTPError(status: .badRequest, detail: "Missing path parameter \(name).")
        }
        return value
    }

    /// Query items in order, `application/x-www-form-urlencoded` style: `+` is a space and
    /// percent-escapes are decoded. Items whose escapes are invalid are skipped.
    public var queryItems: [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        var items: [(name: String, value: String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(pieces[0], plusIsSpace: true) else { continue }
            let value = pieces.count > 1 ? PercentDecoding.decode(pieces[1], plusIsSpace: true) : ""
            guard let value else { continue }
            items.append((name, value))
        }
        return items
    }

    /// The first query value named `name`.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// Decodes the body as JSON; a body that does not decode is a 400 ``HTTPError``.
    public func decodeJSON<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONDecoder()) throws(HTTPError) -> T {
        do {
            return try decoder.decode(type, from: Data(body))
        } catch {
            throw HTTPError(status: .badRequest, detail: "The request body is not valid JSON for this endpoint.")
        }
    }
}

/// Connection-level facts about a request, for handlers that need them.
public struct RequestContext: Sendable {
    /// The peer as "ip:port" ("[ip]:port" for IPv6). Behind a proxy this is the proxy.
    public var remoteAddress: String
    public var requestID: String
    /// Which event loop owns the connection (0-based).
    public var eventLoop: Int

    public init(remoteAddress: String, requestID: String, eventLoop: Int) {
        self.remoteAddress = remoteAddress
        self.requestID = requestID
        self.eventLoop = eventLoop
    }
}

enum PercentDecoding {
    /// Decodes `%XX` escapes; nil when an escape is malformed or the result is not UTF-8.
    static func decode<S: StringProtocol>(_ s: S, plusIsSpace: Bool = false) -> String? {
        let utf8 = s.utf8
        if !utf8.contains(0x25) && !(plusIsSpace && utf8.contains(0x2B)) { return String(s) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var it = utf8.makeIterator()
        while let b = it.next() {
            if b == 0x25 {
                guard let h = it.next().flatMap(ByteClass.hexValue), let l = it.next().flatMap(ByteClass.hexValue) else {
                    return nil
                }
                bytes.append(UInt8(h * 16 + l))
            } else if b == 0x2B && plusIsSpace {
                bytes.append(0x20)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
