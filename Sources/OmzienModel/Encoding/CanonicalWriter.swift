/// Writes the canonical binary encoding (Protocol/MODEL.md, "Canonical encoding").
/// Integers are fixed-width big-endian; strings and byte strings are a u32 length then the
/// bytes; a double is the u64 of its canonical bit pattern. Whoever writes a collection
/// writes it in its canonical order: the writer does not sort.
public struct CanonicalWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    public mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            u32(UInt32(buf.count))
            bytes.append(contentsOf: buf)
        }
    }

    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    public mutating func digest(_ d: SHA256Digest) { bytes.append(contentsOf: d.bytes) }

    public mutating func count(_ n: Int) {
        precondition(n >= 0 && n <= Int(UInt32.max))
        u32(UInt32(n))
    }

    public mutating func value(_ v: FieldValue) {
        switch v {
        case .null: u8(0)
        case let .bool(b): u8(b ? 2 : 1)
        case let .int(i): u8(3); i64(i)
        case let .double(d): u8(4); u64(FieldValue.canonicalBits(d))
        case let .string(s): u8(5); string(s)
        case .withheld: u8(6)
        }
    }

    public mutating func operationID(_ id: OperationID) {
        string(id.replica.rawValue)
        u64(id.sequence)
    }
}
