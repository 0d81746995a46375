#if canImport(Glibc)
import Glibc
#endif

/// One request, as written to the log: the fields of the structured log line.
public struct RequestLogEntry: Sendable {
    /// Wall-clock time the response was queued, seconds since 1970.
    public var timestamp: Double
    public var requestID: String
    public var method: String
    /// The path without the query (queries may hold secrets), truncated to 512 bytes.
    public var path: String
    /// The route pattern that handled it, or `-` when none did.
    public var route: String
    public var status: Int
    /// From the first byte of the request to the response being queued.
    public var durationSeconds: Double
    /// Bytes of the request as received (head and framed body).
    public var bytesIn: Int
    /// Bytes of the response as queued (head and body).
    public var bytesOut: Int
    public var remoteAddress: String
    /// For 5xx answers to thrown errors, and for rejected requests: why. Never sent to clients.
    public var error: String?

    /// The log line: one JSON object, keys in a fixed order, no newline.
    public var jsonLine: String {
        var o = JSONText.Object()
        o.add("ts", RequestLogEntry.rfc3339(timestamp))
        o.add("id", requestID)
        o.add("method", method)
        o.add("path", path)
        o.add("route", route)
        o.add("status", status)
        o.add("duration_ms", raw: RequestLogEntry.milliseconds(durationSeconds))
        o.add("bytes_in", bytesIn)
        o.add("bytes_out", bytesOut)
        o.add("remote", remoteAddress)
        if let error { o.add("error", error) }
        return o.finish()
    }

    static func milliseconds(_ seconds: Double) -> String {
        let micros = Int((seconds * 1_000_000).rounded())
        let whole = micros / 1000, frac = micros % 1000
        let f = String(frac)
        return "\(whole).\(String(repeating: "0", count: 3 - f.count))\(f)"
    }

    static func rfc3339(_ t: Double) -> String {
        var seconds = time_t(t)
        let millis = Int((t - Double(seconds)) * 1000)
        var tm = tm()
        gmtime_r(&seconds, &tm)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}

/// Where request log entries go. Called on the thread that completed the request (an event
/// loop), so a sink must be quick and thread-safe.
public struct RequestLogSink: Sendable {
    public let write: @Sendable (RequestLogEntry) -> Void

    public init(_ write: @escaping @Sendable (RequestLogEntry) -> Void) {
        self.write = write
    }

    /// One JSON line per request on standard error, written with a single write(2) so that
    /// lines from different threads never interleave (lines stay under PIPE_BUF).
    public static let standardError = RequestLogSink { entry in
        var line = entry.jsonLine
        line.append("\n")
        line.withUTF8 { buf in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(2, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// Wall-clock seconds since 1970.
func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
