import Testing
@testable import OmzienHTTP

@Suite("HTTPRequestParser")
struct HTTPRequestParserTests {
    @Test("every rejection case yields its error and status", arguments: RejectionCase.all)
    func rejects(_ c: RejectionCase) {
        let outcomes = parseWhole(c.bytes, limits: c.limits)
        #expect(outcomes.last == .error(c.expected), "\(outcomes)")
        // No request is delivered from a stream that is rejected.
        #expect(!outcomes.contains { if case .message = $0 { return true } else { return false } })
    }

    @Test("rejection statuses follow the issue's table")
    func rejectionStatuses() {
        #expect(HTTPParseError.requestLineTooLong.status.code == 414)
        #expect(HTTPParseError.headerSectionTooLarge.status.code == 431)
        #expect(HTTPParseError.tooManyHeaderFields.status.code == 431)
        #expect(HTTPParseError.bodyTooLarge.status.code == 413)
        #expect(HTTPParseError.unsupportedHTTPVersion.status.code == 505)
        #expect(HTTPParseError.unsupportedExpectation.status.code == 417)
        for e: HTTPParseError in [.contentLengthWithTransferEncoding, .multipleContentLength, .invalidContentLength,
                                  .unsupportedTransferCoding, .invalidChunkSize, .obsoleteLineFolding, .bareCR, .bareLF,
                                  .whitespaceBeforeColon, .invalidFieldValue, .invalidFieldName, .missingHost] {
            #expect(e.status.code == 400, "\(e)")
        }
    }

    @Test("valid requests parse to their method, target and body", arguments: ValidCase.all)
    func accepts(_ c: ValidCase) {
        let outcomes = parseWhole(c.bytes)
        var expected: [String] = []
        for r in c.requests {
            expected.append("\(r.method) \(r.target)")
            expected.append("body:\(r.body)")
        }
        var actual: [String] = []
        for o in outcomes {
            switch o {
            case .head(let h): actual.append("\(h.method.rawValue) \(h.target)")
            case .message(let body): actual.append("body:" + String(decoding: body, as: UTF8.self))
            case .error(let e): actual.append("error:\(e)")
            case .incomplete: actual.append("incomplete")
            }
        }
        #expect(actual == expected)
    }

    @Test("the result does not depend on where the input is split",
          arguments: RejectionCase.all.map { ($0.name, $0.bytes, $0.limits) }
              + ValidCase.all.map { ($0.name, $0.bytes, HTTPParserLimits()) })
    func splitAtEveryByte(_ name: String, _ bytes: [UInt8], _ limits: HTTPParserLimits) {
        let whole = parseWhole(bytes, limits: limits)
        for k in 0...bytes.count {
            let split = parseChunks([Array(bytes[..<k]), Array(bytes[k...])], limits: limits)
            #expect(split == whole, "split at \(k)")
        }
        let bytewise = parseChunks(bytes.map { [$0] }, limits: limits)
        #expect(bytewise == whole, "one byte at a time")
    }

    @Test("truncated valid requests wait for more bytes instead of failing", arguments: ValidCase.all)
    func truncatedIsIncomplete(_ c: ValidCase) {
        for k in 0..<c.bytes.count {
            let outcomes = parseWhole(Array(c.bytes[..<k]))
            #expect(!outcomes.contains { if case .error = $0 { return true } else { return false } }, "prefix \(k)")
        }
    }

    @Test("head fields: framing, keep-alive and expect")
    func headFields() throws {
        func head(_ raw: String) throws -> HTTPRequestHead {
            guard case .head(let h)? = parseWhole(Array(raw.utf8)).first else {
                throw ParserTestFailure.noHead(raw)
            }
            return h
        }
        let get = try head("GET /a HTTP/1.1\r\nHost: x\r\nX-Multi: 1\r\nx-multi: 2\r\n\r\n")
        #expect(get.framing == .none && get.keepAlive && !get.expectsContinue)
        #expect(get.headers.values(for: "X-MULTI") == ["1", "2"])
        #expect(get.headers["host"] == "x")
        #expect(get.version == .http1_1)

        let close = try head("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n")
        #expect(!close.keepAlive)
        #expect(try !head("GET / HTTP/1.0\r\n\r\n").keepAlive)
        #expect(try head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive)
        #expect(try head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n").framing == .contentLength(12))
        #expect(try head("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\n\r\n").framing == .chunked)
        #expect(try head("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n").expectsContinue)
        // RFC 9110 §10.1.1: expectations in HTTP/1.0 requests are ignored.
        #expect(try !head("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").expectsContinue)
        // OWS around values is trimmed, inner whitespace kept.
        #expect(try head("GET / HTTP/1.1\r\nHost: x\r\nX-A: \t a  b \t\r\n\r\n").headers["x-a"] == "a  b")
    }

    @Test("limits are inclusive: a request exactly at each limit is accepted")
    func limitsAreInclusive() {
        let limits = HTTPParserLimits(maxRequestLineBytes: 20, maxHeaderBytes: 30, maxHeaderCount: 2, maxBodyBytes: 5)
        // "GET /123456 HTTP/1.1" is 20 bytes; "Host: a\r\n" (9) + "X-Abcdefghijklmnopq: \r\n" (...) + CRLF
        let line = "GET /123456 HTTP/1.1"
        #expect(line.utf8.count == 20)
        let fields = "Host: a\r\nX-Abcdefghijkl: 1\r\n\r\n"
        #expect(fields.utf8.count == 30)
        let ok = parseWhole(Array("\(line)\r\n\(fields)".utf8), limits: limits)
        #expect(ok.count == 2 && ok.last == .message(body: []))
        let longer = parseWhole(Array("GET /1234567 HTTP/1.1\r\n\(fields)".utf8), limits: limits)
        #expect(longer == [.error(.requestLineTooLong)])
        let body = parseWhole(Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n12345".utf8), limits: limits)
        #expect(body.last == .message(body: Array("12345".utf8)))
        let chunked = parseWhole(
            Array("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n123\r\n2\r\n45\r\n0\r\n\r\n".utf8),
            limits: HTTPParserLimits(maxBodyBytes: 5))
        #expect(chunked.last == .message(body: Array("12345".utf8)))
    }

    @Test("after an error the parser stays failed")
    func errorIsSticky() {
        var parser = HTTPRequestParser()
        let bad = Array("GET / HTTP/1.1\r\nHost : a\r\n\r\n".utf8)
        #expect(parser.parse(bad[...]).event == .error(.whitespaceBeforeColon))
        #expect(parser.parse(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)[...]).event == .error(.whitespaceBeforeColon))
    }

    @Test("the parser reports message boundaries and head progress")
    func boundaries() {
        var parser = HTTPRequestParser()
        #expect(parser.isAtMessageBoundary && !parser.isReadingHead)
        #expect(parser.parse(Array("GE".utf8)[...]) == (.needMore, 2))
        #expect(!parser.isAtMessageBoundary && parser.isReadingHead)
        let rest = Array("T / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab".utf8)
        let (event, consumed) = parser.parse(rest[...])
        guard case .head = event else {
            Issue.record("expected head, got \(event)")
            return
        }
        #expect(!parser.isReadingHead)
        #expect(parser.parse(rest[consumed...]).event == .body(0..<2))
        #expect(parser.parse([][...]) == (.end, 0))
        #expect(parser.isAtMessageBoundary)
    }
}

enum ParserTestFailure: Error {
    case noHead(String)
}
