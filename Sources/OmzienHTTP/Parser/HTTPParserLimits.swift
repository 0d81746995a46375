/// The size limits the parser enforces while reading a request. Each limit is checked at the
/// byte that exceeds it, so a request is rejected before it is buffered in full.
public struct HTTPParserLimits: Sendable, Hashable {
    /// Bytes of the request line, excluding its CRLF. Exceeding it: 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Bytes of the header section after the request line (every field line with its CRLF
    /// plus the final CRLF). The same limit applies to a chunked body's trailer section.
    /// Exceeding it: 431.
    public var maxHeaderBytes: Int = 16 * 1024
    /// Number of field lines in the header (or trailer) section. Exceeding it: 431.
    public var maxHeaderCount: Int = 100
    /// Bytes of the message body as framed (before any Content-Encoding is removed).
    /// A larger Content-Length is rejected as soon as the header section ends; a chunked body
    /// as soon as a chunk-size line would take it over the limit. Exceeding it: 413.
    public var maxBodyBytes: Int = 8 * 1024 * 1024
    /// Bytes of one chunk-size line including extensions, excluding CRLF. Exceeding it: 400.
    public var maxChunkLineBytes: Int = 1024

    public init(
        maxRequestLineBytes: Int = 8 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 8 * 1024 * 1024,
        maxChunkLineBytes: Int = 1024
    ) {
        precondition(maxRequestLineBytes > 0 && maxHeaderBytes > 0 && maxHeaderCount > 0)
        precondition(maxBodyBytes >= 0 && maxChunkLineBytes > 0)
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
    }
}
