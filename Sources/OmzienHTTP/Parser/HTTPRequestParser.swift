/// An incremental HTTP/1.1 request parser (RFC 9112) with no I/O: feed it bytes, get back one
/// event per call.
///
/// ## Contract
/// Call ``parse(_:)`` with the bytes received so far that it has not consumed yet. It returns
/// one ``Event`` and how many bytes of the input it consumed; the caller drops those bytes and
/// calls again with the rest (plus anything newly received). Every byte is either consumed or
/// rejected: the parser copies a partial request head into its own buffer, so the caller never
/// has to keep unconsumed head bytes around. A call with empty input is valid (it returns
/// `.end` right after a bodiless head, otherwise `.needMore`).
///
/// - `.needMore`: all input was consumed and is valid so far; more bytes are needed.
/// - `.head(h)`: the request line and header section are complete and valid.
/// - `.body(range)`: `input[range]` is body data (chunked framing already removed).
/// - `.end`: the message is complete; the parser is ready for the next request (pipelining).
/// - `.error(e)`: the bytes are not a valid request. The parser stays failed; the caller must
///   answer `e.status` and close the connection, because the boundary of the next request is
///   unknown (RFC 9112 §11.2).
///
/// "Need more bytes" and "bad bytes" are never confused: an error is reported at the first byte
/// that makes the request invalid or exceeds a limit, and otherwise the parser waits. Because
/// every decision is made byte by byte (head-level checks happen once the head is complete),
/// the sequence of events does not depend on how the input is split into calls; tests check
/// this by splitting every request at every byte boundary.
///
/// ## What is accepted (deliberately stricter than RFC 9112 allows, never looser)
/// - Request line (§3): `method SP request-target SP HTTP-version CRLF`, single spaces, method a
///   token, target 1+ VCHARs, version `HTTP/1.x` (other majors: 505). No leading empty lines.
/// - Lines end in CRLF only: a bare CR or a bare LF anywhere in the head, in a chunk-size line
///   or in the trailer section is an error (§2.2 allows a lenient LF; we don't).
/// - Field lines (§5): name a token directly followed by `:`, value of field-vchar / SP / HTAB
///   (no control characters), OWS trimmed. obs-fold (§5.2) is rejected.
/// - Framing (§6.3): Transfer-Encoding must be exactly one field line `chunked`, must not come
///   with Content-Length and must not appear in HTTP/1.0; Content-Length must appear once as
///   `1*DIGIT` fitting in 63 bits. Without either, the body is empty.
/// - Chunked (§7.1): `1*HEXDIG [ ";" ext ] CRLF`: no whitespace after the size (§7.1.1 allows
///   BWS before ";", which h11 and others reject; we reject it too, so that all agree),
///   extensions ignored but free of control characters; chunk data followed by CRLF; trailer
///   fields validated like headers and dropped.
public struct HTTPRequestParser: Sendable {
    public enum Event: Sendable, Hashable {
        case needMore
        case head(HTTPRequestHead)
        case body(Range<Int>)
        case end
        case error(HTTPParseError)
    }

    private enum State: Sendable, Hashable {
        // Request line (RFC 9112 §3)
        case requestLineStart
        case method
        case target
        case version
        case requestLineLF
        // Field lines of the header or trailer section (RFC 9112 §5, §7.1.2)
        case fieldLineStart
        case fieldName
        case fieldValue
        case fieldLineLF
        case sectionEndLF
        // Body
        case contentLengthBody(remaining: Int)
        case chunkSizeStart
        case chunkSize
        case chunkExtension
        case chunkSizeLF
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case messageEnd
        case failed(HTTPParseError)
    }

