import Foundation
import OmzienModel
import OmzienCompression

/// Session logs (Protocol/SESSION-LOG.md): gzip-compressed JSON lines, flushed per line.
public enum SessionLog {
    public static let format = "omzien-session-log"
    public static let version = 1

    /// R-LOG-6: the member that marks a body left out of the log:
    /// `{"omzien-capped":{"bytes":N,"sha256":"…"}}`.
    public static let cappedMarker = "omzien-capped"
    /// The default cap on a recorded body of an authenticated request or its answer
    /// (`serve --record-max-body`): the largest request the server accepts, so that every
    /// accepted request replays; larger answers (big snapshots) are capped.
    public static let defaultMaxBodyBytes = Limits.maxRequestBytes
    /// The cap on a recorded body of an unauthenticated request or its answer: enough for an
    /// enrollment, never a stranger's upload.
    public static let maxUnauthenticatedBodyBytes = 1024

    /// `body` as it goes into a log: itself when at most `limit` bytes, else the marker with
    /// its length and SHA-256 (so two logs can still tell whether they saw the same bytes).
    public static func capped(_ body: [UInt8]?, limit: Int) -> [UInt8]? {
        guard let body, body.count > limit else { return body }
        return Array(#"{"\#(cappedMarker)":{"bytes":\#(body.count),"sha256":"\#(SHA256.hash(body).hex)"}}"#.utf8)
    }

    public static func isCapped(_ body: [UInt8]) -> Bool {
        body.starts(with: Array(#"{"\#(cappedMarker)":"#.utf8))
    }

    public struct Header: Codable, Sendable, Equatable {
        public var format: String
        public var version: Int
        public var recorder: String
        public var replica: String
        public var startedAt: UInt64
        public var redacted: Bool
        public init(recorder: String, replica: String, startedAt: UInt64, redacted: Bool = false) {
            format = SessionLog.format
            version = SessionLog.version
            self.recorder = recorder
            self.replica = replica
            self.startedAt = startedAt
            self.redacted = redacted
        }
    }

    /// One exchange. `request` and `response` are the bodies' JSON text (nil: no body).
    public struct Exchange: Sendable, Equatable {
        public var step: Int
        public var at: UInt64
        public var durationMs: Double
        public var principal: String
        public var store: String?
        public var method: String
        public var path: String
        public var query: String?
        public var request: [UInt8]?
        public var status: Int
        public var response: [UInt8]?
        public var bytesIn: Int
        public var bytesOut: Int
        public var digestBefore: String?
        public var digestAfter: String?
        /// Device logs: the recording replica's own state digest after the exchange.
        public var replicaDigest: String?
        /// A bearer token was sent and refused (revoked, expired, unknown); `principal` then
        /// names whom it belonged to, if anyone (R-LOG-7).
        public var authRefused = false
        /// The request body was capped when recorded (R-LOG-6): not in the log.
        public var requestCapped: Bool { request.map(SessionLog.isCapped) ?? false }

        public init(step: Int, at: UInt64, durationMs: Double, principal: String, store: String?, method: String, path: String, query: String?,
                    request: [UInt8]?, status: Int, response: [UInt8]?, bytesIn: Int, bytesOut: Int, digestBefore: String?, digestAfter: String?) {
            self.step = step
            self.at = at
            self.durationMs = durationMs
            self.principal = principal
            self.store = store
            self.method = method
            self.path = path
            self.query = query
            self.request = request
            self.status = status
            self.response = response
            self.bytesIn = bytesIn
            self.bytesOut = bytesOut
            self.digestBefore = digestBefore
            self.digestAfter = digestAfter
        }

        public static func == (a: Exchange, b: Exchange) -> Bool {
            a.step == b.step && a.at == b.at && a.principal == b.principal && a.method == b.method && a.path == b.path && a.status == b.status
                && a.digestBefore == b.digestBefore && a.digestAfter == b.digestAfter
        }

        /// Every field but the bodies (written as the line's `meta` object).
        var meta: [String: Any] {
            var o: [String: Any] = ["step": step, "at": at, "durationMs": durationMs, "principal": principal, "method": method, "path": path,
                                    "status": status, "bytesIn": bytesIn, "bytesOut": bytesOut]
            if let store { o["store"] = store }
            if let query { o["query"] = query }
            if let digestBefore { o["digestBefore"] = digestBefore }
            if let digestAfter { o["digestAfter"] = digestAfter }
            if let replicaDigest { o["replicaDigest"] = replicaDigest }
            if authRefused { o["authRefused"] = true }
            return o
        }

        /// A body as it is embedded in a line: its JSON text when it is valid JSON, else a JSON
        /// string holding it; `null` for no body.
        static func embed(_ body: [UInt8]?) -> [UInt8] {
            guard let body, !body.isEmpty else { return Array("null".utf8) }
            if (try? JSONDocument(body)) != nil { return body }
            return (try? JSONSerialization.data(withJSONObject: String(decoding: body, as: UTF8.self), options: [.fragmentsAllowed])).map { Array($0) } ?? Array("null".utf8)
        }

        init(json o: [String: Any], line: Int) throws {
            func need<T>(_ key: String, _ type: T.Type) throws -> T {
                guard let v = o[key] as? T else { throw SessionLogError.malformed(line: line, reason: "'\(key)' is missing or of the wrong type") }
                return v
            }
            self.init(step: try need("step", Int.self), at: UInt64(try need("at", Int64.self)), durationMs: (o["durationMs"] as? Double) ?? 0,
                      principal: try need("principal", String.self), store: o["store"] as? String, method: try need("method", String.self),
                      path: try need("path", String.self), query: o["query"] as? String,
                      request: nil, status: try need("status", Int.self),
                      response: nil,
                      bytesIn: (o["bytesIn"] as? Int) ?? 0, bytesOut: (o["bytesOut"] as? Int) ?? 0,
                      digestBefore: o["digestBefore"] as? String, digestAfter: o["digestAfter"] as? String)
            replicaDigest = o["replicaDigest"] as? String
            authRefused = (o["authRefused"] as? Bool) ?? false
        }
    }
}

public enum SessionLogError: Error, CustomStringConvertible, Equatable {
    case notALog(String)
    case unsupportedVersion(Int)
    case truncated(line: Int, byteOffset: Int)
    case corrupt(byteOffset: Int, reason: String)
    case malformed(line: Int, reason: String)
    case outOfSequence(line: Int, expected: Int, got: Int)
    /// The file cannot be read or created (missing, no permission, disk full): an I/O
    /// error, not bad data.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .notALog(why): "not an Omzien session log: \(why)"
        case let .unsupportedVersion(v): "session log version \(v) is newer than this build reads (\(SessionLog.version)); upgrade omzien"
        case let .truncated(line, offset): "the log is cut off after line \(line) (compressed byte \(offset)): the lines before it are intact"
        case let .corrupt(offset, why): "the log's compressed data is damaged near byte \(offset): \(why)"
        case let .malformed(line, why): "line \(line) is malformed: \(why)"
        case let .outOfSequence(line, expected, got): "line \(line) has step \(got) where step \(expected) was expected (a line is missing or moved)"
        case let .io(path, why): "'\(path)': \(why)"
        }
    }
}

/// Appends exchanges to a session log, flushing after each (R-LOG-1). Not Sendable: the
/// server serializes its writes behind a lock.
public final class SessionLogWriter {
    private let handle: FileHandle
    private var deflater: Deflater
    private var step = 0
    public let path: String
    /// Compressed bytes written so far (for rotation by size).
    public private(set) var bytesWritten = 0

