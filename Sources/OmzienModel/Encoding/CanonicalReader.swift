/// Reads the canonical binary encoding. Untrusted input: every read checks the bounds and
/// throws `truncatedEncoding` when bytes are missing, `malformedEncoding` when they are
/// wrong; nothing traps on bad bytes.
public struct CanonicalReader {
    public let what: String
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
        self.offset = 0
    }

    public var isAtEnd: Bool { offset == bytes.count }

    public func expectEnd() throws {
        guard isAtEnd else { throw malformed("\(bytes.count - offset) trailing bytes after the end") }
    }

    public func malformed(_ reason: String) -> ModelError {
        .malformedEncoding(what: what, offset: offset, reason: reason)
    }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count - offset >= n else { throw ModelError.truncatedEncoding(what: what, offset: offset) }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    public mutating func u8() throws -> UInt8 { try take(1).first! }

    public mutating func u16() throws -> UInt16 {
        try take(2).reduce(0) { $0 << 8 | UInt16($1) }
    }

    public mutating func u32() throws -> UInt32 {
        try take(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func u64() throws -> UInt64 {
        try take(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }

    /// A count of following items, bounded by the bytes left (each item takes at least
    /// `minItemBytes`), so a corrupt count cannot make the caller reserve gigabytes.
    public mutating func count(minItemBytes: Int = 1) throws -> Int {
        let n = Int(try u32())
        guard n * max(minItemBytes, 1) <= bytes.count - offset else {
            throw ModelError.truncatedEncoding(what: what, offset: offset)
        }
        return n
    }

    public mutating func string() throws -> String {
        let n = Int(try u32())
        let slice = try take(n)
        guard let s = String(validating: slice, as: UTF8.self) else {
            offset -= n
            throw malformed("a string is not valid UTF-8")
        }
        return s
    }

    public mutating func digest() throws -> SHA256Digest {
        SHA256Digest(bytes: Array(try take(SHA256Digest.byteCount)))
    }

    public mutating func value() throws -> FieldValue {
        let tag = try u8()
        switch tag {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .int(try i64())
        case 4:
            let bits = try u64()
            let d = Double(bitPattern: bits)
            guard !d.isNaN || bits == FieldValue.canonicalNaNBits else { throw malformed("a NaN that is not the canonical NaN") }
            return .double(d)
        case 5: return .string(try string())
        case 6: return .withheld
        default:
            offset -= 1
            throw malformed("unknown value tag \(tag)")
        }
    }

    public mutating func operationID() throws -> OperationID {
        let replica = try ReplicaID(try string())
        let seq = try u64()
        guard seq >= 1 else { throw malformed("sequence number 0 (they start at 1)") }
        guard seq <= OperationID.maxSequence else { throw malformed("sequence number \(seq) is beyond 2^63-1") }
        return OperationID(replica: replica, sequence: seq)
    }
}
