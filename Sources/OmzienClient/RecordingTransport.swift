import Foundation
import OmzienProtocol
import OmzienStore

/// Records a device's side of its sync sessions (Protocol/SESSION-LOG.md): every request and
/// answer through the inner transport, as the server would record them, so `omzien replay`
/// treats both logs alike. The device's own state digest when each answer arrives (before
/// the device applies it) goes in `replicaDigest`; it differs from the server's view while
/// operations are unsent, so it is informational and replay does not compare it.
///
/// `@unchecked Sendable`: the writer is used only under `lock`.
public final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    let inner: any HTTPTransport
    let writer: SessionLogWriter
    let principal: String
    let storeID: String
    let digest: () -> String?
    private let lock = NSLock()
    private var closed = false

    public init(inner: any HTTPTransport, directory: String, replica: String, store: String, digest: @escaping () -> String?) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let started = UInt64(Date().timeIntervalSince1970 * 1000)
        let path = (directory as NSString).appendingPathComponent("device-\(replica)-\(started).jsonl.gz")
        writer = try SessionLogWriter(path: path, header: SessionLog.Header(recorder: "device", replica: replica, startedAt: started))
        self.inner = inner
        principal = "device:" + replica
        storeID = store
        self.digest = digest
    }

    public var path: String { writer.path }

    public func send(method: String, url: URL, headers: [String: String], body: Data?) throws -> (status: Int, body: Data) {
        let at = UInt64(Date().timeIntervalSince1970 * 1000)
        let t0 = DispatchTime.now()
        let answer = try inner.send(method: method, url: url, headers: headers, body: body)
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var exchange = SessionLog.Exchange(step: 0, at: at, durationMs: ms, principal: principal, store: storeID, method: method,
                                           path: components?.path ?? url.path, query: components?.percentEncodedQuery,
                                           request: body.map { Array($0) }, status: answer.status, response: Array(answer.body),
                                           bytesIn: body?.count ?? 0, bytesOut: answer.body.count, digestBefore: nil, digestAfter: nil)
        lock.lock()
        defer { lock.unlock() }
        exchange.replicaDigest = digest()
        try? writer.append(exchange)
        return answer
    }

    /// A step of the device's own (R-LOG-8): `LOCAL /local/state` or `LOCAL /local/end`.
    func recordLocal(_ path: String, body: [UInt8]?, digest: String) throws {
        var exchange = SessionLog.Exchange(step: 0, at: UInt64(Date().timeIntervalSince1970 * 1000), durationMs: 0, principal: principal, store: storeID,
                                           method: DeviceLogState.method, path: path, query: nil, request: nil, status: 200, response: body,
                                           bytesIn: 0, bytesOut: 0, digestBefore: nil, digestAfter: nil)
        exchange.replicaDigest = digest
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        try writer.append(exchange)
    }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        try? writer.close()
    }
}
