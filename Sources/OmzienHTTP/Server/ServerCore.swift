import Synchronization

/// What the event loops and workers share: configuration, the router (with the built-in
/// routes), metrics, the worker pool and the shutdown flag.
///
/// Sendability: everything is immutable after init except `shuttingDown` (atomic) and the
/// metrics (locked per loop), so it is `Sendable` without `@unchecked`.
final class ServerCore: Sendable {
    let configuration: HTTPServer.Configuration
    let router: Router
    let metrics: HTTPMetrics
    let pool: WorkerPool?
    /// Random per server start; request ids are `<prefix>-<loop>-<counter>`.
    let requestIDPrefix: String
    let shuttingDown = Atomic<Bool>(false)
    /// The canned answer to a connection beyond `maxConnections`.
    let connectionLimitResponse: [UInt8]

    init(configuration: HTTPServer.Configuration, router userRouter: Router) {
        self.configuration = configuration
        connectionLimitResponse = ResponseWriter.serviceUnavailable(typeBase: configuration.problemTypeBase)
        var router = userRouter
        var prefix = ""
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<4 {
            let byte = UInt8.random(in: 0...255, using: &rng)
            prefix += String(byte >> 4, radix: 16) + String(byte & 15, radix: 16)
        }
        requestIDPrefix = prefix
        let metrics = HTTPMetrics(
            routeLabels: router.patterns + [configuration.healthPath, configuration.metricsPath].compactMap { $0 },
            loopCount: configuration.eventLoopThreads)
        self.metrics = metrics
        // Built-in routes run on the loop: they only read memory.
        let shutdownFlag = ShutdownFlagBox()
        let healthCheck = configuration.healthCheck
        if let path = configuration.healthPath {
            router.get(path, execution: .eventLoop) { _, _ in
                if shutdownFlag.isSet {
                    throw HTTPError(status: .serviceUnavailable, detail: "The server is shutting down.")
                }
                if let problem = healthCheck?() {
                    throw HTTPError(status: .serviceUnavailable, detail: problem, headers: ["Retry-After": "10"])
                }
                return .json(bytes: Array("{\"status\":\"ok\"}".utf8))
            }
        }
        if let path = configuration.metricsPath {
            let extra = configuration.extraMetrics
            router.get(path, execution: .eventLoop) { _, _ in
                HTTPResponse(
                    status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                    body: Array((metrics.render() + (extra?() ?? "")).utf8))
            }
        }
        self.router = router
        self.shutdownFlagBox = shutdownFlag
        let needsPool = configuration.handlerExecution == .workerPool
            || router.routes.contains { $0.execution == .workerPool }
        pool = needsPool ? WorkerPool(threads: max(1, configuration.workerThreads), name: "omzien-http-w") : nil
    }

    private let shutdownFlagBox: ShutdownFlagBox

    func beginShutdown() {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
        shutdownFlagBox.set()
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }

    // MARK: Routing (on the event loop)

    /// A request ready for its handler.
    struct Job: Sendable {
        var head: HTTPRequestHead
        var body: [UInt8]
        var path: String
        var query: String?
        var routeIndex: Int
        var parameters: [String: String]
        var context: RequestContext
    }

    /// A response ready to be serialized, with what the log needs.
    struct Outcome: Sendable {
        var response: HTTPResponse
        var error: String?
    }

    enum Routing {
        case handler(Job, HandlerExecution)
        case immediate(Outcome, routeIndex: Int, path: String)
    }

    func route(head: HTTPRequestHead, body: [UInt8], context: RequestContext) -> Routing {
        let unmatched = metrics.unmatchedRoute
        guard let target = RequestTarget(head.target) else {
            return .immediate(problem(.badRequest, "The request target is not in origin or absolute form.", context),
                              routeIndex: unmatched, path: "-")
        }
        if target.isAsterisk {
            if head.method == .options {
                return .immediate(Outcome(response: HTTPResponse(status: .noContent)), routeIndex: unmatched, path: "*")
            }
            return .immediate(problem(.badRequest, "The asterisk target is only valid with OPTIONS.", context),
                              routeIndex: unmatched, path: "*")
        }
        switch router.match(method: head.method, path: target.path) {
        case .found(let index, let parameters):
            let route = router.routes[index]
            let execution = route.execution ?? configuration.handlerExecution
            let job = Job(head: head, body: body, path: target.path, query: target.query, routeIndex: index,
                          parameters: parameters, context: context)
            return .handler(job, pool == nil ? .eventLoop : execution)
        case .methodNotAllowed(let allowed):
            var outcome = problem(.methodNotAllowed, "Allowed methods: \(allowed.map(\.rawValue).joined(separator: ", ")).", context)
            outcome.response.headers.add(name: "Allow", value: allowed.map(\.rawValue).joined(separator: ", "))
            return .immediate(outcome, routeIndex: unmatched, path: target.path)
        case .notFound:
            return .immediate(problem(.notFound, nil, context), routeIndex: unmatched, path: target.path)
        case .badPath:
            return .immediate(problem(.badRequest, "The path contains an invalid percent-encoding.", context),
                              routeIndex: unmatched, path: target.path)
        }
    }

