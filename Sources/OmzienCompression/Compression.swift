import CZlib

/// gzip and zlib ("deflate" in HTTP) through the system zlib, with a hard cap on what
/// inflating may produce: a small compressed body that would inflate to gigabytes stops at
/// the cap with `outputLimitExceeded`, having allocated at most the cap.
public enum Compression {
    public enum Format: Sendable {
        /// RFC 1952 gzip.
        case gzip
        /// RFC 1950 zlib: what HTTP `Content-Encoding: deflate` means.
        case zlib
        /// RFC 1951 raw deflate.
        case raw
        /// gzip or zlib, told apart by the header.
        case auto

        var windowBits: Int32 {
            switch self {
            case .gzip: 15 + 16
            case .zlib: 15
            case .raw: -15
            case .auto: 15 + 32
            }
        }
    }

    public static func gzip(_ data: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var d = try Deflater(format: .gzip, level: level)
        return try d.write(data) + d.finish()
    }

    public static func deflate(_ data: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var d = try Deflater(format: .zlib, level: level)
        return try d.write(data) + d.finish()
    }

    /// Inflates a whole stream. Throws `truncatedInput` if it ends early, `trailingBytes` if
    /// bytes follow its end, `outputLimitExceeded` past `maxOutput` bytes.
    public static func inflate(_ data: [UInt8], format: Format, maxOutput: Int) throws -> [UInt8] {
        var i = try Inflater(format: format, maxOutput: maxOutput)
        let out = try i.feed(data)
        try i.finish()
        return out
    }
}

public enum CompressionError: Error, Equatable, Sendable, CustomStringConvertible {
    case outputLimitExceeded(limit: Int)
    case corruptInput(String)
    case truncatedInput
    case trailingBytes(Int)
    case zlibFailure(String)

    public var description: String {
        switch self {
        case let .outputLimitExceeded(limit): "the data inflates to more than \(limit) bytes"
        case let .corruptInput(why): "the compressed data is corrupt: \(why)"
        case .truncatedInput: "the compressed data ends before its end marker"
        case let .trailingBytes(n): "\(n) bytes follow the end of the compressed data"
        case let .zlibFailure(why): "zlib failed: \(why)"
        }
    }
}

/// A streaming decompressor. A value type holding a zlib stream: not copyable in meaning, so
/// it is `~Copyable`; not Sendable (use it on one thread).
public struct Inflater: ~Copyable {
    private let stream: UnsafeMutablePointer<z_stream>
    private let maxOutput: Int
    private let allowConcatenatedMembers: Bool
    private let format: Compression.Format
    private var produced = 0
    private var ended = false

    public init(format: Compression.Format, maxOutput: Int, allowConcatenatedMembers: Bool = false) throws {
        precondition(maxOutput >= 0)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.maxOutput = maxOutput
        self.format = format
        self.allowConcatenatedMembers = allowConcatenatedMembers
        let rc = inflateInit2_(stream, format.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw CompressionError.zlibFailure("inflateInit2 returned \(rc)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Feeds compressed bytes; returns the bytes they inflate to.
    public mutating func feed(_ chunk: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var input = chunk[...]
        while !input.isEmpty {
            if ended {
                guard allowConcatenatedMembers else { throw CompressionError.trailingBytes(input.count) }
                inflateReset(stream)
                ended = false
            }
            let consumed = try input.withUnsafeBufferPointer { buf -> Int in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: buf.baseAddress)
                stream.pointee.avail_in = UInt32(buf.count)
                defer { stream.pointee.next_in = nil }
                while stream.pointee.avail_in > 0 || !ended {
                    let room = min(64 * 1024, maxOutput - produced + 1)
                    var chunkOut = [UInt8](repeating: 0, count: max(room, 1))
                    let rc = chunkOut.withUnsafeMutableBufferPointer { o -> Int32 in
                        stream.pointee.next_out = o.baseAddress
                        stream.pointee.avail_out = UInt32(o.count)
                        return CZlib.inflate(stream, Z_NO_FLUSH)
                    }
                    let n = chunkOut.count - Int(stream.pointee.avail_out)
                    produced += n
                    guard produced <= maxOutput else { throw CompressionError.outputLimitExceeded(limit: maxOutput) }
                    out.append(contentsOf: chunkOut[0..<n])
                    switch rc {
                    case Z_STREAM_END:
                        ended = true
                        return buf.count - Int(stream.pointee.avail_in)
                    case Z_OK:
                        if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return buf.count }
                    case Z_BUF_ERROR:
                        return buf.count - Int(stream.pointee.avail_in)
                    case Z_DATA_ERROR:
                        throw CompressionError.corruptInput(stream.pointee.msg.map { String(cString: $0) } ?? "invalid data")
                    case Z_NEED_DICT:
                        throw CompressionError.corruptInput("a preset dictionary is required")
                    default:
                        throw CompressionError.zlibFailure("inflate returned \(rc)")
                    }
                }
                return buf.count - Int(stream.pointee.avail_in)
            }
            input = input.dropFirst(consumed)
            if consumed == 0 && !ended { break }
        }
        return out
    }

    /// Throws `truncatedInput` unless the stream reached its end marker.
    public func finish() throws {
        guard ended else { throw CompressionError.truncatedInput }
    }
}

/// A streaming compressor (gzip or zlib). Not Sendable; use on one thread.
public struct Deflater: ~Copyable {
    private let stream: UnsafeMutablePointer<z_stream>

    public init(format: Compression.Format = .gzip, level: Int32 = 6) throws {
        precondition(format != .auto, "choose gzip, zlib or raw to compress")
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = deflateInit2_(stream, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw CompressionError.zlibFailure("deflateInit2 returned \(rc)")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    private mutating func run(_ data: [UInt8], flush: Int32) throws -> [UInt8] {
        var out: [UInt8] = []
        try data.withUnsafeBufferPointer { buf in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: buf.baseAddress)
            stream.pointee.avail_in = UInt32(buf.count)
            defer { stream.pointee.next_in = nil }
            while true {
                var chunk = [UInt8](repeating: 0, count: 64 * 1024)
                let rc = chunk.withUnsafeMutableBufferPointer { o -> Int32 in
                    stream.pointee.next_out = o.baseAddress
                    stream.pointee.avail_out = UInt32(o.count)
                    return CZlib.deflate(stream, flush)
                }
                guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else { throw CompressionError.zlibFailure("deflate returned \(rc)") }
                out.append(contentsOf: chunk[0..<(chunk.count - Int(stream.pointee.avail_out))])
                if rc == Z_STREAM_END { return }
                if stream.pointee.avail_out != 0 && stream.pointee.avail_in == 0 && flush != Z_FINISH { return }
            }
        }
        return out
    }

    /// Compresses `data`; returns what is ready (zlib buffers some).
    public mutating func write(_ data: [UInt8]) throws -> [UInt8] { try run(data, flush: Z_NO_FLUSH) }

    /// Flushes to a byte boundary so everything written so far can be read back
    /// (`Z_SYNC_FLUSH`): what an append-only log does after each record.
    public mutating func flush() throws -> [UInt8] { try run([], flush: Z_SYNC_FLUSH) }

    /// Ends the stream (trailer included).
    public mutating func finish() throws -> [UInt8] { try run([], flush: Z_FINISH) }
}
