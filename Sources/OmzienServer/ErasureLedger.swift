import Foundation
import OmzienModel
#if canImport(Glibc)
import Glibc
#endif

/// The erasure ledger (Protocol/PRIVACY.md R-PRIV-15): every erase the server applies, kept
/// OUTSIDE the database so that a backup (which copies only the database) cannot take it back
/// in time. `<database>.erasures`, mode 0600, append-only, one JSON object per line, each
/// line written with one `write` and flushed with `fsync` before the erase is acknowledged.
///
/// A line names the record (kind, random id), its store, when, and for an erase the server
/// made itself (`admin erase`, a retention purge) the whole erase operation: an erase carries
/// no payload, so no line holds personal data (no note, no contact, no name). After a restore
/// the server re-applies every line the database lacks (`SyncService.replayErasureLedger`).
///
/// Not Sendable-sensitive: only the database thread appends (inside a write job).
struct ErasureLedger: Sendable {
    struct Entry: Codable, Equatable {
        var at: UInt64
        var kind: String
        var record: String
        var store: String?
        /// The erase operation, when the server made it (its own replica's log).
        var op: LogOperation?
        /// `admin`, `retention` or `device` (who asked).
        var by: String
        /// Set when only these fields' texts went, not the record: a comment a retention purge
        /// cleared (R-PRIV-19); `op` is then the clearing write.
        var fields: [String]? = nil
    }

    let path: String
    /// Keeps the backup files erased after each append (R-PRIV-34); nil for a read-only or
    /// in-memory server.
    let scrubber: BackupScrubber?

    /// The ledger at `path`; with `backups`, a `BackupScrubber` of that directory that runs
    /// once now and after every append.
    init(path: String, backups: String? = nil) {
        self.path = path
        scrubber = backups.map { BackupScrubber(directory: $0, ledgerPath: path) }
    }

    static func path(besideDatabase database: String) -> String { database + ".erasures" }

    /// Appends `entries`, each a line, and flushes them to disk.
    func append(_ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for e in entries { bytes += Array(try encoder.encode(e)) + [0x0A] }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ServerError.ledger("cannot open the erasure ledger '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        fchmod(fd, 0o600)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw ServerError.ledger("cannot write the erasure ledger '\(path)': \(String(cString: strerror(errno)))") }
            done += n
        }
        guard fsync(fd) == 0 else { throw ServerError.ledger("cannot flush the erasure ledger '\(path)': \(String(cString: strerror(errno)))") }
        scrubber?.request()
    }

    /// Every entry, oldest first. A last line cut short (a crash during its write, before its
    /// erase was acknowledged) is skipped; a damaged line elsewhere is an error.
    func entries() throws -> [Entry] { try lines().map(\.entry) }

    /// Every entry with the SHA-256 of its line (what a scrubbed backup remembers of the last
    /// line it applied, so that a ledger moved aside and started anew is noticed).
    func lines() throws -> [(entry: Entry, hash: SHA256Digest)] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
        var out: [(entry: Entry, hash: SHA256Digest)] = []
        for (i, line) in lines.enumerated() {
            do {
                out.append((try JSONDecoder().decode(Entry.self, from: Data(line)), SHA256.hash(Array(line))))
            } catch {
                if i == lines.count - 1 && data.last != 0x0A { break }
                throw ServerError.ledger("line \(i + 1) of the erasure ledger '\(path)' is damaged: \(error); restore the file from the server's backup of it, or move it aside to start without (erasures made after the last backup would then not be re-applied)")
            }
        }
        return out
    }
}
