import Foundation
import Testing
@testable import OmzienModel

/// Cross-checks SHA-256 and HMAC-SHA-256 against Python's `hashlib` / `hmac` (OpenSSL-backed)
/// on a few hundred random inputs, with lengths concentrated around the padding boundaries
/// (55/56 bytes: the length field just fits / spills into a new block; 63/64; 119/120).
@Suite struct SHA256ReferenceTests {
    /// SplitMix64: deterministic for a given seed, so a failure can be reproduced from the message.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Runs python3 with `script`, feeding `input` on stdin; returns stdout lines.
    static func runPython(_ script: String, input: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "python3 exited with \(process.terminationStatus)"])
        }
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func randomInputsMatchPythonHashlibAndHmac() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SplitMix64(state: seed)
        let boundaryLengths = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 129]
        var lengths = boundaryLengths + boundaryLengths
        while lengths.count < 300 { lengths.append(Int.random(in: 0...300, using: &rng)) }

        var messages: [[UInt8]] = [], keys: [[UInt8]] = []
        for length in lengths {
            messages.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) })
            // Keys shorter than, equal to and longer than the 64-byte block.
            let keyLength = [0, 1, 20, 32, 63, 64, 65, 131, Int.random(in: 0...200, using: &rng)].randomElement(using: &rng)!
            keys.append((0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }

        let script = """
        import sys, hashlib, hmac
        for line in sys.stdin.read().splitlines():
            m, k = (bytes.fromhex(x) for x in line.split(','))
            print(hashlib.sha256(m).hexdigest(), hmac.new(k, m, hashlib.sha256).hexdigest())
        """
        let input = zip(messages, keys).map { "\(Self.hex($0)),\(Self.hex($1))" }.joined(separator: "\n") + "\n"
        let lines = try Self.runPython(script, input: input)
        try #require(lines.count == messages.count, "python3 answered \(lines.count) lines for \(messages.count) inputs")

        for (i, line) in lines.enumerated() {
            let parts = line.split(separator: " ").map(String.init)
            #expect(SHA256.hash(messages[i]).hex == parts[0], "seed \(seed), input \(i), length \(messages[i].count)")
            #expect(HMACSHA256.authenticationCode(for: messages[i], key: keys[i]).hex == parts[1],
                    "seed \(seed), input \(i), length \(messages[i].count), key length \(keys[i].count)")
        }
    }
}
