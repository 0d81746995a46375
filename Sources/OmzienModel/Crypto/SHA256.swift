// TEMPORARY: replaced by the crypto-sqlite branch (tested, optimized implementation).
public struct SHA256Digest: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let byteCount = 32
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { precondition(bytes.count == 32); self.bytes = bytes }
    public init?(hex: String) {
        let u = Array(hex.utf8); guard u.count == 64 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: 64, by: 2) { guard let b = UInt8(String(decoding: u[i..<i+2], as: UTF8.self), radix: 16) else { return nil }; out.append(b) }
        bytes = out
    }
    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
    public static let zero = SHA256Digest(bytes: Array(repeating: 0, count: 32))
    public static func < (a: Self, b: Self) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
    public var description: String { hex }
}
import Foundation
public struct SHA256: Sendable {
    var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    var buf: [UInt8] = []; var len: UInt64 = 0
    static let k: [UInt32] = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2]
    public init() {}
    public mutating func update(_ bytes: [UInt8]) { len += UInt64(bytes.count); buf += bytes; while buf.count >= 64 { block(Array(buf[0..<64])); buf.removeFirst(64) } }
    public mutating func update(_ s: String) { update(Array(s.utf8)) }
    mutating func block(_ b: [UInt8]) {
        var w = [UInt32](repeating: 0, count: 64)
        for i in 0..<16 { w[i] = UInt32(b[4*i]) << 24 | UInt32(b[4*i+1]) << 16 | UInt32(b[4*i+2]) << 8 | UInt32(b[4*i+3]) }
        func r(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }
        for i in 16..<64 { let s0 = r(w[i-15],7) ^ r(w[i-15],18) ^ (w[i-15] >> 3); let s1 = r(w[i-2],17) ^ r(w[i-2],19) ^ (w[i-2] >> 10); w[i] = w[i-16] &+ s0 &+ w[i-7] &+ s1 }
        var a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
        for i in 0..<64 { let S1 = r(e,6) ^ r(e,11) ^ r(e,25); let ch = (e & f) ^ (~e & g); let t1 = hh &+ S1 &+ ch &+ Self.k[i] &+ w[i]; let S0 = r(a,2) ^ r(a,13) ^ r(a,22); let maj = (a & bb) ^ (a & c) ^ (bb & c); let t2 = S0 &+ maj
            hh = g; g = f; f = e; e = d &+ t1; d = c; c = bb; bb = a; a = t1 &+ t2 }
        h[0] &+= a; h[1] &+= bb; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
    }
    public func finalize() -> SHA256Digest {
        var c = self; let bits = len * 8
        var pad: [UInt8] = [0x80]; while (c.buf.count + pad.count) % 64 != 56 { pad.append(0) }
        for i in (0..<8).reversed() { pad.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
        c.buf += pad; while c.buf.count >= 64 { c.block(Array(c.buf[0..<64])); c.buf.removeFirst(64) }
        var out: [UInt8] = []; for x in c.h { out += [UInt8(x >> 24), UInt8(truncatingIfNeeded: x >> 16), UInt8(truncatingIfNeeded: x >> 8), UInt8(truncatingIfNeeded: x)] }
        return SHA256Digest(bytes: out)
    }
    public static func hash(_ b: [UInt8]) -> SHA256Digest { var s = SHA256(); s.update(b); return s.finalize() }
    public static func hash(_ s: String) -> SHA256Digest { hash(Array(s.utf8)) }
}
