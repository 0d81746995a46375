/// What the event loop and the connection's state machine keep about a request between
/// reading it and answering it: how to frame the answer (keep-alive, HEAD, HTTP/1.0), its
/// request id, and what the metrics and the request log need.
struct RequestInfo {
    var method: HTTPMethod
    /// The path without the query, "-" until routed (or for a rejected request).
    var path: String
    var routeIndex: Int
    /// The client allows the connection to be reused (RFC 9112 §9.3). The state machine may
    /// still close it (a draining or shutting-down server).
    var keepAlive: Bool
    var isHEAD: Bool
    var isHTTP10: Bool
    var requestID: String
    /// Monotonic time of the request's first byte.
    var requestStart: UInt64
    var bytesIn: Int
}
