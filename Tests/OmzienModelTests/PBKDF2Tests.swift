import Testing
@testable import OmzienModel

/// PBKDF2-HMAC-SHA256 (RFC 8018) against published vectors: RFC 7914 section 11 (the scrypt
/// RFC lists PBKDF2-HMAC-SHA256 results) and the RFC 6070 inputs run through SHA-256, as
/// Python's `hashlib.pbkdf2_hmac('sha256', …)` gives them.
@Suite struct PBKDF2Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let password: [UInt8]
        let salt: [UInt8]
        let iterations: Int
        let hex: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "RFC 7914 §11, passwd/salt, c=1, 64 bytes", password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1,
             hex: "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"),
        Case(name: "RFC 7914 §11, Password/NaCl, c=80000, 64 bytes", password: Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80_000,
             hex: "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"),
        Case(name: "RFC 6070 inputs, password/salt, c=4096, 32 bytes", password: Array("password".utf8), salt: Array("salt".utf8), iterations: 4096,
             hex: "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
        Case(name: "RFC 6070 inputs, long password and salt, 40 bytes (two blocks)", password: Array("passwordPASSWORDpassword".utf8),
             salt: Array("saltSALTsaltSALTsaltSALTsaltSALTsalt".utf8), iterations: 4096,
             hex: "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9"),
        Case(name: "RFC 6070 inputs, NUL bytes inside, 16 bytes", password: Array("pass\0word".utf8), salt: Array("sa\0lt".utf8), iterations: 4096,
             hex: "89b69d0516f829893c696226650a8687"),
    ]

    /// R-WEB-1: the password hash is PBKDF2-HMAC-SHA256 as RFC 8018 defines it.
    @Test(arguments: cases)
    func publishedVectorIsReproduced(testCase: Case) {
        let dk = PBKDF2.hmacSHA256(password: testCase.password, salt: testCase.salt, iterations: testCase.iterations, byteCount: testCase.hex.count / 2)
        #expect(SHA256Digest.hexString(dk) == testCase.hex)
    }

    @Test func aPasswordLongerThanTheBlockIsHashedFirstLikeHMAC() {
        let long = [UInt8](repeating: 0x61, count: 100)
        let viaHash = PBKDF2.hmacSHA256(password: SHA256.hash(long).bytes, salt: Array("s".utf8), iterations: 3)
        #expect(PBKDF2.hmacSHA256(password: long, salt: Array("s".utf8), iterations: 3) == viaHash)
        // python3 -c "import hashlib;print(hashlib.pbkdf2_hmac('sha256',b'a'*100,b's',3).hex())"
        #expect(SHA256Digest.hexString(viaHash) == "459c8e333c4180e201dbbe9ce45148334e68b7daab7c79e2888fbe8c9a421b78")
    }
}

extension SHA256Digest {
    static func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format0x: $0) }.joined() }
}

extension String {
    init(format0x byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
