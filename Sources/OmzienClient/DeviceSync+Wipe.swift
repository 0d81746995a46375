import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
#if canImport(Glibc)
import Glibc
#endif

/// The revocation wipe (Protocol/PRIVACY.md R-PRIV-10, R-PRIV-12). An operator who revokes a
/// device with a wipe makes the server answer the device's every request with 401
/// `wipe-required`; the device then erases its local data: the database file, its WAL, SHM
/// and rollback journal are overwritten with zeros, flushed and deleted (the bytes, not only
/// the rows), and so is an unfinished enrollment's intent file. What the device had not sent
/// yet is lost: the operator chose that (`omzien admin revoke` warns, R-PRIV-11), and the
/// report says how much it was.
///
/// Trust: the device obeys its configured server (the URL it enrolled with, over TLS or
/// loopback) and nothing else; a wipe order is only ever the answer to the device's own
/// authenticated request. A forged answer needs a forged server, against which TLS is the
/// defence: no signature is added here.
extension DeviceSync {
    /// The problem code that orders a wipe.
    public static let wipeProblemCode = "wipe-required"

    /// What a wipe erased.
    public struct WipeReport: Sendable, Equatable {
        /// The files overwritten and deleted.
        public var files: [String] = []
        /// Operations written on this device that the server never acknowledged: dropped.
        public var droppedUnsent = 0
        /// Records the device held.
        public var records = 0
        /// The server's explanation.
        public var reason = ""
    }

    /// When `error` is the server's wipe order, erases this device's data and reports what
    /// was lost; otherwise returns nil (the caller handles `error` as before). After a wipe
    /// the store is closed and must not be used.
    public func wipeIfOrdered(by error: any Error) throws -> WipeReport? {
        guard case let ClientError.problem(p) = error, p.code == Self.wipeProblemCode else { return nil }
        let held: ReplicaStore
        switch access {
        case let .held(store): held = store
        case let .file(path): held = try DeviceDatabase.open(path, wait: fileWait)
        }
        var report = try Self.wipe(held)
        report.reason = p.detail ?? p.title
        return report
    }

    /// Erases the device database behind `store` from the disk: counts what is lost, closes
    /// the store (SQLite checkpoints its WAL on close: the overwrite comes after, so no page
    /// is written back), then overwrites, flushes and deletes every file of it.
    public static func wipe(_ store: ReplicaStore) throws -> WipeReport {
        var report = WipeReport()
        report.droppedUnsent = (try? store.unsentOperations(limit: Int.max).count) ?? 0
        report.records = (try? store.records().count) ?? 0
        let path = store.path
        store.close()
        for candidate in [path, path + "-wal", path + "-shm", path + "-journal", path + ".enrolling"] {
            guard FileManager.default.fileExists(atPath: candidate) else { continue }
            try overwriteAndDelete(candidate)
            report.files.append(candidate)
        }
        syncDirectory(of: path)
        return report
    }

    /// Zeroes the file's bytes in place, flushes them, and unlinks it.
    static func overwriteAndDelete(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd >= 0 {
            defer { close(fd) }
            var st = stat()
            if fstat(fd, &st) == 0, st.st_size > 0 {
                let chunk = [UInt8](repeating: 0, count: 64 * 1024)
                var left = Int(st.st_size)
                while left > 0 {
                    let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, min(left, chunk.count)) }
                    if n <= 0 { break }
                    left -= n
                }
                fsync(fd)
            }
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ClientError.enrollment("could not delete '\(path)' (\(String(cString: strerror(errno)))); delete it by hand: it holds this device's data")
        }
    }

    static func syncDirectory(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