    public init(path: String, header: SessionLog.Header) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw SessionLogError.io(path: path, reason: "cannot create it: " + String(cString: strerror(errno)))
        }
        self.handle = handle
        self.path = path
        deflater = try Deflater(format: .gzip)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try writeLine(Array(try e.encode(header)))
    }

    private func writeLine(_ bytes: [UInt8]) throws {
        var out = try deflater.write(bytes + [0x0A])
        out += try deflater.flush()
        bytesWritten += out.count
        handle.write(Data(out))
    }

    /// Appends one exchange; its `step` is assigned here (1, 2, 3…). The line is
    /// `{"meta":{…,"requestLength":n,"responseLength":m},"request":BODY,"response":BODY}` with
    /// the bodies' JSON text as recorded (Protocol/SESSION-LOG.md, R-LOG-3).
    public func append(_ exchange: SessionLog.Exchange) throws {
        step += 1
        var e = exchange
        e.step = step
        let request = SessionLog.Exchange.embed(e.request), response = SessionLog.Exchange.embed(e.response)
        var meta = e.meta
        meta["requestLength"] = request.count
        meta["responseLength"] = response.count
        let metaJSON = Array(try JSONSerialization.data(withJSONObject: meta, options: [.withoutEscapingSlashes]))
        try writeLine(Array(#"{"meta":"#.utf8) + metaJSON + Array(#","request":"#.utf8) + request + Array(#","response":"#.utf8) + response + [UInt8(ascii: "}")])
    }

    public func close() throws {
        handle.write(Data(try deflater.finish()))
        try handle.close()
    }
}

/// Reads a session log (R-LOG-2, R-LOG-4).
public enum SessionLogReader {
    /// Reads `{"meta":{…},"request":BODY,"response":BODY}`: the flat meta object is parsed,
    /// the bodies are taken as the byte ranges their lengths in `meta` give (no re-encoding).
    static func parseLine(_ line: [UInt8], number: Int) throws -> SessionLog.Exchange {
        func bad(_ why: String) -> SessionLogError { .malformed(line: number, reason: why) }
        let prefix = Array(#"{"meta":"#.utf8)
        guard line.count > prefix.count, line.starts(with: prefix) else { throw bad("it does not start with {\"meta\":") }
        // The meta object is flat: it ends at the first '}' outside a string.
        var i = prefix.count, inString = false, escaped = false
        while i < line.count {
            let c = line[i]
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "}") {
                break
            }
            i += 1
        }
        guard i < line.count, let meta = (try? JSONSerialization.jsonObject(with: Data(line[prefix.count...i]))) as? [String: Any] else {
            throw bad("its meta object is not JSON")
        }
        guard let requestLength = meta["requestLength"] as? Int, let responseLength = meta["responseLength"] as? Int, requestLength >= 0, responseLength >= 0 else {
            throw bad("its meta object lacks requestLength/responseLength")
        }
        var at = i + 1
        func expect(_ text: String) throws {
            let bytes = Array(text.utf8)
            guard line.count >= at + bytes.count, line[at..<at + bytes.count].elementsEqual(bytes) else { throw bad("expected \(text) at column \(at + 1)") }
            at += bytes.count
        }
        func take(_ n: Int) throws -> [UInt8]? {
            guard line.count >= at + n else { throw bad("a body is shorter than its recorded length") }
            defer { at += n }
            let body = Array(line[at..<at + n])
            return body == Array("null".utf8) ? nil : body
        }
        try expect(#","request":"#)
        let request = try take(requestLength)
        try expect(#","response":"#)
        let response = try take(responseLength)
        try expect("}")
        guard at == line.count else { throw bad("\(line.count - at) bytes after the end of the exchange") }
        var e = try SessionLog.Exchange(json: meta, line: number)
        e.request = request
        e.response = response
        return e
    }

    /// The whole log at `path` (through `SessionLogStream`).
    public static func read(path: String) throws -> (header: SessionLog.Header, exchanges: [SessionLog.Exchange], complete: Bool) {
        let stream = try SessionLogStream(path: path)
        var exchanges: [SessionLog.Exchange] = []
        while let e = try stream.next() { exchanges.append(e) }
        return (stream.header, exchanges, stream.complete)
    }

    /// Line 1: the header, checked for format and version.
    static func parseHeader(_ line: some Collection<UInt8>) throws -> SessionLog.Header {
        let header: SessionLog.Header
        do { header = try JSONDecoder().decode(SessionLog.Header.self, from: Data(line)) } catch {
            throw SessionLogError.notALog("line 1 is not a session-log header")
        }
        guard header.format == SessionLog.format else { throw SessionLogError.notALog("its format is '\(header.format)'") }
        guard header.version <= SessionLog.version else { throw SessionLogError.unsupportedVersion(header.version) }
        return header
    }
}

/// Reads a session log from a file line by line, inflating as it goes: memory stays bounded
/// by the longest line, and a replay can start before the whole log is read. Same checks and
/// errors as `SessionLogReader.read(path:)`; a cut-off log ends early with `complete == false`.
///
/// Not thread-safe: use it from one thread at a time (`@unchecked Sendable` so that it can be
/// handed to a reading thread).
public final class SessionLogStream: @unchecked Sendable {
    public private(set) var header: SessionLog.Header
    /// False once the log turned out to be cut off (its last line or gzip trailer missing).
    public private(set) var complete = true
    /// Compressed bytes read so far, and the file's size: for progress.
    public private(set) var bytesRead = 0
    public let fileSize: Int
    /// The longest line read: two bodies at the recording cap and their meta (R-LOG-6). A
    /// longer line (a damaged file, a gzip bomb) is refused as soon as the inflated text shows
    /// it, so memory stays within a few times this.
    public static let maxLineBytes = 2 * SessionLog.defaultMaxBodyBytes + (1 << 20)

    private let fd: Int32
    private var inflater: Inflater
    private var text: [UInt8] = []
    private var scanned = 0
    private var lineStart = 0
    private var inputEnded = false
    private var lineNumber = 1
    private var step = 0
    /// Inflated bytes since the last newline (bounds a line before it is all in memory).
    private var openLineBytes = 0

    public init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SessionLogError.io(path: path, reason: "cannot read it: " + String(cString: strerror(errno))) }
        var st = stat()
        fileSize = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        do {
            inflater = try Inflater(format: .gzip, maxOutput: Int.max - 1, allowConcatenatedMembers: true)
        } catch {
            close(fd)
            throw error
        }
        // A placeholder until line 1 is read (stored properties must be set before methods run).
        header = SessionLog.Header(recorder: "", replica: "", startedAt: 0)
        do {
            var magic = [UInt8](repeating: 0, count: 2)
            let n = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 2, 0) }
            guard n == 2, magic == [0x1F, 0x8B] else { throw SessionLogError.notALog("it does not start with the gzip magic bytes") }
            guard let first = try nextLine() else {
                throw complete ? SessionLogError.notALog("it is empty") : SessionLogError.truncated(line: 0, byteOffset: bytesRead)
            }
            header = try SessionLogReader.parseHeader(first)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// The next exchange, or nil at the end of the log (check `complete`).
    public func next() throws -> SessionLog.Exchange? {
        guard let line = try nextLine() else {
            if !complete && step == 0 { throw SessionLogError.truncated(line: lineNumber, byteOffset: bytesRead) }
            return nil
        }
        let e = try SessionLogReader.parseLine(line, number: lineNumber)
        guard e.step == step + 1 else { throw SessionLogError.outOfSequence(line: lineNumber, expected: step + 1, got: e.step) }
        step = e.step
        return e
    }

    /// The next complete line (without its newline), numbering it; nil at the end.
    private func nextLine() throws -> [UInt8]? {
        while true {
            if let newline = text[scanned...].firstIndex(of: 0x0A) {
                let line = Array(text[lineStart..<newline])
                lineStart = newline + 1
                scanned = lineStart
                defer { lineNumber += 1 }
                return line
            }
            scanned = text.count
            if inputEnded {
                if lineStart < text.count { complete = false }  // a partial last line of a cut-off log
                return nil
            }
            guard text.count - lineStart <= Self.maxLineBytes else {
                throw SessionLogError.malformed(line: lineNumber, reason: "a line is longer than \(Self.maxLineBytes >> 20) MiB (a damaged log, or not one omzien wrote)")
            }
            // Drop consumed text before reading more.
            if lineStart > 0 {
                text.removeFirst(lineStart)
                scanned -= lineStart
                lineStart = 0
            }
            try readMore()
        }
    }

    private func readMore() throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var n: Int
        repeat {
            n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        } while n < 0 && errno == EINTR
        guard n >= 0 else { throw SessionLogError.corrupt(byteOffset: bytesRead, reason: "read failed: \(String(cString: strerror(errno)))") }
        do {
            if n == 0 {
                inputEnded = true
                do { try inflater.finish() } catch CompressionError.truncatedInput { complete = false }
                return
            }
            // Fed in slices, so that damage is reported within 16 KiB of where it is.
            var at = 0
            while at < n {
                let end = min(at + 16_384, n)
                bytesRead += end - at
                let inflated = try inflater.feed(Array(chunk[at..<end]))
                if let newline = inflated.lastIndex(of: 0x0A) {
                    openLineBytes = inflated.count - newline - 1
                } else {
                    openLineBytes += inflated.count
                }
                guard openLineBytes <= Self.maxLineBytes else {
                    throw SessionLogError.malformed(line: lineNumber, reason: "a line is longer than \(Self.maxLineBytes >> 20) MiB (a damaged log, or not one omzien wrote)")
                }
                text += inflated
                at = end
            }
        } catch let e as CompressionError {
            throw SessionLogError.corrupt(byteOffset: bytesRead, reason: e.description)
        }
    }
}
