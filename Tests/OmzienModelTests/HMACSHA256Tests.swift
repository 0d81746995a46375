import Testing
@testable import OmzienModel

/// RFC 4231 §4.2-§4.8, HMAC-SHA-256 results.
@Suite struct HMACSHA256Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let key: [UInt8]
        let data: [UInt8]
        let hex: String
        var testDescription: String { name }
    }

    static let longKey = [UInt8](repeating: 0xaa, count: 131)

    static let cases: [Case] = [
        Case(name: "RFC 4231 test case 1", key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8),
             hex: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Case(name: "RFC 4231 test case 2 (key shorter than output)", key: Array("Jefe".utf8),
             data: Array("what do ya want for nothing?".utf8),
             hex: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Case(name: "RFC 4231 test case 3", key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
             hex: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        Case(name: "RFC 4231 test case 4", key: Array(1...25), data: [UInt8](repeating: 0xcd, count: 50),
             hex: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        Case(name: "RFC 4231 test case 6 (key larger than block)", key: longKey,
             data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             hex: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Case(name: "RFC 4231 test case 7 (key and data larger than block)", key: longKey,
             data: Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
             hex: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: cases)
    func rfc4231CaseProducesPublishedCode(testCase: Case) throws {
        let code = HMACSHA256.authenticationCode(for: testCase.data, key: testCase.key)
        #expect(code.hex == testCase.hex)
        let published = try #require(SHA256Digest(hex: testCase.hex))
        #expect(HMACSHA256.isValid(published, for: testCase.data, key: testCase.key))
    }

    /// RFC 4231 §4.6: the output is truncated to 128 bits; compare the prefix.
    @Test func rfc4231Case5TruncatedOutputMatchesOnPrefix() {
        let code = HMACSHA256.authenticationCode(for: Array("Test With Truncation".utf8),
                                                 key: [UInt8](repeating: 0x0c, count: 20))
        #expect(code.hex.prefix(32) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func keyOfExactlyBlockSizeIsUsedUnhashedAndLongerKeysAreHashed() {
        let key = [UInt8](repeating: 0x42, count: 64)
        let message = Array("block-size key".utf8)
        // A 64-byte key is not hashed; hashing it first must therefore give a different code.
        #expect(HMACSHA256.authenticationCode(for: message, key: key)
                != HMACSHA256.authenticationCode(for: message, key: SHA256.hash(key).bytes))
        // A 65-byte key is hashed; it must equal using its hash as the key.
        let longKey = key + [0x42]
        #expect(HMACSHA256.authenticationCode(for: message, key: longKey)
                == HMACSHA256.authenticationCode(for: message, key: SHA256.hash(longKey).bytes))
    }

    @Test func isValidRejectsAnyAlteredByteWrongKeyOrWrongMessage() {
        let key = Array("secret".utf8), message = Array("push batch 17".utf8)
        let code = HMACSHA256.authenticationCode(for: message, key: key)
        #expect(HMACSHA256.isValid(code, for: message, key: key))
        for i in 0..<SHA256Digest.byteCount {
            var bytes = code.bytes
            bytes[i] ^= 0x01
            #expect(!HMACSHA256.isValid(SHA256Digest(bytes: bytes), for: message, key: key), "byte \(i)")
        }
        #expect(!HMACSHA256.isValid(code, for: message, key: Array("secreT".utf8)))
        #expect(!HMACSHA256.isValid(code, for: message + [0], key: key))
    }

    @Test func constantTimeEqualsComparesContentAndLength() {
        #expect(HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(HMACSHA256.constantTimeEquals([], []))
    }
}
