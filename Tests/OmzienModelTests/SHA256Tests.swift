import Testing
@testable import OmzienModel

/// FIPS 180-4 example vectors (NIST CSRC "Examples with intermediate values", SHA-256)
/// and the long-message vector of the CAVP / FIPS 180-2 appendix B.3.
@Suite struct SHA256Tests {
    static let nistVectors: [(message: String, hex: String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        // 448 bits: exactly fills the first block up to the length field, forcing a second padding block.
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        // 896 bits.
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test(arguments: nistVectors.indices)
    func nistVectorHashesToPublishedDigest(index: Int) {
        let (message, hex) = Self.nistVectors[index]
        #expect(SHA256.hash(message).hex == hex)
        #expect(SHA256.hash(Array(message.utf8)).hex == hex)
    }

    @Test func oneMillionLetterAHashesToPublishedDigest() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex == expected)

        // The same message fed in odd-sized chunks that straddle block boundaries.
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
        var fed = 0
        while fed + chunk.count <= 1_000_000 {
            hasher.update(chunk)
            fed += chunk.count
        }
        hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000 - fed))
        #expect(hasher.finalize().hex == expected)
    }

    @Test func incrementalUpdateSplitAtEveryOffsetEqualsOneShot() {
        let input = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let expected = SHA256.hash(input)
        for split in 0...input.count {
            var hasher = SHA256()
            hasher.update(Array(input[..<split]))
            hasher.update(Array(input[split...]))
            #expect(hasher.finalize() == expected, "split at \(split)")
        }
        // Three-way splits, including empty pieces and pieces inside one block.
        for first in stride(from: 0, through: 200, by: 7) {
            for second in stride(from: first, through: 200, by: 13) {
                var hasher = SHA256()
                hasher.update(Array(input[..<first]))
                hasher.update(Array(input[first..<second]))
                hasher.update(Array(input[second...]))
                #expect(hasher.finalize() == expected, "split at \(first), \(second)")
            }
        }
    }

    @Test func byteAtATimeEqualsOneShot() {
        let input = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 101) }
        var hasher = SHA256()
        for byte in input { hasher.update([byte]) }
        #expect(hasher.finalize() == SHA256.hash(input))
    }

    @Test func finalizeDoesNotConsumeTheHasher() {
        var hasher = SHA256()
        hasher.update("abc")
        let first = hasher.finalize()
        #expect(hasher.finalize() == first)
        #expect(first == SHA256.hash("abc"))

        let fork = hasher
        hasher.update("def")
        #expect(hasher.finalize() == SHA256.hash("abcdef"))
        #expect(fork.finalize() == first)
    }

    @Test func rawBufferAndStringUpdatesMatchArrayUpdate() {
        let text = "Zorgverlening · referral 🚑 £42"
        let bytes = Array(text.utf8)
        var viaRaw = SHA256()
        bytes.withUnsafeBytes { viaRaw.update($0) }
        var viaString = SHA256()
        viaString.update(text)
        #expect(viaRaw.finalize() == SHA256.hash(bytes))
        #expect(viaString.finalize() == SHA256.hash(bytes))
        #expect(SHA256.hash(text) == SHA256.hash(bytes))
    }

    @Test func emptyUpdatesChangeNothing() {
        var hasher = SHA256()
        hasher.update([])
        hasher.update("")
        hasher.update("abc")
        hasher.update(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(hasher.finalize() == SHA256.hash("abc"))
    }
}