    func problem(_ status: HTTPStatus, _ detail: String?, _ context: RequestContext, error: String? = nil) -> Outcome {
        Outcome(response: problemResponse(HTTPError(status: status, detail: detail), context), error: error)
    }

    func problemResponse(_ error: any HTTPResponseError, _ context: RequestContext) -> HTTPResponse {
        error.response(requestID: configuration.problemsIncludeRequestID ? context.requestID : nil, typeBase: configuration.problemTypeBase)
    }

    // MARK: Handler execution (on the loop or a worker)

    /// Decodes the body, runs the handler, maps errors to problem+json, compresses and checks
    /// the response.
    func execute(_ job: Job) -> Outcome {
        var headers = job.head.headers
        var outcome: Outcome
        do {
            let body = try ContentCoding.decodeRequestBody(
                job.body, headers: &headers, maxBytes: configuration.maxDecompressedBodyBytes)
            let request = HTTPRequest(
                method: job.head.method, target: job.head.target, path: job.path, query: job.query,
                version: job.head.version, headers: headers, body: body, pathParameters: job.parameters,
                requestID: job.context.requestID)
            let response = try router.routes[job.routeIndex].handler(request, job.context)
            outcome = Outcome(response: response, error: response.logError)
        } catch let error as any HTTPResponseError {
            outcome = Outcome(response: problemResponse(error, job.context),
                              error: error.responseStatus.code >= 500 ? String(describing: error) : nil)
        } catch {
            // Anything else is a bug or an internal failure: no detail leaves the server.
            outcome = problem(.internalServerError, nil, job.context, error: String(describing: error))
        }
        finalize(&outcome, request: job.head, context: job.context)
        return outcome
    }

    /// Drops server-owned fields, rejects fields that would corrupt the response (500),
    /// and gzips large bodies when the client accepts it.
    private func finalize(_ outcome: inout Outcome, request: HTTPRequestHead, context: RequestContext) {
        var response = outcome.response
        guard response.status.code >= 200 else {
            // Interim responses are the server's business (100 Continue); a handler must answer.
            outcome = problem(.internalServerError, nil, context,
                              error: "handler returned the informational status \(response.status.code)")
            return
        }
        // reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 9112 §4): no CR/LF from a handler.
        guard response.status.reasonPhrase.utf8.allSatisfy({ $0 == ASCII.tab || $0 == ASCII.space || ByteClass.isFieldVChar($0) })
        else {
            outcome = problem(.internalServerError, nil, context, error: "handler returned an invalid reason phrase")
            return
        }
        var hasServerOwned = false
        for field in response.headers {
            guard HTTPHeaders.isValidFieldName(field.name), HTTPHeaders.isValidFieldValue(field.value) else {
                outcome = problem(.internalServerError, nil, context,
                                  error: "handler returned an invalid header field \(field.name.debugDescription)")
                return
            }
            if ResponseWriter.isServerOwned(field.name) { hasServerOwned = true }
        }
        if hasServerOwned {
            response.headers = HTTPHeaders(response.headers.fields.filter { !ResponseWriter.isServerOwned($0.name) })
        }
        if let threshold = configuration.responseCompressionThreshold,
            response.body.count >= threshold,
            response.status.code >= 200, response.status != .noContent, response.status != .notModified,
            !response.headers.contains("Content-Encoding"),
            ContentCoding.acceptsGzip(request.headers),
            let compressed = try? Compression.gzip(response.body)
        {
            response.body = compressed
            response.headers.add(name: "Content-Encoding", value: "gzip")
            response.headers.add(name: "Vary", value: "Accept-Encoding")
        }
        outcome.response = response
    }
}

import OmzienCompression

/// The shutdown flag as seen by the health handler (captured before `self` exists).
final class ShutdownFlagBox: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// The request-target forms a server accepts (RFC 9112 §3.2): origin-form, absolute-form
/// (http/https; the path and query are used, the authority is ignored like Host), and
/// asterisk-form. authority-form (CONNECT) is not supported.
struct RequestTarget {
    var path: String
    var query: String?
    var isAsterisk = false

    init?(_ target: String) {
        if target == "*" {
            path = "*"
            isAsterisk = true
            return
        }
        let utf8 = target.utf8
        if utf8.first == ASCII.slash && !utf8.contains(0x23) && !utf8.contains(0x3F) {
            path = target  // the common case: origin-form without a query
            query = nil
            return
        }
        if utf8.contains(0x23) { return nil }  // "#": fragments are never sent (RFC 9112 §3.2)
        var rest = Substring(target)
        if !rest.hasPrefix("/") {
            let lower = rest.prefix(8).lowercased()
            if lower.hasPrefix("http://") {
                rest = rest.dropFirst(7)
            } else if lower.hasPrefix("https://") {
                rest = rest.dropFirst(8)
            } else {
                return nil
            }
            guard let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else {
                path = "/"
                query = nil
                return
            }
            rest = rest[end...]
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        if let q = rest.firstIndex(of: "?") {
            path = String(rest[..<q])
            query = String(rest[rest.index(after: q)...])
        } else {
            path = String(rest)
            query = nil
        }
    }
}
