import Foundation
import OmzienHTTP
import OmzienModel
import OmzienProtocol

/// Records every request and answer of the sync API to a session log
/// (Protocol/SESSION-LOG.md), with the device's store digest before and after. A debugging
/// aid switched on by `omzien serve --record DIR`: it computes two digests per device request.
///
/// Bounded (R-LOG-6): a body over `Options.maxBodyBytes` is replaced by a marker with its
/// length and SHA-256; a body of a request that did not authenticate (and its answer) is kept
/// only up to `SessionLog.maxUnauthenticatedBodyBytes`; the log is rotated to a new file once
/// it holds `maxFileBytes` or is `maxAgeSeconds` old, and only the newest `keepFiles` of this
/// recorder's files stay.
///
/// `@unchecked Sendable`: the writer and the file list are used only under `lock`.
public final class SessionRecorder: @unchecked Sendable {
    public struct Options: Sendable {
        public var maxBodyBytes = SessionLog.defaultMaxBodyBytes
        /// Rotate once the current file holds this many compressed bytes (nil: never).
        public var maxFileBytes: Int? = 64 << 20
        /// Rotate once the current file is this old (nil: never).
        public var maxAgeSeconds: Double? = 86_400
        /// Keep at most this many files of this run, deleting the oldest (nil: all).
        public var keepFiles: Int? = nil
        /// Pseudonymise as it records (R-PRIV-3): every note, contact, decline reason,
        /// comment, case note and author becomes its HMAC pseudonym under this key (as
        /// `omzien redact` does), and the log says `redacted`. nil: plain bodies.
        public var pseudonymKey: [UInt8]? = nil
        /// Delete session logs in the directory (of this run and earlier ones) once they are
        /// older than this many seconds, at start and at every rotation (nil: never).
        public var retentionSeconds: Double? = nil
        public init() {}
    }

    private var writer: SessionLogWriter
    private var openedAt: Date
    private var files: [String] = []
    private let directory: String
    public let options: Options
    private let lock = NSLock()
    private var redactor: SessionRedactor?
    /// The file being written now.
    public var path: String { lock.withLock { writer.path } }
    /// Every file this recorder wrote, oldest first (rotation), that still exists.
    public var paths: [String] { lock.withLock { files } }

