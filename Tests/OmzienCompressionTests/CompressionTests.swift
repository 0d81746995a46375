import Foundation
import OmzienCompression
import Testing

struct CompressionTests {
    static func random(_ n: Int, seed: UInt64) -> [UInt8] {
        var s = seed
        return (0..<n).map { _ in s = s &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: s >> 33) }
    }

    static let samples: [[UInt8]] = [[], [42], Array("Kletskassa ".utf8) + Array(repeating: 0x61, count: 100_000), random(1 << 20, seed: 1), random(777, seed: 2)]

    @Test(arguments: [Compression.Format.gzip, .zlib])
    func roundTrips(format: Compression.Format) throws {
        for data in Self.samples {
            let packed = format == .gzip ? try Compression.gzip(data) : try Compression.deflate(data)
            #expect(try Compression.inflate(packed, format: format, maxOutput: data.count) == data)
            #expect(try Compression.inflate(packed, format: .auto, maxOutput: data.count) == data)
        }
    }

    @Test func interoperatesWithPython() throws {
        let data = Array("Omzien naar elkaar — ook in de supermarkt. ".utf8) + Self.random(5000, seed: 9)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("raw"), ours = dir.appendingPathComponent("ours.gz"), theirs = dir.appendingPathComponent("theirs.gz")
        try Data(data).write(to: raw)
        try Data(try Compression.gzip(data)).write(to: ours)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", """
            import gzip, zlib, sys
            raw = open(sys.argv[1], 'rb').read()
            assert gzip.decompress(open(sys.argv[2], 'rb').read()) == raw, 'python cannot read our gzip'
            open(sys.argv[3], 'wb').write(gzip.compress(raw) + b'')
            open(sys.argv[3] + '.z', 'wb').write(zlib.compress(raw, 9))
            """, raw.path, ours.path, theirs.path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(try Compression.inflate(Array(Data(contentsOf: theirs)), format: .gzip, maxOutput: 1 << 20) == data)
        #expect(try Compression.inflate(Array(Data(contentsOf: URL(fileURLWithPath: theirs.path + ".z"))), format: .zlib, maxOutput: 1 << 20) == data)
    }

    @Test func aBombStopsAtTheCap() throws {
        // 64 MiB of zeros compresses to ~64 KiB; inflating with a 1 MiB cap must stop there.
        var d = try Deflater(format: .gzip, level: 9)
        var bomb: [UInt8] = []
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<64 { bomb += try d.write(zeros) }
        bomb += try d.finish()
        #expect(bomb.count < 200_000)
        #expect(throws: CompressionError.outputLimitExceeded(limit: 1 << 20)) {
            try Compression.inflate(bomb, format: .gzip, maxOutput: 1 << 20)
        }
    }

    @Test func truncationCorruptionAndTrailingBytesAreReported() throws {
        let packed = try Compression.gzip(Array("de klant kwam niet terug".utf8))
        for cut in 0..<packed.count {
            #expect(throws: (any Error).self) { try Compression.inflate(Array(packed[..<cut]), format: .gzip, maxOutput: 1000) }
        }
        #expect(throws: CompressionError.truncatedInput) { try Compression.inflate(Array(packed.dropLast(4)), format: .gzip, maxOutput: 1000) }
        var corrupt = packed
        corrupt[12] ^= 0xFF
        #expect(throws: (any Error).self) { try Compression.inflate(corrupt, format: .gzip, maxOutput: 1000) }
        #expect(throws: CompressionError.trailingBytes(3)) { try Compression.inflate(packed + [1, 2, 3], format: .gzip, maxOutput: 1000) }
        #expect(throws: (any Error).self) { try Compression.inflate(Array("not gzip at all".utf8), format: .gzip, maxOutput: 1000) }
    }

    @Test func feedingInPiecesGivesTheSameBytes() throws {
        let data = Self.random(3000, seed: 5) + Array(repeating: 7, count: 3000)
        let packed = try Compression.gzip(data)
        for split in stride(from: 0, through: packed.count, by: 7) {
            var i = try Inflater(format: .gzip, maxOutput: data.count)
            let out = try i.feed(Array(packed[..<split])) + i.feed(Array(packed[split...]))
            try i.finish()
            #expect(out == data, "split at \(split)")
        }
    }

    @Test func concatenatedMembersAndSyncFlushesAreReadable() throws {
        let a = Array("eerste regel\n".utf8), b = Array("tweede regel\n".utf8)
        let joined = try Compression.gzip(a) + Compression.gzip(b)
        var i = try Inflater(format: .gzip, maxOutput: 1000, allowConcatenatedMembers: true)
        #expect(try i.feed(joined) == a + b)
        var d = try Deflater(format: .gzip)
        var stream = try d.write(a)
        stream += try d.flush()
        var reader = try Inflater(format: .gzip, maxOutput: 1000)
        #expect(try reader.feed(stream) == a, "a sync flush makes everything written so far readable")
    }
}
