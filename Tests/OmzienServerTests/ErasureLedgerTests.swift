import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import Testing

/// Issue 11, erasure that reaches every copy: a request from the person (`admin erase
/// --contact`, PRIVACY.md R-PRIV-13, R-PRIV-14) and a restored backup that re-applies every
/// erasure made after it was taken (the erasure ledger, R-PRIV-15, R-PRIV-16).
struct ErasureLedgerTests {
    typealias Setup = WipeTests.Setup

    static func signal(_ s: Setup, note: String, contact: String? = nil, db: String? = nil) throws -> String {
        var args = ["signal", "--indicators", "withdrawn", "--note", note]
        if let contact { args += ["--consent", "given", "--contact", contact] }
        let r = try s.deviceJSON(args, db: db)
        return try #require(r["id"] as? String)
    }

    /// R-PRIV-13/14: the person's number, written any way, finds their signals and only
    /// theirs; --dry-run lists them by id; the erase says how many and echoes nothing else;
    /// a second device of the store receives the erase.
    @Test func erasingByContactFindsTheSignalsHoweverTheNumberIsWritten() throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let other = s.dir.appendingPathComponent("till-2.sqlite").path
        _ = try s.enrollAnother(at: other)
        let n1 = "Contactkanarie-\(UUID().uuidString)", n2 = "Tweede-\(UUID().uuidString)", keep = "Blijft-\(UUID().uuidString)"
        let a = try Self.signal(s, note: n1, contact: "06-1234 5678")
        let b = try Self.signal(s, note: n2, contact: "bel +31 (0)6 12 34 56 78 na 17u")
        let c = try Self.signal(s, note: keep, contact: "06-12345679")
        let d = try Self.signal(s, note: keep + "-2", contact: "0612345678999")  // a longer number that contains it
        #expect(try s.device(["sync"]).status == 0)
        #expect(try s.device(["sync"], db: other).status == 0)

        let dry = try s.admin(["erase", "--contact", "0031 6 12345678", "--dry-run"])
        #expect(dry.status == 0, "\(dry.err)")
        #expect(dry.out.contains(a) && dry.out.contains(b) && !dry.out.contains(c) && !dry.out.contains(d), "\(dry.out)")
        #expect(dry.out.contains("2 signals"), "\(dry.out)")
        #expect(try s.serverFilesHolding(n1).isEmpty == false, "a dry run erases nothing")

