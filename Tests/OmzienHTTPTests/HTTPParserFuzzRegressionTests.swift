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
}
