import Foundation
import OmzienCompression
import OmzienProtocol
import Testing

/// A decoded PNG (8-bit RGB or RGBA, not interlaced: what rsvg-convert writes), for checking
/// the timeline's picture pixel by pixel.
struct PNGImage {
    let width: Int, height: Int
    private let pixels: [UInt8]  // RGBA
    private let channels = 4

    init(_ data: [UInt8]) throws {
        struct Bad: Error, CustomStringConvertible { let description: String }
        guard data.count > 8, data[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw Bad(description: "not a PNG") }
        var at = 8, w = 0, h = 0, colorType = 0, idat: [UInt8] = []
        func u32(_ i: Int) -> Int { Int(data[i]) << 24 | Int(data[i + 1]) << 16 | Int(data[i + 2]) << 8 | Int(data[i + 3]) }
        while at + 8 <= data.count {
            let length = u32(at), type = String(decoding: data[at + 4..<at + 8], as: UTF8.self)
            let body = Array(data[at + 8..<at + 8 + length])
            if type == "IHDR" {
                w = u32(at + 8); h = u32(at + 12)
                guard body[8] == 8, body[12] == 0 else { throw Bad(description: "only 8-bit, non-interlaced PNGs") }
                colorType = Int(body[9])
            } else if type == "IDAT" {
                idat += body
            } else if type == "IEND" { break }
            at += 12 + length
        }
        let bpp = colorType == 6 ? 4 : colorType == 2 ? 3 : 0
        guard bpp > 0 else { throw Bad(description: "colour type \(colorType) not supported") }
        var inflater = try Inflater(format: .zlib, maxOutput: (w * bpp + 1) * h + 16)
        let raw = try inflater.feed(idat)
        let stride = w * bpp
        var out = [UInt8](repeating: 0, count: stride * h)
        for y in 0..<h {
            let filter = raw[y * (stride + 1)]
            for x in 0..<stride {
                let v = raw[y * (stride + 1) + 1 + x]
                let a = x >= bpp ? Int(out[y * stride + x - bpp]) : 0
                let b = y > 0 ? Int(out[(y - 1) * stride + x]) : 0
                let c = x >= bpp && y > 0 ? Int(out[(y - 1) * stride + x - bpp]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                default:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                }
                out[y * stride + x] = UInt8((Int(v) + predicted) & 0xFF)
            }
        }
        var rgba = [UInt8](repeating: 255, count: w * h * 4)
        for i in 0..<(w * h) { for k in 0..<bpp { rgba[i * 4 + k] = out[i * bpp + k] } }
        width = w; height = h; pixels = rgba
    }

    func rgb(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 4
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    func `is`(_ x: Int, _ y: Int, _ hex: String) -> Bool {
        let v = Int(hex.dropFirst(), radix: 16)!
        let (r, g, b) = rgb(x, y)
        return Int(r) == v >> 16 && Int(g) == (v >> 8) & 0xFF && Int(b) == v & 0xFF
    }

    func count(_ hex: String) -> Int {
        var n = 0
        for y in 0..<height { for x in 0..<width where self.is(x, y, hex) { n += 1 } }
        return n
    }

    /// Connected areas (4-neighbours) of exactly this colour.
    func components(_ hex: String) -> [(minX: Int, maxX: Int)] {
        var seen = [Bool](repeating: false, count: width * height)
        var out: [(Int, Int)] = []
        for y0 in 0..<height {
            for x0 in 0..<width where !seen[y0 * width + x0] && self.is(x0, y0, hex) {
                var stack = [(x0, y0)], lo = x0, hi = x0
                seen[y0 * width + x0] = true
                while let (x, y) = stack.popLast() {
                    lo = min(lo, x); hi = max(hi, x)
                    for (nx, ny) in [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)] where nx >= 0 && ny >= 0 && nx < width && ny < height {
                        if !seen[ny * width + nx] && self.is(nx, ny, hex) { seen[ny * width + nx] = true; stack.append((nx, ny)) }
                    }
                }
                out.append((lo, hi))
            }
        }
        return out
    }
}

/// Issue 12 item 12: the timeline, rendered by a real SVG renderer and checked by its pixels.
@Suite(.serialized)
struct TimelineTests {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-timeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    static let renderer = "/usr/bin/rsvg-convert"

