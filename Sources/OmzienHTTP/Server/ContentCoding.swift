import OmzienCompression

/// Content codings (RFC 9110 §8.4) for request and response bodies, via `OmzienCompression`.
enum ContentCoding {
    /// Removes the request body's Content-Encoding, if any, and drops the field from
    /// `headers`. Supports one coding: `gzip` (or `x-gzip`) and `deflate` (the zlib format,
    /// RFC 9110 §8.4.1.2); `identity` is ignored.
    /// - Throws: 415 (with `Accept-Encoding`, RFC 9110 §15.5.16) for other or stacked codings,
    ///   413 when the decoded body would exceed `maxBytes`, 400 for corrupt data.
    static func decodeRequestBody(_ body: [UInt8], headers: inout HTTPHeaders, maxBytes: Int) throws(HTTPError) -> [UInt8] {
        guard headers.contains("Content-Encoding") else { return body }
        let codings = headers.tokens(for: "Content-Encoding").filter { !$0.asciiCaseInsensitiveEquals("identity") }
        headers.remove(name: "Content-Encoding")
        if codings.isEmpty { return body }
        let format: Compression.Format
        if codings.count == 1 && (codings[0].asciiCaseInsensitiveEquals("gzip") || codings[0].asciiCaseInsensitiveEquals("x-gzip")) {
            format = .gzip
        } else if codings.count == 1 && codings[0].asciiCaseInsensitiveEquals("deflate") {
            format = .zlib
        } else {
            throw HTTPError(
                status: .unsupportedMediaType, detail: "Supported content codings are gzip and deflate.",
                headers: ["Accept-Encoding": "gzip, deflate"])
        }
        if body.isEmpty { return body }
        do {
            return try Compression.inflate(body, format: format, maxOutput: maxBytes)
        } catch let error as CompressionError {
            if case .outputLimitExceeded = error {
                throw HTTPError(status: .contentTooLarge, detail: "The decompressed request body is too large.")
            }
            throw HTTPError(status: .badRequest, detail: "The request body is not valid \(codings[0].lowercased()) data.")
        } catch {
            throw HTTPError(status: .badRequest, detail: "The request body could not be decompressed.")
        }
    }

    /// Whether `Accept-Encoding` (RFC 9110 §12.5.3) allows gzip: `gzip`/`x-gzip` with a
    /// non-zero qvalue, or `*` with a non-zero qvalue when gzip is not listed. No field: no.
    static func acceptsGzip(_ headers: HTTPHeaders) -> Bool {
        var gzipQ: Double?
        var starQ: Double?
        for element in headers.tokens(for: "Accept-Encoding") {
            let parts = element.split(separator: ";")
            guard let coding = parts.first?.trimmingOWS() else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() {
                let p = parameter.trimmingOWS()
                if p.count >= 2 && (p.hasPrefix("q=") || p.hasPrefix("Q=")) {
                    q = Double(p.dropFirst(2)) ?? 0
                }
            }
            if coding.asciiCaseInsensitiveEquals("gzip") || coding.asciiCaseInsensitiveEquals("x-gzip") {
                gzipQ = max(gzipQ ?? 0, q)
            } else if coding == "*" {
                starQ = q
            }
        }
        if let gzipQ { return gzipQ > 0 }
        if let starQ { return starQ > 0 }
        return false
    }
}
