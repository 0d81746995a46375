/// ASCII constants and helpers used by the parser and serializer.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let slash: UInt8 = 0x2F
    static let dot: UInt8 = 0x2E
    static let comma: UInt8 = 0x2C

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
    }

    static func caseInsensitiveEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where lower(a[i]) != lower(b[i]) { return false }
        return true
    }

    /// `a` equals the lowercase ASCII literal `lowercase`, ignoring case in `a`.
    static func equalsLowercase(_ a: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard a.count == lowercase.utf8CodeUnitCount else { return false }
        let p = lowercase.utf8Start
        for i in 0..<a.count where lower(a[i]) != p[i] { return false }
        return true
    }
}

/// Character classes of RFC 9110 §5.6.2 (`tchar`) and §5.5 (`field-vchar`), and RFC 5234
/// `HEXDIG`, as branch-free bitmask lookups (no global tables, so no lazy initialisation on
/// the hot path).
enum ByteClass {
    // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`"
    //       / "|" / "~" / DIGIT / ALPHA
    // Bits for bytes 0x00–0x3F: ! # $ % & ' * + - . 0-9
    private static let tcharLow: UInt64 = 0x03FF_6CFA_0000_0000
    // Bits for bytes 0x40–0x7F: A-Z ^ _ ` a-z | ~
    private static let tcharHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    @inline(__always) static func isTChar(_ b: UInt8) -> Bool {
        if b < 64 { return (tcharLow >> UInt64(b)) & 1 == 1 }
        if b < 128 { return (tcharHigh >> UInt64(b - 64)) & 1 == 1 }
        return false
    }

    /// VCHAR (0x21–0x7E) or obs-text (0x80–0xFF).
    @inline(__always) static func isFieldVChar(_ b: UInt8) -> Bool {
        b > 0x20 && b != 0x7F
    }

    /// VCHAR only (0x21–0x7E).
    @inline(__always) static func isVChar(_ b: UInt8) -> Bool {
        b > 0x20 && b < 0x7F
    }

    @inline(__always) static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: return Int(b - 0x30)
        case 0x41...0x46: return Int(b - 0x41 + 10)
        case 0x61...0x66: return Int(b - 0x61 + 10)
        default: return nil
        }
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
}