    public init(directory: String, startedAt: UInt64, options: Options = .init()) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.options = options
        redactor = options.pseudonymKey.map { SessionRedactor(key: $0) }
        Self.deleteExpired(in: directory, olderThan: options.retentionSeconds)
        writer = try Self.open(directory: directory, startedAt: startedAt, redacted: options.pseudonymKey != nil)
        openedAt = Date()
        files = [writer.path]
    }

    /// Recording retention (R-PRIV-3): session logs older than `age` seconds go.
    static func deleteExpired(in directory: String, olderThan age: Double?) {
        guard let age, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        let cutoff = Date().addingTimeInterval(-age)
        for name in names where name.hasSuffix(".jsonl.gz") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < cutoff else { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    private static func open(directory: String, startedAt: UInt64, redacted: Bool) throws -> SessionLogWriter {
        var path = (directory as NSString).appendingPathComponent("server-\(startedAt).jsonl.gz")
        var n = 1
        while FileManager.default.fileExists(atPath: path) {
            n += 1
            path = (directory as NSString).appendingPathComponent("server-\(startedAt)-\(n).jsonl.gz")
        }
        return try SessionLogWriter(path: path, header: SessionLog.Header(recorder: "server", replica: SyncService.serverReplica.rawValue, startedAt: startedAt,
                                                                          redacted: redacted))
    }

    func append(_ exchange: SessionLog.Exchange) {
        lock.lock()
        defer { lock.unlock() }
        if (options.maxFileBytes.map { writer.bytesWritten >= $0 } ?? false) || (options.maxAgeSeconds.map { Date().timeIntervalSince(openedAt) >= $0 } ?? false),
           let next = try? Self.open(directory: directory, startedAt: exchange.at, redacted: redactor != nil) {
            try? writer.close()
            Self.deleteExpired(in: directory, olderThan: options.retentionSeconds)
            writer = next
            openedAt = Date()
            files.append(next.path)
            if let keep = options.keepFiles, files.count > keep {
                for old in files.prefix(files.count - keep) { try? FileManager.default.removeItem(atPath: old) }
                files.removeFirst(files.count - keep)
            }
        }
        if var redactor {
            // A body the redactor cannot parse (only a client that breaks the protocol sends
            // one) is recorded as it came; PRIVACY.md R-PRIV-3 says so.
            let clean = (try? redactor.redact(exchange)) ?? exchange
            self.redactor = redactor
            try? writer.append(clean)
        } else {
            try? writer.append(exchange)
        }
    }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        try? writer.close()
    }

    /// The fingerprint a log holds instead of an enrollment code (R-LOG-7): 12 hex digits of
    /// SHA-256 over a domain string and the normalized code, so that a replay can tell which
    /// enrollment used which code without the log holding it.
    static func fingerprint(code: String) -> String {
        "<secret:" + String(SHA256.hash("omzien-log-code:" + Tokens.normalizeCode(code)).hex.prefix(12)) + ">"
    }

    /// Secrets never go into a log: top-level `token` fields are replaced by `"<secret>"`,
    /// `code` fields by their fingerprint.
    static func withoutSecrets(_ body: [UInt8]) -> [UInt8]? {
        guard !body.isEmpty else { return nil }
        guard var o = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return body }
        var changed = false
        if o["token"] != nil {
            o["token"] = "<secret>"
            changed = true
        }
        if let code = o["code"] {
            o["code"] = (code as? String).map(fingerprint(code:)) ?? "<secret>"
            changed = true
        }
        guard changed, let data = try? JSONSerialization.data(withJSONObject: o, options: [.withoutEscapingSlashes]) else { return body }
        return Array(data)
    }

    /// Wraps a handler: runs it and records the exchange.
    func record(_ service: SyncService, _ req: HTTPRequest, _ handler: () throws -> HTTPResponse) rethrows -> HTTPResponse {
        let at = service.configuration.now()
        let authorization = req.headers["Authorization"]
        let principal = authorization == nil ? nil : try? service.authenticate(authorization: authorization)
        var name = "anonymous", store: String?
        switch principal {
        case .admin?: name = "admin"
        case let .device(replica, s)?: name = "device:\(replica)"; store = s
        case let .partner(id, _, _)?: name = "partner:\(id)"
        case .headOffice?: name = "headoffice"
        case let .person(p)?: name = "person:" + p.account
        case nil: if let refused = service.principalName(ofRefused: authorization) { name = refused }
        }
        let before = store.flatMap { try? service.digest(store: $0).hex }
        let t0 = DispatchTime.now()
        let response = try RequestClock.$pinned.withValue(at) { try handler() }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6
        let after = store.flatMap { try? service.digest(store: $0).hex }
        // A stranger's bytes are never kept in full; anyone's only up to the cap (R-LOG-6).
        let limit = principal == nil ? SessionLog.maxUnauthenticatedBodyBytes : options.maxBodyBytes
        var exchange = SessionLog.Exchange(step: 0, at: at, durationMs: ms, principal: name, store: store, method: req.method.rawValue, path: req.path,
                                           query: req.query.map { String($0.prefix(limit)) },
                                           request: SessionLog.capped(req.body.count > limit ? req.body : Self.withoutSecrets(req.body), limit: limit),
                                           status: response.status.code,
                                           response: SessionLog.capped(response.body.count > limit ? response.body : Self.withoutSecrets(response.body), limit: limit),
                                           bytesIn: req.body.count, bytesOut: response.body.count,
                                           digestBefore: before, digestAfter: after)
        exchange.authRefused = authorization != nil && principal == nil
        append(exchange)
        return response
    }
}
