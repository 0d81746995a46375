import Foundation

/// What a device is about to enroll with, written beside its database before it asks the
/// server (R-SYNC-2a), so that a lost answer or a stopped process is retried with the same
/// nonce. Mode 0600: the code is a secret until it is spent.
struct EnrollmentIntent: Codable, Equatable {
    var server: String
    var code: String
    var nonce: String

    static func load(_ path: String) throws -> EnrollmentIntent? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(EnrollmentIntent.self, from: data)
    }

    func save(_ path: String) throws {
        let data = try JSONEncoder().encode(self)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ClientError.enrollment("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else { throw ClientError.enrollment("cannot write '\(path)': \(String(cString: strerror(errno)))") }
    }

    /// 32 random hex digits (128 bits).
    static func randomNonce() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }
}