    public let limits: HTTPParserLimits
    private var state: State = .requestLineStart
    /// The bytes of a request head that arrived in more than one call. Empty when a head is
    /// parsed from a single input buffer (the common case).
    private var headBuffer: [UInt8] = []
    /// Bytes of the request line or of the current chunk-size line.
    private var lineBytes = 0
    /// Bytes of the current header or trailer section.
    private var sectionBytes = 0
    /// Field lines in the current header or trailer section.
    private var fieldCount = 0
    /// Position inside "HTTP/d.d" while reading the version.
    private var versionIndex = 0
    private var versionMajor = 0
    private var versionMinor = 0
    private var targetLength = 0
    private var inTrailers = false
    private var chunkSizeValue = 0
    /// Body bytes announced so far (Content-Length or the sum of chunk sizes).
    private var bodyAnnounced = 0

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// True between messages: no byte of a next request has been received. A connection in
    /// this state is idle.
    public var isAtMessageBoundary: Bool {
        state == .requestLineStart
    }

    /// True while the request head is incomplete (at least one byte received).
    public var isReadingHead: Bool {
        switch state {
        case .method, .target, .version, .requestLineLF: return true
        case .fieldLineStart, .fieldName, .fieldValue, .fieldLineLF, .sectionEndLF: return !inTrailers
        default: return false
        }
    }

    private var isInHeadState: Bool {
        state == .requestLineStart || isReadingHead
    }

