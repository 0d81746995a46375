import Foundation
import OmzienHTTP
import Testing

/// Replays the fuzzer's seed corpus and every known crasher (Fixtures/http) with the same
/// checks as the fuzz target: no crash, and the same result whole, split and byte by byte.
@Suite("Parser fuzz corpus and crashers")
struct HTTPParserFuzzRegressionTests {
    static func files(_ folder: String) -> [URL] {
        let dir = packageRoot.appendingPathComponent("Fixtures/http/\(folder)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test("seeds and crashers parse the same whole, split and byte by byte")
    func replay() throws {
        let files = Self.files("parser-seeds") + Self.files("fuzz-crashers")
        #expect(files.count >= 20)
        let small = HTTPParserLimits(maxRequestLineBytes: 48, maxHeaderBytes: 96, maxHeaderCount: 4, maxBodyBytes: 64,
                                     maxChunkLineBytes: 16)
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            guard let selector = bytes.first else { continue }
            let limits = selector & 1 == 0 ? HTTPParserLimits() : small
            let input = Array(bytes.dropFirst())
            let whole = parseChunks([input], limits: limits)
            for k in 0...input.count {
                #expect(parseChunks([Array(input[..<k]), Array(input[k...])], limits: limits) == whole, "\(file.lastPathComponent) split at \(k)")
            }
            #expect(parseChunks(input.map { [$0] }, limits: limits) == whole, "\(file.lastPathComponent) bytewise")
        }
    }

    @Test("brief in-suite fuzzing: mutated seeds parse the same whole, split and byte by byte")
    func briefMutationFuzz() throws {
        let seeds = try Self.files("parser-seeds").map { Array(try Data(contentsOf: $0).dropFirst()) }
        let tokens = ["\r\n", "\n", "\r", " ", ":", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n",
                      "0\r\n\r\n", "ffffffff", ";x=y", "\r\n ", "HTTP/1.1", "Host: a\r\n", "\u{0}", "\u{7f}"].map { Array($0.utf8) }
        var rng = SeededGenerator(seed: 7)
        let small = HTTPParserLimits(maxRequestLineBytes: 48, maxHeaderBytes: 96, maxHeaderCount: 4, maxBodyBytes: 64,
                                     maxChunkLineBytes: 16)
        let count = Int(ProcessInfo.processInfo.environment["OMZIEN_FUZZ_COUNT"] ?? "") ?? 3000
        for i in 0..<count {
            var input = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0...input.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0 where at < input.count: input[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: input.insert(contentsOf: tokens[Int.random(in: 0..<tokens.count, using: &rng)], at: at)
                case 2 where at < input.count: input.remove(at: at)
                case 3: input = Array(input[..<at])
                default: input.insert(contentsOf: input[at...].prefix(16), at: at)
                }
            }
            let limits = i % 2 == 0 ? HTTPParserLimits() : small
            let whole = parseChunks([input], limits: limits)
            let k = Int.random(in: 0...input.count, using: &rng)
            #expect(parseChunks([Array(input[..<k]), Array(input[k...])], limits: limits) == whole, "input \(i) split at \(k)")
            if input.count <= 200 {
                #expect(parseChunks(input.map { [$0] }, limits: limits) == whole, "input \(i) bytewise")
            }
        }
    }
}