        let done = try s.admin(["erase", "--contact", "+31612345678"])
        #expect(done.status == 0, "\(done.err)")
        #expect(done.out.contains("Erased 2 signals"), "\(done.out)")
        for text in ["12345678", n1, n2, "06"] { #expect(!done.out.contains(text) && !done.err.contains(text), "the answer echoes nothing: \(done.out)") }
        for canary in [n1, n2] { #expect(try s.serverFilesHolding(canary).isEmpty, "\(canary.prefix(12))… left the server's files") }
        #expect(try s.serverFilesHolding(keep).isEmpty == false, "the other signals stay")

        // The erase reaches both devices; their digests agree.
        let d1 = try s.deviceJSON(["sync"]), d2 = try s.deviceJSON(["sync"], db: other)
        #expect(d1["digest"] as? String == d2["digest"] as? String)
        let shown = try s.device(["show", a], db: other)
        #expect(shown.out.contains("erased") && !shown.out.contains(n1), "\(shown.out)")

        let nothing = try s.admin(["erase", "--contact", "06-12345678"])
        #expect(nothing.status == 0 && nothing.out.contains("nothing was erased"), "\(nothing.out)")
        let bad = try s.admin(["erase", "--contact", "Jan de Vries"])
        #expect(bad.status == 65 && bad.err.contains("phone number"), "a name is not a contact to search by: \(bad.err)")
        s.stop()
    }

    /// R-PRIV-15/16: back up, erase (by the operator and on a device), restore the backup, start:
    /// both erased canaries are in 0 bytes of the server's files, and the digest is the one the
    /// device that saw the erases has; a restore of the same backup a second time does the same.
    @Test func aRestoredBackupReappliesEveryErasureMadeAfterIt() throws {
        var s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let byAdmin = "Beheerkanarie-\(UUID().uuidString)", byDevice = "Apparaatkanarie-\(UUID().uuidString)", stays = "Blijft-\(UUID().uuidString)"
        _ = try Self.signal(s, note: byAdmin, contact: "06-87654321")
        let erasedOnDevice = try Self.signal(s, note: byDevice)
        _ = try Self.signal(s, note: stays)
        #expect(try s.device(["sync"]).status == 0)
        let backup = try s.admin(["backup", "--json"])
        let backupPath = try #require((try JSONSerialization.jsonObject(with: Data(backup.out.utf8)) as? [String: Any])?["path"] as? String)

        #expect(try s.admin(["erase", "--contact", "0687654321"]).out.contains("Erased 1 signals"))
        #expect(try s.device(["update", erasedOnDevice, "--erase"]).status == 0)
        let seen = try s.deviceJSON(["sync"])
        let digest = try #require(seen["digest"] as? String)
        #expect(FileModeTests.mode(s.db + ".erasures") == 0o600, "the ledger is the owner's only")
        let ledger = try String(contentsOfFile: s.db + ".erasures", encoding: .utf8)
        #expect(ledger.split(separator: "\n").count == 2, "one line per erase: \(ledger)")
        for text in [byAdmin, byDevice, "87654321"] { #expect(!ledger.contains(text), "the ledger holds no personal data") }
        s.stop()

        for round in 1...2 {
            let restored = try CLITests.run(["admin", "restore", backupPath, "--db", s.db])
            #expect(restored.status == 0, "\(restored.err)")
            #expect(restored.out.contains("re-applied 2 erasures"), "round \(round): \(restored.out)")
            for canary in [byAdmin, byDevice] {
                #expect(try s.serverFilesHolding(canary).isEmpty, "round \(round): \(canary.prefix(14))… is back in the server files")
            }
            #expect(try s.serverFilesHolding(stays).isEmpty == false)
            try s.start()
            try s.pointDevice(s.deviceDB)
            let after = try s.deviceJSON(["sync"])
            #expect(after["digest"] as? String == digest, "round \(round): the device that saw the erases agrees with the restored server")
            let fresh = s.dir.appendingPathComponent("fresh-\(round).sqlite").path
            _ = try s.enrollAnother(at: fresh)
            #expect(try s.deviceJSON(["status"], db: fresh)["digest"] as? String == digest, "round \(round): a new device's snapshot has the same digest")
            for canary in [byAdmin, byDevice] { #expect(try s.serverFilesHolding(canary).isEmpty, "round \(round), after the device resent its log") }
            s.stop()
        }
    }

    /// R-PRIV-15: the ledger's lines are read back; a line cut short at the end (a crash while
    /// writing it) is skipped, a damaged line in the middle is refused with what to do.
    @Test func aTornLastLedgerLineIsSkippedAndADamagedOneRefused() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let a = try h.enroll("store-a", name: "till")
        let ref = try a.recordSignal(note: "x")
        try a.sync()
        try a.store.appendLocal(record: ref, author: AuthorID(trusted: "kassa-1"), body: .erase)
        try a.sync()
        h.stop()
        let path = h.dir.appendingPathComponent("server.sqlite.erasures").path
        var text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(ref.id.rawValue))
        text += "{\"at\":1,\"kind\":\"sig"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let reopened = try SyncService(path: h.dir.appendingPathComponent("server.sqlite").path)
        #expect(reopened.erasuresReapplied == 0, "everything in the ledger is in the database")
        reopened.stop()
        try ("garbage\n" + text + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: (any Error).self) { _ = try SyncService(path: h.dir.appendingPathComponent("server.sqlite").path) }
    }
}