    /// Parses as much of `input` as needed to produce the next event. See the type's contract.
    public mutating func parse(_ input: UnsafeBufferPointer<UInt8>) -> (event: Event, consumed: Int) {
        let n = input.count
        var i = 0
        let startedInHead = isInHeadState
        while true {
            // States that don't look at single bytes.
            switch state {
            case .failed(let error):
                return (.error(error), 0)
            case .messageEnd:
                resetForNextMessage()
                return (.end, i)
            case .contentLengthBody(let remaining):
                if remaining == 0 {
                    state = .messageEnd
                    continue
                }
                if i == n { return (.needMore, n) }
                let take = min(remaining, n - i)
                state = .contentLengthBody(remaining: remaining - take)
                return (.body(i..<(i + take)), i + take)
            case .chunkData(let remaining):
                if i == n { return (.needMore, n) }
                let take = min(remaining, n - i)
                state = remaining == take ? .chunkDataCR : .chunkData(remaining: remaining - take)
                return (.body(i..<(i + take)), i + take)
            default:
                break
            }

            if i == n {
                if startedInHead && isInHeadState {
                    headBuffer.append(contentsOf: input)
                }
                return (.needMore, n)
            }

            let b = input[i]
            switch state {
            // MARK: Request line, RFC 9112 §3: method SP request-target SP HTTP-version CRLF
            case .requestLineStart:
                if ByteClass.isTChar(b) {
                    lineBytes = 1
                    if lineBytes > limits.maxRequestLineBytes { return fail(.requestLineTooLong) }
                    state = .method
                    i += 1
                } else if b == ASCII.cr || b == ASCII.lf {
                    // RFC 9112 §2.2 lets a server ignore empty lines here; we reject them.
                    return fail(.leadingEmptyLine)
                } else {
                    return fail(.invalidMethod)
                }

            case .method:
                // method = token (RFC 9110 §9.1)
                let start = i
                while i < n && ByteClass.isTChar(input[i]) { i += 1 }
                lineBytes += i - start
                if lineBytes > limits.maxRequestLineBytes { return fail(.requestLineTooLong) }
                if i == n { continue }
                if input[i] == ASCII.space {
                    lineBytes += 1
                    if lineBytes > limits.maxRequestLineBytes { return fail(.requestLineTooLong) }
                    targetLength = 0
                    state = .target
                    i += 1
                } else {
                    return fail(.invalidMethod)
                }

            case .target:
                // request-target (RFC 9112 §3.2): any VCHAR here; the router checks its form.
                let start = i
                while i < n && ByteClass.isVChar(input[i]) { i += 1 }
                lineBytes += i - start
                targetLength += i - start
                if lineBytes > limits.maxRequestLineBytes { return fail(.requestLineTooLong) }
                if i == n { continue }
                let c = input[i]
                if c == ASCII.space && targetLength > 0 {
                    lineBytes += 1
                    if lineBytes > limits.maxRequestLineBytes { return fail(.requestLineTooLong) }
                    versionIndex = 0
                    state = .version
                    i += 1
                } else if (c == ASCII.cr || c == ASCII.lf) && targetLength > 0 {
                    // "GET /" without a version (HTTP/0.9) is not supported.
                    return fail(.invalidHTTPVersion)
                } else {
                    return fail(.invalidRequestTarget)
                }

            case .version:
                // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3)
                if versionIndex == 8 {
                    if b == ASCII.cr {
                        state = .requestLineLF
                        i += 1
                        continue
                    }
                    return fail(b == ASCII.lf ? .bareLF : .invalidHTTPVersion)
                }
                let ok: Bool
                switch versionIndex {
                case 0: ok = b == 0x48  // H
                case 1, 2: ok = b == 0x54  // T
                case 3: ok = b == 0x50  // P
                case 4: ok = b == ASCII.slash
                case 5:
                    ok = ByteClass.isDigit(b)
                    versionMajor = Int(b &- 0x30)
                case 6: ok = b == ASCII.dot
                default:
                    ok = ByteClass.isDigit(b)
                    versionMinor = Int(b &- 0x30)
                }
                guard ok else { return fail(.invalidHTTPVersion) }
                lineBytes += 1
                if lineBytes > limits.maxRequestLineBytes { return fail(.requestLineTooLong) }
                versionIndex += 1
                i += 1

            case .requestLineLF:
                guard b == ASCII.lf else { return fail(.bareCR) }
                // RFC 9110 §2.5: a 1.x recipient handles any higher 1.x minor version as 1.1.
                guard versionMajor == 1 else { return fail(.unsupportedHTTPVersion) }
                sectionBytes = 0
                fieldCount = 0
                state = .fieldLineStart
                i += 1

            // MARK: Field lines, RFC 9112 §5: field-name ":" OWS field-value OWS CRLF
            case .fieldLineStart:
                if b == ASCII.cr {
                    if let e = countSectionBytes(1) { return fail(e) }
                    state = .sectionEndLF
                    i += 1
                } else if ByteClass.isTChar(b) {
                    fieldCount += 1
                    if fieldCount > limits.maxHeaderCount { return fail(.tooManyHeaderFields) }
                    if let e = countSectionBytes(1) { return fail(e) }
                    state = .fieldName
                    i += 1
                } else if b == ASCII.space || b == ASCII.tab {
                    // RFC 9112 §2.2 (after the start line) and §5.2 (obs-fold): reject.
                    return fail(fieldCount == 0 && !inTrailers ? .whitespaceAfterStartLine : .obsoleteLineFolding)
                } else if b == ASCII.lf {
                    return fail(.bareLF)
                } else {
                    return fail(.invalidFieldName)
                }

            case .fieldName:
                let start = i
                while i < n && ByteClass.isTChar(input[i]) { i += 1 }
                if let e = countSectionBytes(i - start) { return fail(e) }
                if i == n { continue }
                let c = input[i]
                if c == ASCII.colon {
                    if let e = countSectionBytes(1) { return fail(e) }
                    state = .fieldValue
                    i += 1
                } else if c == ASCII.space || c == ASCII.tab {
                    // RFC 9112 §5.1: MUST reject whitespace between field name and colon.
                    return fail(.whitespaceBeforeColon)
                } else {
                    return fail(.invalidFieldName)
                }

            case .fieldValue:
                // field-value = *field-content; field-vchar = VCHAR / obs-text (RFC 9110 §5.5)
                let start = i
                while i < n {
                    let c = input[i]
                    if ByteClass.isFieldVChar(c) || c == ASCII.space || c == ASCII.tab {
                        i += 1
                    } else {
                        break
                    }
                }
                if let e = countSectionBytes(i - start) { return fail(e) }
                if i == n { continue }
                let c = input[i]
                if c == ASCII.cr {
                    if let e = countSectionBytes(1) { return fail(e) }
                    state = .fieldLineLF
                    i += 1
                } else if c == ASCII.lf {
                    return fail(.bareLF)
                } else {
                    return fail(.invalidFieldValue)
                }

            case .fieldLineLF:
                guard b == ASCII.lf else { return fail(.bareCR) }
                if let e = countSectionBytes(1) { return fail(e) }
                state = .fieldLineStart
                i += 1

            case .sectionEndLF:
                guard b == ASCII.lf else { return fail(.bareCR) }
                if let e = countSectionBytes(1) { return fail(e) }
                i += 1
                if inTrailers {
                    // End of the trailer section (RFC 9112 §7.1.2); trailers are discarded.
                    state = .messageEnd
                    continue
                }
                assert(startedInHead)
                let result: Result<HTTPRequestHead, HTTPParseError>
                if headBuffer.isEmpty {
                    result = extractHead(UnsafeBufferPointer(rebasing: input[0..<i]))
                } else {
                    headBuffer.append(contentsOf: UnsafeBufferPointer(rebasing: input[0..<i]))
                    result = headBuffer.withUnsafeBufferPointer { extractHead($0) }
                    headBuffer.removeAll(keepingCapacity: headBuffer.capacity <= 2048)
                }
                switch result {
                case .success(let head):
                    switch head.framing {
                    case .none: state = .messageEnd
                    case .contentLength(let length):
                        bodyAnnounced = length
                        state = .contentLengthBody(remaining: length)
                    case .chunked:
                        lineBytes = 0
                        state = .chunkSizeStart
                    }
                    return (.head(head), i)
                case .failure(let error):
                    return fail(error)
                }

            // MARK: Chunked coding, RFC 9112 §7.1
            case .chunkSizeStart:
                guard let digit = ByteClass.hexValue(b) else { return fail(.invalidChunkSize) }
                chunkSizeValue = digit
                lineBytes = 1
                if lineBytes > limits.maxChunkLineBytes { return fail(.chunkLineTooLong) }
                state = .chunkSize
                i += 1

            case .chunkSize:
                // chunk-size = 1*HEXDIG
                if let digit = ByteClass.hexValue(b) {
                    guard chunkSizeValue <= (Int.max - 15) / 16 else { return fail(.invalidChunkSize) }
                    chunkSizeValue = chunkSizeValue * 16 + digit
                } else if b == ASCII.cr {
                    state = .chunkSizeLF
                    i += 1
                    continue
                } else if b == ASCII.semicolon {
                    state = .chunkExtension
                } else if b == ASCII.lf {
                    return fail(.bareLF)
                } else {
                    return fail(.invalidChunkSize)
                }
                lineBytes += 1
                if lineBytes > limits.maxChunkLineBytes { return fail(.chunkLineTooLong) }
                i += 1

            case .chunkExtension:
                // Extensions are ignored (RFC 9112 §7.1.1) but may not hold control characters.
                let start = i
                while i < n {
                    let c = input[i]
                    if ByteClass.isFieldVChar(c) || c == ASCII.space || c == ASCII.tab {
                        i += 1
                    } else {
                        break
                    }
                }
                lineBytes += i - start
                if lineBytes > limits.maxChunkLineBytes { return fail(.chunkLineTooLong) }
                if i == n { continue }
                let c = input[i]
                if c == ASCII.cr {
                    state = .chunkSizeLF
                    i += 1
                } else {
                    return fail(c == ASCII.lf ? .bareLF : .invalidChunkExtension)
                }

            case .chunkSizeLF:
                guard b == ASCII.lf else { return fail(.bareCR) }
                i += 1
                if chunkSizeValue == 0 {
                    // last-chunk: the trailer section follows (RFC 9112 §7.1.2).
                    inTrailers = true
                    sectionBytes = 0
                    fieldCount = 0
                    state = .fieldLineStart
                } else {
                    guard chunkSizeValue <= limits.maxBodyBytes - bodyAnnounced else {
                        return fail(.bodyTooLarge)
                    }
                    bodyAnnounced += chunkSizeValue
                    state = .chunkData(remaining: chunkSizeValue)
                }

            case .chunkDataCR:
                guard b == ASCII.cr else { return fail(.missingChunkDataCRLF) }
                state = .chunkDataLF
                i += 1

            case .chunkDataLF:
                guard b == ASCII.lf else { return fail(.bareCR) }
                lineBytes = 0
                state = .chunkSizeStart
                i += 1

            case .failed, .messageEnd, .contentLengthBody, .chunkData:
                preconditionFailure("handled above")
            }
        }
    }

