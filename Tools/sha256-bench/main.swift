// SHA-256 throughput benchmark. Build and run with Tools/sha256-bench/run.sh (compiles the
// OmzienModel crypto sources with -O straight into this binary; no package changes needed).
// Prints MB/s for large buffers and for small operation-sized messages, and the ratio
// against `sha256sum` (coreutils/OpenSSL-class C) measured in the same run as the baseline.
import Foundation

@main struct SHA256Bench {
    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func main() throws {
        let size = 64 << 20
        let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2654435761) }
        var sink: UInt8 = 0

        // Warm-up, then best of 3 over 64 MiB.
        sink ^= SHA256.hash(data).bytes[0]
        var best = Double.infinity
        for _ in 0..<3 { best = min(best, seconds { sink ^= SHA256.hash(data).bytes[0] }) }
        let bulk = Double(size) / best / 1e6

        // Small messages like sync-log operations (200 bytes each).
        let small = Array(data[0..<200])
        let count = 200_000
        let smallTime = seconds {
            for i in 0..<count {
                var hasher = SHA256()
                hasher.update(small)
                hasher.update([UInt8(truncatingIfNeeded: i)])
                sink ^= hasher.finalize().bytes[0]
            }
        }
        let smallRate = Double(count) / smallTime

        // Baseline: sha256sum over the same bytes from a file in the page cache.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-bench-\(getpid()).bin")
        try Data(data).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        var baseline = Double.infinity
        for _ in 0..<3 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [path.path]
            process.standardOutput = FileHandle.nullDevice
            baseline = min(baseline, seconds { try? process.run(); process.waitUntilExit() })
        }
        let baselineRate = Double(size) / baseline / 1e6

        print(String(format: "SHA256 bulk (64 MiB):      %7.1f MB/s", bulk))
        print(String(format: "sha256sum baseline:        %7.1f MB/s  (ratio ours/baseline %.2f)", baselineRate, bulk / baselineRate))
        print(String(format: "SHA256 201-byte messages:  %7.0f hashes/s (%.1f MB/s)", smallRate, smallRate * 201 / 1e6))
        if sink == 42 { print("") }
    }
}
