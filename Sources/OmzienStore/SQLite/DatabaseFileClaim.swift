#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite
import Synchronization

/// The right to hold the one connection to a database file (see `SQLiteLibrary` for why
/// there is exactly one).
///
/// Two layers, both released by `release()` (idempotent) or `deinit`:
/// - in this process, the canonical path is entered in a `Mutex`-protected registry, so a
///   second `Database` for the same file (also through a symlink or `..`) is refused with a
///   clear message before any file is touched;
/// - across processes, an exclusive, non-blocking `flock` is taken on the side file
///   `<path>.lock` (created if missing, never deleted: deleting it would let two processes
///   lock two different inodes). The kernel drops the lock if the process dies.
final class DatabaseFileClaim {
    /// Canonical paths with a live claim in this process.
    private static let openPaths = Mutex<Set<String>>([])

    let canonicalPath: String
    private var lockDescriptor: Int32
    private var released = false

    /// Claims `path`. Throws `DatabaseError` with reason `.alreadyOpenInThisProcess` or
    /// `.alreadyOpenInAnotherProcess`, or `SQLITE_CANTOPEN` when the lock file cannot be made.
    init(path: String, readOnly: Bool) throws {
        let canonical = Self.canonicalize(path)
        let inserted = Self.openPaths.withLock { $0.insert(canonical).inserted }
        guard inserted else {
            throw DatabaseError(reason: .alreadyOpenInThisProcess, code: SQLITE_BUSY,
                                message: "already open in this process", path: path)
        }
        let lockPath = canonical + ".lock"
        var fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 && readOnly {
            fd = open(lockPath, O_RDONLY | O_CLOEXEC)
        }
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            Self.openPaths.withLock { _ = $0.remove(canonical) }
            throw DatabaseError(code: SQLITE_CANTOPEN, message: "cannot create lock file '\(lockPath)': \(reason)", path: path)
        }
        // A lock can outlive its closing for a moment: a child forked by this process holds a
        // copy of every descriptor until it execs (O_CLOEXEC acts only at exec). So a busy
        // lock is retried for up to 250 ms before it counts as held by another process.
        var result: Int32 = -1
        for attempt in 0..<26 {
            repeat { result = flock(fd, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
            if result == 0 || errno != EWOULDBLOCK || attempt == 25 { break }
            usleep(10_000)
        }
        guard result == 0 else {
            let error = errno
            close(fd)
            Self.openPaths.withLock { _ = $0.remove(canonical) }
            if error == EWOULDBLOCK {
                throw DatabaseError(reason: .alreadyOpenInAnotherProcess, code: SQLITE_BUSY,
                                    message: "another process holds an exclusive lock on '\(lockPath)'", path: path)
            }
            throw DatabaseError(code: SQLITE_CANTOPEN,
                                message: "cannot lock '\(lockPath)': \(String(cString: strerror(error)))", path: path)
        }
        self.canonicalPath = canonical
        self.lockDescriptor = fd
    }

    /// Gives the claim up: unlocks and closes the lock file, leaves the registry. Idempotent.
    func release() {
        guard !released else { return }
        released = true
        close(lockDescriptor)  // closing the last descriptor releases the flock
        lockDescriptor = -1
        let path = canonicalPath
        Self.openPaths.withLock { _ = $0.remove(path) }
    }

    deinit { release() }

    /// Whether this process holds a claim on `path` (for tests and diagnostics).
    static func isClaimed(_ path: String) -> Bool {
        let canonical = canonicalize(path)
        return openPaths.withLock { $0.contains(canonical) }
    }

    /// An absolute path with symlinks, `.` and `..` resolved. The file itself need not exist
    /// (its directory is resolved and the last component appended); if nothing resolves,
    /// the path is made absolute against the working directory.
    static func canonicalize(_ path: String) -> String {
        if let resolved = realPath(path) { return resolved }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        if let resolvedDirectory = realPath(directory.isEmpty ? "/" : directory) {
            return (resolvedDirectory == "/" ? "" : resolvedDirectory) + "/" + name
        }
        if path.hasPrefix("/") { return path }
        return (realPath(".") ?? ".") + "/" + path
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
