import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A browser-like client for the web pages in tests: keeps cookies itself (so a test sees
/// every `Set-Cookie` and its attributes), never follows redirects (so a test sees the 303),
/// posts `application/x-www-form-urlencoded` forms.
final class WebClient: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    struct Answer {
        let status: Int
        let headers: [String: String]
        let setCookies: [String]
        let body: String
        var location: String? { headers["location"] }
    }

    let base: URL
    private(set) var cookies: [String: String] = [:]
    private var session: URLSession!

    init(base: URL) {
        self.base = base
        super.init()
        let c = URLSessionConfiguration.ephemeral
        c.httpShouldSetCookies = false
        c.httpCookieAcceptPolicy = .never
        session = URLSession(configuration: c, delegate: self, delegateQueue: nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func setCookie(_ name: String, _ value: String?) { cookies[name] = value }

    func get(_ path: String) throws -> Answer { try send("GET", path, body: nil) }

    func post(_ path: String, _ fields: [(String, String)]) throws -> Answer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return try send("POST", path, body: Data(body.utf8))
    }

    func send(_ method: String, _ path: String, body: Data?) throws -> Answer {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type") }
        if !cookies.isEmpty { request.setValue(cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; "), forHTTPHeaderField: "Cookie") }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Data?, URLResponse?, (any Error)?)
        session.dataTask(with: request) { d, r, e in result = (d, r, e); done.signal() }.resume()
        done.wait()
        if let e = result.2 { throw e }
        let http = result.1 as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
        // Foundation joins several Set-Cookie headers with ", "; a cookie value never holds one here.
        let setCookies = headers["set-cookie"].map { $0.components(separatedBy: ", ").filter { $0.contains("=") } } ?? []
        for c in setCookies {
            let first = c.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(first[0]), value = first.count > 1 ? String(first[1]) : ""
            if c.contains("Max-Age=0") || value.isEmpty { cookies[name] = nil } else { cookies[name] = value }
        }
        return Answer(status: http.statusCode, headers: headers, setCookies: setCookies, body: String(decoding: result.0 ?? Data(), as: UTF8.self))
    }

    /// The value of hidden field `csrf` in a page.
    static func csrf(in page: String) -> String? {
        guard let r = page.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
        let s = page[r]
        return s.split(separator: "\"").dropFirst(3).first.map(String.init)
    }

    /// Logs in through the login page like a browser; the answer to the POST.
    @discardableResult
    func login(_ name: String, _ password: String) throws -> Answer {
        let page = try get("/web/login")
        return try post("/web/login", [("csrf", Self.csrf(in: page.body) ?? ""), ("name", name), ("password", password)])
    }
}
