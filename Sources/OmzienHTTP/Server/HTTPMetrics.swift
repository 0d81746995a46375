import Synchronization

/// Counters for `/metrics` (Prometheus text exposition format 0.0.4).
///
/// Sendability: request counters live in one `Mutex` per event loop, so loops never contend
/// with each other; a scrape locks each in turn. Gauges and byte counters are atomics.
final class HTTPMetrics: Sendable {
    /// Upper bounds (seconds) of the latency histogram buckets; +Inf is implicit.
    static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct RequestKey: Hashable {
        var route: Int  // index into routeLabels; routeLabels.count - 1 is "unmatched"
        var status: Int
    }

    struct Histogram {
        var buckets = [Int](repeating: 0, count: HTTPMetrics.latencyBuckets.count + 1)
        var sum: Double = 0
        var count = 0
        mutating func observe(_ seconds: Double) {
            var i = 0
            while i < HTTPMetrics.latencyBuckets.count && seconds > HTTPMetrics.latencyBuckets[i] { i += 1 }
            buckets[i] += 1
            sum += seconds
            count += 1
        }
    }

    struct LoopCounters {
        var requests: [RequestKey: Int] = [:]
        var latency: [Int: Histogram] = [:]
    }

    final class LoopBox: Sendable {
        let counters = Mutex(LoopCounters())
    }

    let routeLabels: [String]
    let loops: [LoopBox]
    let openConnections = Atomic<Int>(0)
    /// Requests handed to the worker pool and not yet answered.
    let requestsInProgress = Atomic<Int>(0)
    let acceptedConnections = Atomic<Int>(0)
    let rejectedConnections = Atomic<Int>(0)
    let bytesIn = Atomic<Int>(0)
    let bytesOut = Atomic<Int>(0)

    init(routeLabels: [String], loopCount: Int) {
        self.routeLabels = routeLabels + ["unmatched"]
        self.loops = (0..<loopCount).map { _ in LoopBox() }
    }

    var unmatchedRoute: Int { routeLabels.count - 1 }

    func record(loop: Int, route: Int, status: Int, seconds: Double) {
        loops[loop].counters.withLock { c in
            c.requests[RequestKey(route: route, status: status), default: 0] += 1
            c.latency[route, default: Histogram()].observe(seconds)
        }
    }

    /// The exposition text.
    func render() -> String {
        var requests: [RequestKey: Int] = [:]
        var latency: [Int: Histogram] = [:]
        for loop in loops {
            loop.counters.withLock { c in
                requests.merge(c.requests, uniquingKeysWith: +)
                for (route, h) in c.latency {
                    var merged = latency[route, default: Histogram()]
                    for i in 0..<merged.buckets.count { merged.buckets[i] += h.buckets[i] }
                    merged.sum += h.sum
                    merged.count += h.count
                    latency[route] = merged
                }
            }
        }
        var out = ""
        out += "# HELP omzien_http_requests_total Requests answered, by route pattern and status.\n"
        out += "# TYPE omzien_http_requests_total counter\n"
        for key in requests.keys.sorted(by: { ($0.route, $0.status) < ($1.route, $1.status) }) {
            out += "omzien_http_requests_total{route=\"\(label(key.route))\",status=\"\(key.status)\"} \(requests[key]!)\n"
        }
        out += "# HELP omzien_http_request_duration_seconds Time from the first byte of a request to its response being queued.\n"
        out += "# TYPE omzien_http_request_duration_seconds histogram\n"
        for route in latency.keys.sorted() {
            let h = latency[route]!
            let l = label(route)
            var cumulative = 0
            for (i, bound) in HTTPMetrics.latencyBuckets.enumerated() {
                cumulative += h.buckets[i]
                out += "omzien_http_request_duration_seconds_bucket{route=\"\(l)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            cumulative += h.buckets[HTTPMetrics.latencyBuckets.count]
            out += "omzien_http_request_duration_seconds_bucket{route=\"\(l)\",le=\"+Inf\"} \(cumulative)\n"
            out += "omzien_http_request_duration_seconds_sum{route=\"\(l)\"} \(h.sum)\n"
            out += "omzien_http_request_duration_seconds_count{route=\"\(l)\"} \(h.count)\n"
        }
        out += "# HELP omzien_http_open_connections Connections currently open.\n"
        out += "# TYPE omzien_http_open_connections gauge\n"
        out += "omzien_http_open_connections \(openConnections.load(ordering: .relaxed))\n"
        out += "# HELP omzien_http_requests_in_progress Requests with a worker thread, not answered yet.\n"
        out += "# TYPE omzien_http_requests_in_progress gauge\n"
        out += "omzien_http_requests_in_progress \(requestsInProgress.load(ordering: .relaxed))\n"
        out += "# HELP omzien_http_connections_total Connections accepted.\n"
        out += "# TYPE omzien_http_connections_total counter\n"
        out += "omzien_http_connections_total \(acceptedConnections.load(ordering: .relaxed))\n"
        out += "# HELP omzien_http_rejected_connections_total Connections refused because of the connection limit.\n"
        out += "# TYPE omzien_http_rejected_connections_total counter\n"
        out += "omzien_http_rejected_connections_total \(rejectedConnections.load(ordering: .relaxed))\n"
        out += "# HELP omzien_http_received_bytes_total Bytes read from clients.\n"
        out += "# TYPE omzien_http_received_bytes_total counter\n"
        out += "omzien_http_received_bytes_total \(bytesIn.load(ordering: .relaxed))\n"
        out += "# HELP omzien_http_sent_bytes_total Bytes written to clients.\n"
        out += "# TYPE omzien_http_sent_bytes_total counter\n"
        out += "omzien_http_sent_bytes_total \(bytesOut.load(ordering: .relaxed))\n"
        return out
    }

    /// Label values escape backslash, double quote and newline (exposition format).
    private func label(_ route: Int) -> String {
        var s = ""
        for c in routeLabels[route] {
            switch c {
            case "\\": s += "\\\\"
            case "\"": s += "\\\""
            case "\n": s += "\\n"
            default: s.append(c)
            }
        }
        return s
    }
}