    func render(_ svg: String) throws -> PNGImage {
        #expect(FileManager.default.isExecutableFile(atPath: Self.renderer), "rsvg-convert is missing: run Tools/install-deps.sh (Debian librsvg2-bin)")
        let png = dir.appendingPathComponent(UUID().uuidString + ".png").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.renderer)
        p.arguments = ["-o", png, svg]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "rsvg-convert refused \(svg)")
        return try PNGImage(Array(try Data(contentsOf: URL(fileURLWithPath: png))))
    }

    func inspect(_ log: String, _ out: String) throws -> [String: Any] {
        let r = try CLITests.run(["inspect", log, "--json", "--timeline", out], environment: ["TZ": "UTC"])
        #expect(r.status == 0, "\(r.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    /// 2026-12-02 12:00:00 UTC.
    static let noon: UInt64 = 1_796_212_800_000

    @Test func overlappingRequestsEachGetAVisibleMarkAndNoneRunsOff() throws {
        let log = dir.appendingPathComponent("overlap.jsonl.gz").path
        let w = try SessionLogWriter(path: log, header: SessionLog.Header(recorder: "device", replica: "store-a-d1", startedAt: Self.noon))
        // 30 partner requests in the same millisecond, 5 device requests over 10 s, the last
        // of which takes 4 s (its bar used to run off the picture).
        for _ in 0..<30 {
            try w.append(SessionLog.Exchange(step: 0, at: Self.noon + 2000, durationMs: 0.4, principal: "partner:wz-noord", store: nil, method: "GET",
                                             path: "/v1/partner/referrals", query: nil, request: nil, status: 200, response: Array("{}".utf8),
                                             bytesIn: 0, bytesOut: 2, digestBefore: nil, digestAfter: nil))
        }
        for i in 0..<5 {
            try w.append(SessionLog.Exchange(step: 0, at: Self.noon + UInt64(i) * 2500, durationMs: i == 4 ? 4000 : 30, principal: "device:store-a-d1", store: "store-a",
                                             method: "GET", path: "/v1/sync/status", query: nil, request: nil, status: i == 2 ? 409 : 200,
                                             response: Array("{}".utf8), bytesIn: 0, bytesOut: 2, digestBefore: nil, digestAfter: nil))
        }
        try w.close()
        let svg = dir.appendingPathComponent("overlap.svg").path
        _ = try inspect(log, svg)
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.contains("12:00:00") && text.contains("12:00:1"), "clock times on the axis")
        let image = try render(svg)
        let green = image.components("#27ae60"), orange = image.components("#e67e22")
        #expect(green.count == 34, "one visible mark per answered request: \(green.count)")
        #expect(orange.count == 1)
        let plotRight = Int(200 + 900)
        #expect(!green.contains { $0.maxX > plotRight }, "a mark runs off the plot: \(green.map(\.maxX).max() ?? 0) > \(plotRight)")
        #expect(image.width <= 1200)
    }

    @Test func quarantinesConflictsAndVolumeShow() throws {
        let drift = dir.appendingPathComponent("drift.svg").path
        let d = try inspect(SessionLogTests.fixtures.appendingPathComponent("clock-drift-quarantine.jsonl.gz").path, drift)
        let driftImage = try render(drift)
        #expect(driftImage.count("#8b0000") > 10, "a quarantine marker")
        #expect(driftImage.count("#2c6fbb") > 0, "pushed volume")
        let requests = try #require(d["requests"] as? Int)
        #expect(driftImage.components("#27ae60").count + driftImage.components("#e67e22").count >= requests - 1)
        let conflicts = dir.appendingPathComponent("conflicts.svg").path
        _ = try inspect(SessionLogTests.fixtures.appendingPathComponent("conflicting-offline-edits.jsonl.gz").path, conflicts)
        let conflictImage = try render(conflicts)
        #expect(conflictImage.count("#f39c12") > 10, "a concurrent-write marker")
        #expect(conflictImage.count("#8e44ad") > 0, "pulled volume")
        #expect(driftImage.count("#8b0000") > 0 && conflictImage.count("#8b0000") == 0, "no quarantine where there was none")
        // The HTML version: the same picture, every mark with its details for hovering.
        let html = dir.appendingPathComponent("conflicts.html").path
        let j = try inspect(SessionLogTests.fixtures.appendingPathComponent("conflicting-offline-edits.jsonl.gz").path, html)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg") && page.contains("mousemove"))
        #expect(page.components(separatedBy: "data-detail=").count - 1 == j["requests"] as? Int, "details for every request")
        #expect(page.contains("POST /v1/sync/push → 200"))
    }
}
