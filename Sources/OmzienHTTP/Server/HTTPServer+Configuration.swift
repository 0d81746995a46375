extension HTTPServer {
    /// Everything about the server that can be tuned. Defaults suit a sync server behind a
    /// TLS-terminating proxy on a small machine.
    public struct Configuration: Sendable {
        /// Address to listen on (numeric or a name). Default: loopback only.
        public var host: String = "127.0.0.1"
        /// Port to listen on; 0 picks a free port (``HTTPServer/start()`` returns it).
        public var port: Int = 0
        /// Event-loop threads, each with its own epoll instance and listening socket
        /// descriptor (one shared listening socket). Default: the number of online CPUs.
        public var eventLoopThreads: Int = onlineProcessorCount()
        /// Threads of the worker pool that runs ``HandlerExecution/workerPool`` handlers.
        public var workerThreads: Int = 4
        /// Where handlers run unless their route says otherwise.
        public var handlerExecution: HandlerExecution = .workerPool
        /// Open connections across all loops. Beyond it a new connection gets a canned 503 and
        /// is closed at once.
        public var maxConnections: Int = 4096
        /// listen(2) backlog of each listening socket.
        public var backlog: Int = 1024

        /// Request line, header and body size limits (414, 431, 413).
        public var limits = HTTPParserLimits()
        /// Cap on a request body after removing gzip/deflate Content-Encoding (413 beyond).
        public var maxDecompressedBodyBytes: Int = 8 * 1024 * 1024

        /// Time from the first byte of a request (or from accepting the connection, for its
        /// first request) until its header section is complete. Beyond it: 408 and close.
        public var headerReadTimeout: Duration = .seconds(10)
        /// Time from the first byte of a request until its body is complete. Beyond it: 408
        /// and close. Together with ``headerReadTimeout`` this bounds slow clients (slowloris).
        public var requestTimeout: Duration = .seconds(30)
        /// Time a keep-alive connection may stay idle between requests; then it is closed.
        public var idleTimeout: Duration = .seconds(60)
        /// Time a response may wait for the peer to accept more bytes; then the connection is
        /// closed (slow readers).
        public var writeTimeout: Duration = .seconds(30)
        /// After a response that closes the connection, the server stops sending
        /// (shutdown(SHUT_WR)) and discards input for at most this long, so that unread request
        /// bytes don't make the kernel reset the connection before the client read the answer.
        public var lingerTimeout: Duration = .seconds(2)

        /// Response bodies at least this large are gzip-compressed when the request's
        /// Accept-Encoding allows gzip. nil disables response compression.
        public var responseCompressionThreshold: Int? = 1024
        /// Where the one-line-per-request log goes; nil disables request logging.
        public var requestLog: RequestLogSink? = .standardError
        /// Path of the built-in health endpoint (200 while serving, 503 while shutting down);
        /// nil disables it.
        public var healthPath: String? = "/healthz"
        /// Asked by the health endpoint on every request (on the event loop, so it must be
        /// quick): nil while healthy, otherwise what is wrong, answered with 503.
        public var healthCheck: (@Sendable () -> String?)? = nil
        /// Problem bodies the server writes itself (parse errors, limits, 404, 500) get
        /// `type` = this + a code for the status (`HTTPError.code(for:)`) instead of `about:blank`.
        public var problemTypeBase: String? = nil
        /// Whether those bodies carry the request id as the member `requestId` (it is always
        /// in the `X-Request-Id` field).
        public var problemsIncludeRequestID = true
        /// Path of the built-in Prometheus metrics endpoint; nil disables it.
        public var metricsPath: String? = "/metrics"
        /// More Prometheus text appended to `/metrics` (the sync layer's counters). Runs on
        /// the event loop: it must only read memory.
        public var extraMetrics: (@Sendable () -> String)? = nil
        /// Value of the `Server` response field; nil sends none.
        public var serverName: String? = nil

        public init() {}

        /// A configuration for tests: one loop, one worker, short timeouts, no logging.
        public static func testing() -> Configuration {
            var c = Configuration()
            c.eventLoopThreads = 1
            c.workerThreads = 2
            c.requestLog = nil
            return c
        }
    }
}
