/// One client connection. Owned and touched only by its event loop's thread (not Sendable).
///
/// Buffers: `pendingInput` holds bytes read but not yet parsed, which only happens while the
/// connection may not process them (a request is with a worker, the output is backed up, or
/// a final response is queued); the loop stops reading once it holds one read buffer.
/// `output[outputOffset...]` is what remains to be sent.
final class Connection {
    let fd: Int32
    /// Distinguishes this connection from a later one that reuses the fd number.
    let generation: UInt32
    let remoteAddress: String
    let acceptedAt: UInt64

    var parser: HTTPRequestParser
    var pendingInput: [UInt8] = []
    var output: [UInt8] = []
    var outputOffset = 0
    /// The epoll events currently registered.
    var interest: UInt32 = 0

    // The request being read.
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    /// Monotonic time of the first byte of the current request.
    var requestStart: UInt64 = 0
    var requestBytesIn = 0

    // The request with a worker.
    var inFlight: InFlight?

    var requestsCompleted = 0
    var lastResponseAt: UInt64 = 0
    var lastWriteProgress: UInt64 = 0
    /// A response that ends the connection has been queued: no more input is processed.
    var closeAfterWrite = false
    /// The peer sent EOF; finish what was received, then close.
    var readClosed = false
    /// Output is done and SHUT_WR sent; input is read and discarded until EOF or the deadline.
    var lingering = false
    var isClosed = false
    var lingerDeadline: UInt64 = 0
    /// When the current timeout fires (monotonic ns; UInt64.max: none).
    var deadline: UInt64 = .max

    struct InFlight {
        var method: HTTPMethod
        var path: String
        var routeIndex: Int
        var keepAlive: Bool
        var isHEAD: Bool
        var isHTTP10: Bool
        var requestID: String
        var requestStart: UInt64
        var bytesIn: Int
    }

    init(fd: Int32, generation: UInt32, remoteAddress: String, limits: HTTPParserLimits, now: UInt64) {
        self.fd = fd
        self.generation = generation
        self.remoteAddress = remoteAddress
        self.acceptedAt = now
        self.parser = HTTPRequestParser(limits: limits)
    }

    var token: UInt64 { UInt64(UInt32(bitPattern: fd)) | (UInt64(generation) << 32) }
    var unsentCount: Int { output.count - outputOffset }
    /// Idle: between requests, nothing buffered, nothing in flight, nothing to send.
    var isIdle: Bool {
        parser.isAtMessageBoundary && pendingInput.isEmpty && inFlight == nil && unsentCount == 0 && !lingering
    }
}
