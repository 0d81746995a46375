import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import Testing

/// Issue 11 leak 5 (Protocol/PRIVACY.md R-PRIV-5, PARTNERS.md R-PART-10): whoever can write
/// the database cannot rewrite the audit log unseen. The chain is keyed by a secret that is
/// not in the database, and its head is kept outside it.
struct AuditAnchorTests {
    /// A stopped server with six audit entries; its database, key file and head file.
    static func auditedServer() throws -> (h: SyncHarness, dir: URL, db: String, key: String, head: String) {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-noord", region: "noord", name: "W"), as: PartnerCreated.self)
        let wz = SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
        let till = try h.enroll("store-a", name: "till-a")
        let signals = try (0..<3).map { _ in try till.recordSignal(note: "n") }
        try till.sync()
        _ = try wz.call("GET", "v1/partner/referrals", as: ReferralPage.self)
        for s in signals { _ = try wz.call("GET", "v1/partner/referrals/\(s.id)", as: ReferralView.self) }
        h.stop()
        let db = h.dir.appendingPathComponent("server.sqlite").path
        return (h, h.dir, db, ServerSecret.path(besideDatabase: db), AuditLog.headFile(besideDatabase: db))
    }

    /// The plain SHA-256 chain an attacker can compute (PARTNERS.md before the key).
    static func unkeyedHash(seq: Int64, at: Int64, actor: String, token: String, action: String, referral: String, prev: [UInt8]) -> [UInt8] {
        var w = CanonicalWriter()
        w.u8(1); w.u64(UInt64(seq)); w.u64(UInt64(at))
        for s in [actor, token, action, referral] { w.string(s) }
        w.digest(SHA256Digest(bytes: prev))
        return SHA256.hash(w.bytes).bytes
    }

    /// A copy of the database with `tamper` applied to it; the verify command's answer.
    static func verifyTampered(_ s: (h: SyncHarness, dir: URL, db: String, key: String, head: String), _ name: String, extra: [String] = [],
                               keepHeadFile: Bool = true, _ tamper: (Database) throws -> Void) throws -> (status: Int32, out: String, err: String) {
        let copy = s.dir.appendingPathComponent("\(name).sqlite").path
        try FileManager.default.copyItem(atPath: s.db, toPath: copy)
        let db = try Database(path: copy)
        try tamper(db)
        db.close()
        let head = keepHeadFile ? ["--head-file", s.head] : []
        return try CLITests.run(["audit", "verify", "--db", copy, "--key-file", s.key] + head + extra)
    }

    @Test func aRewrittenChainACutTailAndAnEmptiedLogAreAllCaught() throws {
        let s = try Self.auditedServer()
        let intact = try CLITests.run(["audit", "verify", "--db", s.db])
        #expect(intact.status == 0 && intact.out.contains("6 entries"), "\(intact.out)\(intact.err)")
        let head = try #require(intact.out.range(of: #"head (\d+:[0-9a-f]{64})"#, options: .regularExpression).map { String(intact.out[$0].dropFirst(5)) })

        // 1. An entry edited and the whole chain and head recomputed, the way the old chain allowed.
        let rewritten = try Self.verifyTampered(s, "rewritten") { db in
            try db.execute("UPDATE audit_log SET referral = 'someone-else' WHERE seq = 2")
            var prev = [UInt8](repeating: 0, count: 32)
            for row in try db.rows("SELECT seq, at, actor, token, action, referral FROM audit_log ORDER BY seq") {
                let h = Self.unkeyedHash(seq: row[0].int64!, at: row[1].int64!, actor: row[2].text!, token: row[3].text!, action: row[4].text!, referral: row[5].text!, prev: prev)
                try db.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", [.blob(prev), .blob(h), row[0]])
                prev = h
            }
            try db.execute("UPDATE audit_state SET value = ? WHERE key = 'audit_head'", [.text("6:" + SHA256Digest(bytes: prev).hex)])
        }
        #expect(rewritten.status == 1 && rewritten.out.contains("entry 1"), "a recomputed chain passes: \(rewritten.out)\(rewritten.err)")

        // 2. The tail cut off and the head in the database rewritten to match.
        let cut = try Self.verifyTampered(s, "cut") { db in
            let last = try #require(try db.firstRow("SELECT seq, hash FROM audit_log WHERE seq = 4"))
            try db.execute("DELETE FROM audit_log WHERE seq > 4")
            try db.execute("UPDATE audit_state SET value = ? WHERE key = 'audit_head'", [.text("4:" + SHA256Digest(bytes: last[1].blob!).hex)])
        }
        #expect(cut.status == 1 && cut.out.contains("entries 5…6 are missing at the end"), "a cut tail passes: \(cut.out)\(cut.err)")

        // 3. Every row and the head deleted: "0 entries, intact" no more.
        let emptied = try Self.verifyTampered(s, "emptied") { db in
            try db.execute("DELETE FROM audit_log")
            try db.execute("DELETE FROM audit_state WHERE key = 'audit_head'")
        }
        #expect(emptied.status == 1 && emptied.out.contains("the log is empty"), "an emptied log passes: \(emptied.out)\(emptied.err)")

        // 4. The head file gone too: the head noted from an earlier run still catches the cut.
        let noted = try Self.verifyTampered(s, "noted", extra: ["--expect-head", head], keepHeadFile: false) { db in
            try db.execute("DELETE FROM audit_log WHERE seq > 3")
            let last = try #require(try db.firstRow("SELECT hash FROM audit_log WHERE seq = 3"))
            try db.execute("UPDATE audit_state SET value = ? WHERE key = 'audit_head'", [.text("3:" + SHA256Digest(bytes: last[0].blob!).hex)])
        }
        #expect(noted.status == 1 && noted.out.contains("the expected head"), "\(noted.out)\(noted.err)")

        // 5. Without the key nothing can be verified, and the command says what to give it.
        let copy = s.dir.appendingPathComponent("nokey.sqlite").path
        try FileManager.default.copyItem(atPath: s.db, toPath: copy)
        let nokey = try CLITests.run(["audit", "verify", "--db", copy])
        #expect(nokey.status == 74 && nokey.err.contains("--key-file"), "\(nokey.status) \(nokey.err)")
        #expect(try CLITests.run(["audit", "verify", "--db", s.db, "--expect-head", "junk"]).status == 64)
    }

    @Test func theKeyAndTheHeadLiveOutsideTheDatabase() throws {
        let s = try Self.auditedServer()
        let key = try String(contentsOfFile: s.key, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let head = try String(contentsOfFile: s.head, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head.hasPrefix("6:"), "the head file follows every append: \(head)")
        for suffix in ["", "-wal"] {
            guard let bytes = FileManager.default.contents(atPath: s.db + suffix) else { continue }
            #expect(bytes.range(of: Data(key.utf8)) == nil, "the server secret is in the database\(suffix)")
        }
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: s.head)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0)
    }
}
