import Testing
@testable import OmzienModel

@Suite struct SHA256DigestTests {
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    @Test func hexRoundTripsInLowercase() throws {
        let digest = try #require(SHA256Digest(hex: abc))
        #expect(digest.hex == abc)
        #expect(digest.description == abc)
        #expect(digest.bytes.count == 32)
        #expect(digest.bytes.first == 0xba)
        #expect(digest.bytes.last == 0xad)
        #expect(digest == SHA256.hash("abc"))
    }

    @Test func uppercaseHexParsesToTheSameDigest() {
        #expect(SHA256Digest(hex: abc.uppercased()) == SHA256Digest(hex: abc))
        #expect(SHA256Digest(hex: abc.uppercased())?.hex == abc)
    }

    @Test(arguments: [
        "",
        String(repeating: "a", count: 63),
        String(repeating: "a", count: 65),
        String(repeating: "0", count: 62) + "0g",
        String(repeating: "0", count: 62) + " 0",
        String(repeating: "0", count: 62) + "é",   // 64 UTF-8 bytes, not hex
        "0x" + String(repeating: "0", count: 62),
    ])
    func malformedHexIsRejected(text: String) {
        #expect(SHA256Digest(hex: text) == nil)
    }

    @Test func zeroIsThirtyTwoZeroBytes() {
        #expect(SHA256Digest.zero.bytes == [UInt8](repeating: 0, count: 32))
        #expect(SHA256Digest.zero.hex == String(repeating: "0", count: 64))
        #expect(SHA256Digest(hex: String(repeating: "0", count: 64)) == .zero)
    }

    @Test func orderingIsLexicographicOnBytesAndAgreesWithHex() {
        var low = [UInt8](repeating: 0xff, count: 32)
        low[0] = 0x00
        var high = [UInt8](repeating: 0x00, count: 32)
        high[0] = 0x01
        let a = SHA256Digest(bytes: low), b = SHA256Digest(bytes: high)
        #expect(a < b)
        #expect(!(b < a))
        #expect(!(a < a))
        #expect(SHA256Digest.zero < a)

        let digests = (0..<50).map { SHA256.hash("item \($0)") }
        #expect(digests.sorted().map(\.hex) == digests.map(\.hex).sorted())
    }

    @Test func equalDigestsHashEqually() {
        let set: Set<SHA256Digest> = [SHA256.hash("x"), SHA256.hash("x"), SHA256.hash("y")]
        #expect(set.count == 2)
    }
}
