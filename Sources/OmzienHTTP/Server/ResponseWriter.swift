#if canImport(Glibc)
import Glibc
#endif

/// Serializes response heads (RFC 9112 §4, §6) into a connection's output buffer.
enum ResponseWriter {
    enum ConnectionField {
        case none
        case close
        case keepAlive
    }

    /// Appends the status line, the server's fields, the handler's fields and the empty line.
    /// `bodyLength` is the Content-Length to announce (also for HEAD); nil for statuses that
    /// have no content (1xx, 204, 304: RFC 9110 §8.6 forbids Content-Length on 1xx and 204).
    static func appendHead(
        to out: inout [UInt8], status: HTTPStatus, headers: HTTPHeaders, bodyLength: Int?,
        requestID: String, connection: ConnectionField, date: [UInt8], serverName: String?
    ) {
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &out)
        out.append(ASCII.space)
        out.append(contentsOf: status.reasonPhrase.utf8)
        out.append(contentsOf: "\r\nDate: ".utf8)
        out.append(contentsOf: date)
        if let serverName {
            out.append(contentsOf: "\r\nServer: ".utf8)
            out.append(contentsOf: serverName.utf8)
        }
        if let bodyLength {
            out.append(contentsOf: "\r\nContent-Length: ".utf8)
            appendDecimal(bodyLength, to: &out)
        }
        out.append(contentsOf: "\r\nX-Request-Id: ".utf8)
        out.append(contentsOf: requestID.utf8)
        switch connection {
        case .none: break
        case .close: out.append(contentsOf: "\r\nConnection: close".utf8)
        case .keepAlive: out.append(contentsOf: "\r\nConnection: keep-alive".utf8)
        }
        for field in headers {
            out.append(contentsOf: "\r\n".utf8)
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
        }
        out.append(contentsOf: "\r\n\r\n".utf8)
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0)
        if value < 10 {
            out.append(UInt8(0x30 + value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { buf in
            while v > 0 {
                buf[19 - count] = UInt8(0x30 + v % 10)
                v /= 10
                count += 1
            }
            out.append(contentsOf: buf[(20 - count)...])
        }
    }

    /// Fields the server owns; handler values for them are dropped.
    static func isServerOwned(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: return HTTPHeaders.namesEqual(name, "date")
        case 10: return HTTPHeaders.namesEqual(name, "connection") || HTTPHeaders.namesEqual(name, "keep-alive")
        case 12: return HTTPHeaders.namesEqual(name, "x-request-id")
        case 14: return HTTPHeaders.namesEqual(name, "content-length")
        case 17: return HTTPHeaders.namesEqual(name, "transfer-encoding")
        default: return false
        }
    }

    /// IMF-fixdate (RFC 9110 §5.6.7) for `seconds` since 1970, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    static func imfFixdate(_ seconds: Int) -> [UInt8] {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let s = "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT"
        return Array(s.utf8)
    }

    /// A complete response for a connection refused at accept time (connection limit): a
    /// problem typed like the server's others (`<typeBase>service-unavailable`, else
    /// `about:blank`), made once per server.
    static func serviceUnavailable(typeBase: String?) -> [UInt8] {
        let type = typeBase.map { $0 + HTTPError.code(for: .serviceUnavailable) } ?? "about:blank"
        let body = "{\"type\":\"\(type)\",\"title\":\"Service Unavailable\",\"status\":503,"
            + "\"detail\":\"Too many connections; try again in a second.\"}"
        let head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
        return Array((head + body).utf8)
    }
}
