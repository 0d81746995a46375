/// Where a handler runs.
///
/// The server's default is ``workerPool``: a slow or blocking handler (the sync server does
/// SQLite work) then never stalls the event loop that serves other connections. Handlers that
/// only compute a small answer from memory can opt into ``eventLoop`` and save two thread
/// hand-offs per request.
public enum HandlerExecution: Sendable, Hashable {
    /// On the connection's event-loop thread. The handler must not block.
    case eventLoop
    /// On the server's fixed pool of worker threads.
    case workerPool
}

/// Maps a method and a path to a handler.
///
/// Patterns are paths whose segments are literals, `:name` parameters (one non-empty segment)
/// or a final `*name` (the rest of the path, possibly empty, still percent-encoded).
/// Request path segments are percent-decoded before they are compared, so `/a%20b` matches the
/// literal `/a b` and a parameter may contain `/` (from `%2F`). When several routes match, the
/// one with the most literal segments wins, then the one registered first. A path that matches
/// a route with another method gets 405 with `Allow`; `HEAD` is served by the `GET` route when
/// there is no `HEAD` route (without the body). No other normalisation happens: `/a/` and `/a`
/// are different paths, and dot-segments are not removed.
///
/// A `Router` is a value: build it, then hand it to ``HTTPServer``, which uses it read-only.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest, RequestContext) throws -> HTTPResponse

    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case remainder(String)
    }

    struct Route: Sendable {
        var method: HTTPMethod
        var pattern: String
        var segments: [Segment]
        var literalCount: Int
        var execution: HandlerExecution?
        var handler: Handler
    }

    private(set) var routes: [Route] = []

    public init() {}

    /// Registers `handler` for `method` and `pattern`.
    /// - Precondition: `pattern` starts with "/", parameter names are non-empty, `*name` is
    ///   last, and (method, pattern) is not registered yet.
    public mutating func on(
        _ method: HTTPMethod, _ pattern: String, execution: HandlerExecution? = nil, _ handler: @escaping Handler
    ) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
        precondition(!routes.contains { $0.method == method && $0.pattern == pattern }, "duplicate route \(method) \(pattern)")
        let raw = Router.splitPath(pattern)
        var segments: [Segment] = []
        for (i, s) in raw.enumerated() {
            if s.hasPrefix(":") {
                precondition(s.count > 1, "empty parameter name in \(pattern)")
                segments.append(.parameter(String(s.dropFirst())))
            } else if s.hasPrefix("*") {
                precondition(s.count > 1 && i == raw.count - 1, "*name must be the last segment in \(pattern)")
                segments.append(.remainder(String(s.dropFirst())))
            } else {
                segments.append(.literal(String(s)))
            }
        }
        let literals = segments.reduce(0) { if case .literal = $1 { return $0 + 1 } else { return $0 } }
        routes.append(Route(
            method: method, pattern: pattern, segments: segments, literalCount: literals,
            execution: execution, handler: handler))
    }

    public mutating func get(_ pattern: String, execution: HandlerExecution? = nil, _ handler: @escaping Handler) {
        on(.get, pattern, execution: execution, handler)
    }
    public mutating func post(_ pattern: String, execution: HandlerExecution? = nil, _ handler: @escaping Handler) {
        on(.post, pattern, execution: execution, handler)
    }
    public mutating func put(_ pattern: String, execution: HandlerExecution? = nil, _ handler: @escaping Handler) {
        on(.put, pattern, execution: execution, handler)
    }
    public mutating func patch(_ pattern: String, execution: HandlerExecution? = nil, _ handler: @escaping Handler) {
        on(.patch, pattern, execution: execution, handler)
    }
    public mutating func delete(_ pattern: String, execution: HandlerExecution? = nil, _ handler: @escaping Handler) {
        on(.delete, pattern, execution: execution, handler)
    }

    /// Every (method, pattern) registered, in registration order: what an authorization
    /// matrix or a catalogue check walks, so that a new route cannot go unchecked.
    public var endpoints: [(method: String, pattern: String)] { routes.map { ($0.method.rawValue, $0.pattern) } }

    /// The registered patterns, in registration order (metrics use them as route labels).
    public var patterns: [String] { routes.map(\.pattern) }

    enum Match {
        case found(routeIndex: Int, parameters: [String: String])
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
        /// A percent-escape in the path is malformed or does not decode to UTF-8.
        case badPath
    }

    /// `path` is the raw (percent-encoded) path starting with "/".
    func match(method: HTTPMethod, path: String) -> Match {
        let raw = Router.splitPath(path)
        var decoded: [String] = []
        decoded.reserveCapacity(raw.count)
        for s in raw {
            guard let d = PercentDecoding.decode(s) else { return .badPath }
            decoded.append(d)
        }
        var best: (index: Int, literals: Int, parameters: [String: String])?
        var bestGet: (index: Int, literals: Int, parameters: [String: String])?
        var allowed: [HTTPMethod] = []
        for (index, route) in routes.enumerated() {
            guard let parameters = Router.bind(route.segments, decoded, raw) else { continue }
            if route.method == method {
                if best == nil || route.literalCount > best!.literals { best = (index, route.literalCount, parameters) }
            } else if method == .head && route.method == .get {
                if bestGet == nil || route.literalCount > bestGet!.literals {
                    bestGet = (index, route.literalCount, parameters)
                }
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if let best { return .found(routeIndex: best.index, parameters: best.parameters) }
        if let bestGet { return .found(routeIndex: bestGet.index, parameters: bestGet.parameters) }
        if allowed.isEmpty { return .notFound }
        if allowed.contains(.get) && !allowed.contains(.head) { allowed.append(.head) }
        return .methodNotAllowed(allowed: allowed)
    }

    private static func bind(_ segments: [Segment], _ decoded: [String], _ raw: [Substring]) -> [String: String]? {
        var parameters: [String: String] = [:]
        var i = 0
        for segment in segments {
            switch segment {
            case .literal(let literal):
                guard i < decoded.count, decoded[i] == literal else { return nil }
            case .parameter(let name):
                guard i < decoded.count, !decoded[i].isEmpty else { return nil }
                parameters[name] = decoded[i]
            case .remainder(let name):
                parameters[name] = raw[min(i, raw.count)...].joined(separator: "/")
                return parameters
            }
            i += 1
        }
        return i == decoded.count ? parameters : nil
    }

    /// "/" → [], "/a/b" → ["a", "b"], "/a/" → ["a", ""].
    static func splitPath<S: StringProtocol>(_ path: S) -> [Substring] where S.SubSequence == Substring {
        let rest = path.dropFirst()
        if rest.isEmpty { return [] }
        return rest.split(separator: "/", omittingEmptySubsequences: false)
    }
}