    /// Convenience for callers holding an array.
    public mutating func parse(_ input: ArraySlice<UInt8>) -> (event: Event, consumed: Int) {
        input.withUnsafeBufferPointer { parse($0) }
    }

    private mutating func fail(_ error: HTTPParseError) -> (event: Event, consumed: Int) {
        state = .failed(error)
        headBuffer = []
        return (.error(error), 0)
    }

    @inline(__always)
    private mutating func countSectionBytes(_ count: Int) -> HTTPParseError? {
        sectionBytes += count
        return sectionBytes > limits.maxHeaderBytes ? .headerSectionTooLarge : nil
    }

    private mutating func resetForNextMessage() {
        state = .requestLineStart
        lineBytes = 0
        sectionBytes = 0
        fieldCount = 0
        inTrailers = false
        chunkSizeValue = 0
        bodyAnnounced = 0
    }

    // MARK: Head extraction

    /// Builds the head from a complete, byte-validated head (request line through the empty
    /// line) and applies the head-level rules. Checks, in this order:
    /// 1. Transfer-Encoding / Content-Length framing (RFC 9112 §6.1, §6.3),
    /// 2. Host (RFC 9112 §3.2), 3. Expect (RFC 9110 §10.1.1).
    private func extractHead(_ buf: UnsafeBufferPointer<UInt8>) -> Result<HTTPRequestHead, HTTPParseError> {
        var p = 0
        while buf[p] != ASCII.space { p += 1 }
        let method = HTTPMethod(String(decoding: UnsafeBufferPointer(rebasing: buf[0..<p]), as: UTF8.self))
        p += 1
        let targetStart = p
        while buf[p] != ASCII.space { p += 1 }
        let target = String(decoding: UnsafeBufferPointer(rebasing: buf[targetStart..<p]), as: UTF8.self)
        p += 1 + 8 + 2  // SP, "HTTP/x.y", CRLF
        let version = HTTPVersion(major: versionMajor, minor: versionMinor)
        let isHTTP10 = versionMinor == 0

        var fields: [HTTPField] = []
        fields.reserveCapacity(fieldCount)
        var contentLengthCount = 0
        var contentLengthRange = 0..<0
        var transferEncodingCount = 0
        var transferEncodingRange = 0..<0
        var hostCount = 0
        var hostRange = 0..<0
        var sawClose = false
        var sawKeepAlive = false
        var expectsContinue = false
        var badExpectation = false

        while buf[p] != ASCII.cr {
            let nameStart = p
            while buf[p] != ASCII.colon { p += 1 }
            let nameRange = nameStart..<p
            p += 1
            while buf[p] == ASCII.space || buf[p] == ASCII.tab { p += 1 }
            let valueStart = p
            while buf[p] != ASCII.cr { p += 1 }
            var valueEnd = p
            while valueEnd > valueStart && (buf[valueEnd - 1] == ASCII.space || buf[valueEnd - 1] == ASCII.tab) {
                valueEnd -= 1
            }
            p += 2
            let name = UnsafeBufferPointer(rebasing: buf[nameRange])
            let valueRange = valueStart..<valueEnd
            let value = UnsafeBufferPointer(rebasing: buf[valueRange])
            switch name.count {
            case 4 where ASCII.equalsLowercase(name, "host"):
                hostCount += 1
                hostRange = valueRange
            case 6 where ASCII.equalsLowercase(name, "expect"):
                if ASCII.equalsLowercase(value, "100-continue") {
                    expectsContinue = true
                } else {
                    badExpectation = true
                }
            case 10 where ASCII.equalsLowercase(name, "connection"):
                forEachListElement(value) { element in
                    if ASCII.equalsLowercase(element, "close") { sawClose = true }
                    if ASCII.equalsLowercase(element, "keep-alive") { sawKeepAlive = true }
                }
            case 14 where ASCII.equalsLowercase(name, "content-length"):
                contentLengthCount += 1
                contentLengthRange = valueRange
            case 17 where ASCII.equalsLowercase(name, "transfer-encoding"):
                transferEncodingCount += 1
                transferEncodingRange = valueRange
            default:
                break
            }
            fields.append(HTTPField(
                name: String(decoding: name, as: UTF8.self),
                value: String(decoding: value, as: UTF8.self)))
        }

        // 1. Framing, RFC 9112 §6.3.
        var framing = HTTPBodyFraming.none
        if transferEncodingCount > 0 {
            // §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
            if isHTTP10 { return .failure(.transferEncodingInHTTP10) }
            // §6.3 item 3: both present is a smuggling attempt or a broken intermediary.
            if contentLengthCount > 0 { return .failure(.contentLengthWithTransferEncoding) }
            // §6.1/§7: we only implement chunked, and only alone (one field line, one element).
            guard transferEncodingCount == 1,
                ASCII.equalsLowercase(UnsafeBufferPointer(rebasing: buf[transferEncodingRange]), "chunked")
            else { return .failure(.unsupportedTransferCoding) }
            framing = .chunked
        } else if contentLengthCount > 0 {
            // §6.3 item 5: duplicates, even equal ones, and lists are rejected.
            guard contentLengthCount == 1 else { return .failure(.multipleContentLength) }
            let value = UnsafeBufferPointer(rebasing: buf[contentLengthRange])
            if value.contains(ASCII.comma) { return .failure(.multipleContentLength) }
            guard !value.isEmpty else { return .failure(.invalidContentLength) }
            var length = 0
            for d in value {
                guard ByteClass.isDigit(d) else { return .failure(.invalidContentLength) }
                let digit = Int(d - 0x30)
                guard length <= (Int.max - digit) / 10 else { return .failure(.invalidContentLength) }
                length = length * 10 + digit
            }
            guard length <= limits.maxBodyBytes else { return .failure(.bodyTooLarge) }
            framing = .contentLength(length)
        }

        // 2. Host, RFC 9112 §3.2: exactly one in HTTP/1.1, at most one in HTTP/1.0.
        if hostCount > 1 { return .failure(.multipleHost) }
        if hostCount == 0 && !isHTTP10 { return .failure(.missingHost) }
        if hostCount == 1 && !isValidHost(UnsafeBufferPointer(rebasing: buf[hostRange])) {
            return .failure(.invalidHost)
        }

        // 3. Expect, RFC 9110 §10.1.1: HTTP/1.0 expectations are ignored.
        if isHTTP10 {
            expectsContinue = false
        } else if badExpectation {
            return .failure(.unsupportedExpectation)
        }

        let keepAlive = isHTTP10 ? (sawKeepAlive && !sawClose) : !sawClose
        return .success(HTTPRequestHead(
            method: method, target: target, version: version,
            headers: HTTPHeaders(fields), framing: framing,
            keepAlive: keepAlive, expectsContinue: expectsContinue))
    }

    /// Host = uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): an empty value is allowed
    /// (RFC 9112 §3.2); otherwise only unreserved, pct-encoded, sub-delims, ":" and brackets.
    private func isValidHost(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in value {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39: continue  // ALPHA DIGIT
            case 0x2D, 0x2E, 0x5F, 0x7E: continue  // - . _ ~
            case 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D: continue  // sub-delims
            case 0x25, 0x3A, 0x5B, 0x5D: continue  // % : [ ]
            default: return false
            }
        }
        return true
    }

    /// Calls `body` with each non-empty, OWS-trimmed element of a comma-separated list.
    private func forEachListElement(_ value: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count && value[end] != ASCII.comma { end += 1 }
            var s = start, e = end
            while s < e && (value[s] == ASCII.space || value[s] == ASCII.tab) { s += 1 }
            while e > s && (value[e - 1] == ASCII.space || value[e - 1] == ASCII.tab) { e -= 1 }
            if e > s { body(UnsafeBufferPointer(rebasing: value[s..<e])) }
            start = end + 1
        }
    }
}
