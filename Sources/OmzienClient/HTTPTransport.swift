import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OmzienProtocol

/// Sends one request and returns (status, body). The seam that tests use to drop answers
/// and inject failures; the real one is `URLSessionTransport`.
public protocol HTTPTransport: Sendable {
    func send(method: String, url: URL, headers: [String: String], body: Data?) throws -> (status: Int, body: Data)
}

/// Errors of the client, with what a person should do about them.
public enum ClientError: Error, CustomStringConvertible, Equatable {
    /// The server could not be reached (after retries): the device works on offline.
    case offline(String)
    /// The server answered with a problem.
    case problem(Problem)
    /// The answer could not be read.
    case badResponse(String)
    /// This device is not enrolled (no token in its replica).
    case notEnrolled
    /// Enrolling cannot go on as asked (the file is enrolled already, or was begun for
    /// another device); the text says what to do.
    case enrollment(String)

    public var description: String {
        switch self {
        // Neutral: what it means for the person's data depends on the command (R-DEV-24).
        case let .offline(why): "the server is unreachable (\(why))"
        case let .problem(p): "the server answered \(p.status) \(p.title)" + (p.detail.map { ": \($0)" } ?? "")
        case let .badResponse(why): "the server's answer could not be read: \(why)"
        case let .enrollment(why): why
        case .notEnrolled: "this device is not enrolled; run 'omzien device enroll --server URL --code CODE' first"
        }
    }
}

/// URLSession, synchronously (the CLI and the tests are synchronous), with a timeout. One
/// session per transport, so connections are kept alive between requests.
public final class URLSessionTransport: HTTPTransport {
    let session: URLSession
    let timeout: TimeInterval

    public init(timeout: TimeInterval = 30) {
        self.timeout = timeout
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = timeout
        config.httpMaximumConnectionsPerHost = 4
        session = URLSession(configuration: config)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(method: String, url: URL, headers: [String: String], body: Data?) throws -> (status: Int, body: Data) {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = body
        final class Box: @unchecked Sendable { var result: Result<(Int, Data), any Error>? }  // written once before the semaphore signals
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                box.result = .failure(ClientError.offline(error.localizedDescription))
            } else if let http = response as? HTTPURLResponse {
                box.result = .success((http.statusCode, data ?? Data()))
            } else {
                box.result = .failure(ClientError.badResponse("not an HTTP response"))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        let (status, data) = try box.result!.get()
        return (status, data)
    }
}
