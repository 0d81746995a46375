import Foundation
import Testing
import CSQLite
@testable import OmzienStore

/// The one-connection-per-file rule (see `SQLiteLibrary`): refused in-process by the registry,
/// across processes by the `flock` on `<path>.lock`.
@Suite struct OneConnectionPerFileTests {
    @Test func secondOpenInTheSameProcessIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("one.sqlite")
        let first = try Database(path: path)
        let error = try #require(throws: DatabaseError.self) { try Database(path: path) }
        #expect(error.reason == .alreadyOpenInThisProcess)
        #expect(error.isBusy)
        #expect(error.description.contains("already open in this process"))
        #expect(error.description.contains(path))
        // The refused open changed nothing: the first connection still works.
        try first.execute("CREATE TABLE t (x)")
        // Read-only does not get around it either.
        #expect(throws: DatabaseError.self) { try Database(path: path, options: .init(readOnly: true)) }
    }

    @Test func otherSpellingsOfThePathAreTheSameFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("one.sqlite")
        let first = try Database(path: path)
        try FileManager.default.createDirectory(atPath: directory.path("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.path("link.sqlite"), withDestinationPath: path)
        try FileManager.default.createSymbolicLink(atPath: directory.path("dirlink"), withDestinationPath: directory.url.path)
        for alias in [directory.path("sub/../one.sqlite"), directory.path("./one.sqlite"),
                      directory.path("link.sqlite"), directory.path("dirlink/one.sqlite")] {
            let error = try #require(throws: DatabaseError.self, "\(alias)") { try Database(path: alias) }
            #expect(error.reason == .alreadyOpenInThisProcess, "\(alias)")
        }
        first.close()
    }

    @Test func relativePathIsTheSameFileAsItsAbsolutePath() throws {
        let directory = try TemporaryDirectory()
        let absolute = directory.path("rel.sqlite")
        #expect(DatabaseFileClaim.canonicalize(absolute) == DatabaseFileClaim.canonicalize(absolute))
        let cwd = FileManager.default.currentDirectoryPath
        let relative = DatabaseFileClaim.canonicalize("some-file.sqlite")
        #expect(relative.hasPrefix("/"))
        #expect(relative.hasSuffix("/some-file.sqlite"))
        #expect(relative == DatabaseFileClaim.canonicalize(cwd + "/some-file.sqlite"))
    }

    @Test func closeAndDeinitReleaseTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("one.sqlite")
        let first = try Database(path: path)
        #expect(DatabaseFileClaim.isClaimed(path))
        first.close()
        #expect(!DatabaseFileClaim.isClaimed(path))
        do {
            let second = try Database(path: path)
            try second.execute("CREATE TABLE t (x)")
        }
        #expect(!DatabaseFileClaim.isClaimed(path))
        let third = try Database(path: path)
        #expect(try third.rows("SELECT name FROM sqlite_schema") == [["t"]])
    }

    @Test func failedOpenReleasesTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("garbage.sqlite")
        try Data("this is not a database, just text that is long enough".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: DatabaseError.self) { try Database(path: path) }
        #expect(!DatabaseFileClaim.isClaimed(path))
        // And the lock file is free for another process.
        let other = try PythonProcess(flockHolderScript, arguments: [path + ".lock"])
        #expect(other.readLine() == "locked")
        other.finish()
    }

    @Test func openWhileAnotherProcessHoldsTheFileIsRefusedUntilItStops() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("shared.sqlite")
        let other = try PythonProcess(flockHolderScript, arguments: [path + ".lock"])
        try #require(other.readLine() == "locked")

        let error = try #require(throws: DatabaseError.self) { try Database(path: path) }
        #expect(error.reason == .alreadyOpenInAnotherProcess)
        #expect(error.description.hasPrefix("database '\(path)' is already open in another process; stop it first"))
        #expect(!DatabaseFileClaim.isClaimed(path))
        #expect(!FileManager.default.fileExists(atPath: path), "no connection was opened, so no file was created")

        other.finish()
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t (x)")
    }

    @Test func anotherProcessCannotTakeTheFileWhileWeHoldIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("ours.sqlite")
        let db = try Database(path: path)
        let whileOpen = try PythonProcess(flockHolderScript, arguments: [path + ".lock"])
        #expect(whileOpen.readLine() == "busy")
        whileOpen.finish()

        db.close()
        let afterClose = try PythonProcess(flockHolderScript, arguments: [path + ".lock"])
        #expect(afterClose.readLine() == "locked")
        afterClose.finish()
    }

    @Test func concurrentOpensOfOneFileLetExactlyOneThrough() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("race.sqlite")
        let outcomes = OutcomeCounter()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            do {
                let db = try Database(path: path)
                outcomes.didOpen()
                Thread.sleep(forTimeInterval: 0.05)  // keep it open while the others try
                outcomes.willClose()
                db.close()
            } catch let error as DatabaseError where error.reason == .alreadyOpenInThisProcess {
                outcomes.wasRefused()
            } catch {
                Issue.record("unexpected error: \(error)")
            }
        }
        #expect(outcomes.opened >= 1)
        #expect(outcomes.opened + outcomes.refused == 16)
        #expect(outcomes.maxConcurrent == 1)
    }
}

import Synchronization

/// Counts opens and refusals, and the highest number of simultaneously open connections.
final class OutcomeCounter: Sendable {
    private let state = Mutex((opened: 0, refused: 0, open: 0, maxOpen: 0))

    func didOpen() {
        state.withLock { s in
            s.opened += 1
            s.open += 1
            s.maxOpen = max(s.maxOpen, s.open)
        }
    }

    /// Call before closing, so the count never lags behind the real connections.
    func willClose() { state.withLock { $0.open -= 1 } }
    func wasRefused() { state.withLock { $0.refused += 1 } }

    var opened: Int { state.withLock { $0.opened } }
    var refused: Int { state.withLock { $0.refused } }
    var maxConcurrent: Int { state.withLock { $0.maxOpen } }
}
