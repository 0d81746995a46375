import Foundation
import OmzienProtocol
import OmzienStore

/// Records a device's side of its sync sessions (Protocol/SESSION-LOG.md): every request and
/// answer through the inner transport, as the server would record them, so `omzien replay`
/// treats both logs alike. The device's own state digest when each answer arrives (before
/// the device applies it) goes in `replicaDigest`; it differs from the server's view while
/// operations are unsent, so it is informational and replay does not compare it.
///
/// Bodies are pseudonymised by default (Protocol/PRIVACY.md R-PRIV-3, SESSION-LOG.md R-LOG-5),
/// as the server records them: every note, contact, decline reason, comment and author becomes
/// `redacted-` + 12 hex digits of HMAC-SHA-256 under the device's recording key (32 random
/// bytes kept in the device's database, `recordingKey(of:)`: never in the log), the header says
/// `redacted`, and the digests (of the plain texts) are left out. A log copied off the tablet
/// thus holds no text, and without the database its pseudonyms cannot be brute-forced. Plain
/// bodies only with `pseudonymKey: nil` (`device sync --record-plain`, which warns).
///
/// `@unchecked Sendable`: the writer and the redactor are used only under `lock`.
public final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    let inner: any HTTPTransport
    let writer: SessionLogWriter
    let principal: String
    let storeID: String
    let digest: () -> String?
    private let lock = NSLock()
    private var closed = false
    private var redactor: SessionRedactor?

    /// `pseudonymKey`: the key of the pseudonyms, nil for plain bodies.
    public init(inner: any HTTPTransport, directory: String, replica: String, store: String, pseudonymKey: [UInt8]?,
                digest: @escaping () -> String?) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let started = UInt64(Date().timeIntervalSince1970 * 1000)
        let path = (directory as NSString).appendingPathComponent("device-\(replica)-\(started).jsonl.gz")
        var header = SessionLog.Header(recorder: "device", replica: replica, startedAt: started)
        header.redacted = pseudonymKey != nil
        writer = try SessionLogWriter(path: path, header: header)
        redactor = pseudonymKey.map { SessionRedactor(key: $0) }
        self.inner = inner
        principal = "device:" + replica
        storeID = store
        self.digest = digest
    }

    /// The device's key for pseudonyms in its recordings: created at first use (32 random
    /// bytes), kept in its database beside the texts it stands for, gone with a wipe.
    public static func recordingKey(of store: ReplicaStore) throws -> [UInt8] {
        if let hex = try store.setting(keySetting), let key = Self.bytes(hex: hex), key.count == 32 { return key }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try store.setSetting(keySetting, key.map { String(format: "%02x", $0) }.joined())
        return key
    }

    static let keySetting = "recording-key"

    static func bytes(hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        return stride(from: 0, to: chars.count, by: 2).map { i -> UInt8? in UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) }
            .reduce(into: [UInt8]?([])) { out, b in if let b { out?.append(b) } else { out = nil } }
    }

    /// Writes `exchange`, pseudonymised unless plain. A body the redactor cannot parse is
    /// written without its body (never in the clear). Call under `lock`.
    private func write(_ exchange: SessionLog.Exchange) throws {
        guard var r = redactor else { return try writer.append(exchange) }
        var clean: SessionLog.Exchange
        if let redacted = try? r.redact(exchange) { clean = redacted } else {
            clean = exchange
            clean.request = nil
            clean.response = nil
            clean.replicaDigest = nil
        }
        redactor = r
        try writer.append(clean)
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
        try? write(exchange)
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
        try write(exchange)
    }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        try? writer.close()
    }
}
