import Foundation
import OmzienModel
import OmzienProtocol

/// Calls the sync server: JSON in and out, bearer token, retries with exponential backoff and
/// full jitter on network errors, timeouts, 5xx and 429 (Protocol/SYNC.md section 6).
/// 4xx answers are not retried: they come back as `ClientError.problem`.
public struct SyncClient: Sendable {
    public struct RetryPolicy: Sendable {
        public var attempts = 5
        public var baseDelay: TimeInterval = 0.5
        public var maxDelay: TimeInterval = 30
        public var sleep: @Sendable (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }
        public init() {}
        public static var none: RetryPolicy { var p = RetryPolicy(); p.attempts = 1; return p }

        /// Full jitter: a random delay in [0, min(cap, base * 2^attempt)].
        func delay(attempt: Int) -> TimeInterval {
            let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt)))
            return Double.random(in: 0...ceiling)
        }
    }

    public let baseURL: URL
    public let token: String?
    public let transport: any HTTPTransport
    public let retry: RetryPolicy

    public init(baseURL: URL, token: String?, transport: any HTTPTransport = URLSessionTransport(), retry: RetryPolicy = .init()) {
        self.baseURL = baseURL
        self.token = token
        self.transport = transport
        self.retry = retry
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }()

    /// One call of a catalogued endpoint (`Endpoints`), with retries: `parameters` fill the
    /// pattern's `:name` segments in order, and the answer is the endpoint's response type.
    public func call<Request: Encodable, Response: Decodable>(_ endpoint: Endpoint<Request, Response>, _ parameters: String...,
                                                               query: [String: String] = [:], body: Request) throws -> Response {
        try call(endpoint.method, url: try url(endpoint.erased.path(parameters), query: query), body: body, as: Response.self)
    }

    /// `call(_:_:query:body:)` for an endpoint without a request body.
    public func call<Response: Decodable>(_ endpoint: Endpoint<NoBody, Response>, _ parameters: String...,
                                          query: [String: String] = [:]) throws -> Response {
        try call(endpoint.method, url: try url(endpoint.erased.path(parameters), query: query), body: nil, as: Response.self)
    }

    /// One call with retries. `path` is relative to `baseURL` (percent-encoded by this call);
    /// `body` is JSON-encoded; the answer is decoded as `T`.
    public func call<T: Decodable>(_ method: String, _ path: String, query: [String: String] = [:], body: (any Encodable)? = nil,
                                   as: T.Type = T.self) throws -> T {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.keys.sorted().map { URLQueryItem(name: $0, value: query[$0]) } }
        guard let url = components.url else { throw ClientError.badResponse("bad URL for \(path)") }
        return try call(method, url: url, body: body, as: T.self)
    }

    /// The URL of an already percent-encoded absolute `path` (an `Endpoint.path`) under `baseURL`.
    public func url(_ path: String, query: [String: String] = [:]) throws -> URL {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)
        let base = components?.percentEncodedPath ?? ""
        components?.percentEncodedPath = (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
        if !query.isEmpty { components?.queryItems = query.keys.sorted().map { URLQueryItem(name: $0, value: query[$0]) } }
        guard let url = components?.url else { throw ClientError.badResponse("bad URL for \(path)") }
        return url
    }

    func call<T: Decodable>(_ method: String, url: URL, body: (any Encodable)?, as: T.Type) throws -> T {
        var headers = ["Accept": "application/json", "Accept-Encoding": "gzip"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        var data: Data?
        if let body {
            data = try Self.encoder.encode(body)
            headers["Content-Type"] = "application/json"
        }
        var lastError: any Error = ClientError.offline("no attempt made")
        for attempt in 0..<max(retry.attempts, 1) {
            if attempt > 0 { retry.sleep(retry.delay(attempt: attempt)) }
            let status: Int, answer: Data
            do {
                (status, answer) = try transport.send(method: method, url: url, headers: headers, body: data)
            } catch {
                lastError = error
                continue
            }
            if (200..<300).contains(status) {
                do {
                    if T.self == PullResponse.self { return try PullResponse.decodeFast(answer) as! T }
                    if T.self == SnapshotResponse.self { return try SnapshotResponse.decodeFast(answer) as! T }
                    return try JSONDecoder().decode(T.self, from: answer)
                } catch {
                    throw ClientError.badResponse("\(error)")
                }
            }
            let problem = (try? JSONDecoder().decode(Problem.self, from: answer))
                ?? Problem("http-\(status)", status: status, title: "HTTP \(status)")
            if status >= 500 || status == 429 || status == 408 {
                lastError = ClientError.problem(problem)
                continue
            }
            throw ClientError.problem(problem)
        }
        // A server that is up but cannot take anything now (503: disk full, shutting down) is
        // as good as offline for a device: nothing is lost, the next sync sends it (R-SYNC-15).
        if case let ClientError.problem(p) = lastError, p.status == 503 {
            throw ClientError.offline("the server is unavailable: \(p.detail ?? p.title)")
        }
        if case ClientError.problem = lastError { throw lastError }
        throw (lastError as? ClientError) ?? ClientError.offline("\(lastError)")
    }
}
