import Foundation
import OmzienHTTP
import OmzienModel
import OmzienProtocol

/// Records every request and answer of the sync API to a session log
/// (Protocol/SESSION-LOG.md), with the device's store digest before and after. A debugging
/// aid switched on by `omzien serve --record DIR`: it computes two digests per device request.
///
/// `@unchecked Sendable`: the writer is used only under `lock`.
public final class SessionRecorder: @unchecked Sendable {
    private let writer: SessionLogWriter
    private let lock = NSLock()
    public var path: String { writer.path }

    public init(directory: String, startedAt: UInt64) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("server-\(startedAt).jsonl.gz")
        writer = try SessionLogWriter(path: path, header: SessionLog.Header(recorder: "server", replica: SyncService.serverReplica.rawValue, startedAt: startedAt))
    }

    func append(_ exchange: SessionLog.Exchange) {
        lock.lock()
        defer { lock.unlock() }
        try? writer.append(exchange)
    }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        try? writer.close()
    }

    /// Secrets never go into a log: top-level `token` and `code` fields are replaced.
    static func withoutSecrets(_ body: [UInt8]) -> [UInt8]? {
        guard !body.isEmpty else { return nil }
        guard var o = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return body }
        var changed = false
        for key in ["token", "code"] where o[key] != nil {
            o[key] = "<secret>"
            changed = true
        }
        guard changed, let data = try? JSONSerialization.data(withJSONObject: o, options: [.withoutEscapingSlashes]) else { return body }
        return Array(data)
    }

    /// Wraps a handler: runs it and records the exchange.
    func record(_ service: SyncService, _ req: HTTPRequest, _ handler: () throws -> HTTPResponse) rethrows -> HTTPResponse {
        let at = service.now
        let principal = try? service.authenticate(authorization: req.headers["Authorization"])
        var name = "anonymous", store: String?
        switch principal {
        case .admin?: name = "admin"
        case let .device(replica, s)?: name = "device:\(replica)"; store = s
        case let .partner(id, _, _)?: name = "partner:\(id)"
        case .headOffice?: name = "headoffice"
        case nil: break
        }
        let before = store.flatMap { try? service.digest(store: $0).hex }
        let t0 = DispatchTime.now()
        let response = try handler()
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6
        let after = store.flatMap { try? service.digest(store: $0).hex }
        append(SessionLog.Exchange(step: 0, at: at, durationMs: ms, principal: name, store: store, method: req.method.rawValue, path: req.path,
                                   query: req.query, request: Self.withoutSecrets(req.body), status: response.status.code,
                                   response: Self.withoutSecrets(response.body), bytesIn: req.body.count, bytesOut: response.body.count,
                                   digestBefore: before, digestAfter: after))
        return response
    }
}
