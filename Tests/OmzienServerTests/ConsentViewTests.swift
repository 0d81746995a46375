import Foundation
import OmzienModel
import OmzienStore
import Testing

/// Issue 11 leak 8 (Protocol/MODEL.md R-MODEL-3): when the merged consent is not `given`, no
/// view of any audience shows a contact, neither as a winning value nor as a kept conflict.
struct ConsentViewTests {
    /// Till A records consent `given` with a contact while till B, offline, records consent
    /// `refused` (clearing the contact) a second later. The merge keeps A's contact as a lost
    /// conflict. With `winning`, B's refusal is crafted (an older clock, a partial
    /// `supersedes`: valid operations that a device can receive) so that A's contact even
    /// wins the contact field while consent `refused` wins its own.
    static func refusedConsent(_ dir: URL, winning: Bool) throws -> (path: String, signal: RecordRef) {
        let name = winning ? "winning" : "kept"
        let a = try ReplicaStore(path: dir.appendingPathComponent("\(name)-a.sqlite").path, replica: ReplicaID(trusted: "dev-a"))
        let b = try ReplicaStore(path: dir.appendingPathComponent("\(name)-b.sqlite").path, replica: ReplicaID(trusted: "dev-b"))
        let signal = RecordRef(kind: .signal, id: RecordID.random())
        let author = AuthorID(trusted: "kassa-1")
        let t0: UInt64 = 1_764_000_000_000
        let draft = SignalDraft(store: "store-a", observedAt: Int64(t0), reporter: "kassa-1", indicators: ["withdrawn"], note: "n")
        let created = try a.appendLocal(record: signal, author: author, body: .changes(try draft.changes()), physicalMillis: t0)
        _ = try b.apply([created])
        let seen = try #require(try a.loadRecord(signal))
        let given = try a.appendLocal(record: signal, author: author, body: .changes([
            .set(field: "consent", value: .string("given"), supersedes: seen.heads("consent")),
            .set(field: "contact", value: .string("06-CANARY-1234"), supersedes: seen.heads("contact")),
        ]), physicalMillis: t0 + 1_000)
        if winning {
            _ = try b.apply([given])
            let head = b.logHead(of: b.replica)
            var factory = OperationFactory(replica: b.replica, lastSequence: head.held, lastHash: head.lastHash, clock: HybridClock(last: .zero))
            let refusal = try factory.make(record: signal, author: author, body: .changes([
                .set(field: "consent", value: .string("refused"), supersedes: [given.id]),
                .set(field: "contact", value: .null, supersedes: seen.heads("contact")),
            ]), physicalMillis: t0 + 500)
            _ = try a.apply([refusal])
        } else {
            _ = try b.appendLocal(record: signal, author: author, body: .changes([
                .set(field: "consent", value: .string("refused"), supersedes: seen.heads("consent")),
                .set(field: "contact", value: .null, supersedes: seen.heads("contact")),
            ]), physicalMillis: t0 + 2_000)
            _ = try a.apply(try b.operations(from: b.replica, after: 0, limit: 100))
        }
        let merged = try #require(try a.loadRecord(signal))
        #expect(merged.string("consent") == "refused")
        if winning {
            #expect(merged.string("contact") == "06-CANARY-1234", "the crafted case: refused consent, a contact write wins")
        } else {
            #expect(merged.conflicts("contact").contains { $0.value == .string("06-CANARY-1234") }, "the honest case: the contact is kept as a conflict")
        }
        return (dir.appendingPathComponent("\(name)-a.sqlite").path, signal)
    }

    @Test func noDeviceViewShowsAContactAgainstRefusedConsent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-consent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for winning in [false, true] {
        let (path, signal) = try Self.refusedConsent(dir, winning: winning)
        for args in [["device", "conflicts"], ["device", "conflicts", "--json"], ["device", "show", signal.id.rawValue], ["device", "show", signal.id.rawValue, "--json"],
                     ["device", "list"], ["device", "list", "--json"]] {
            let r = try CLITests.run(args + ["--db", path])
            #expect(r.status == 0, "\(args.joined(separator: " ")): \(r.err)")
            #expect(!r.out.contains("CANARY") && !r.err.contains("CANARY"), "\(args.joined(separator: " ")) shows the contact against refused consent:\n\(r.out)")
        }
        let diff = try CLITests.run(["diff", path, path.replacingOccurrences(of: "-a.sqlite", with: "-b.sqlite")])
        // B (which in the crafted case holds consent given with the contact) may show it; A may not.
        #expect(winning ? diff.out.contains("contact: A (withheld") : !diff.out.contains("CANARY"), "diff shows A's contact against refused consent: \(diff.out)")
        // The conflict on consent itself stays visible: the store can see that consent was disputed.
        let conflicts = try CLITests.run(["device", "conflicts", "--json", "--db", path])
        #expect(winning || conflicts.out.contains("consent"), "the consent conflict is still listed: \(conflicts.out)")
        }
    }

    /// The model's views: `shownConflicts` drops contact values (winner and kept) while the
    /// winning consent is not `given`, and keeps them when it is.
    @Test func shownConflictsFollowTheWinningConsent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-consent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, signal) = try Self.refusedConsent(dir, winning: false)
        let store = try ReplicaStore(path: path)
        let refused = try #require(try store.loadRecord(signal))
        #expect(refused.allConflicts.contains { $0.field == "contact" }, "the merge keeps the lost contact write")
        #expect(!refused.shownConflicts.contains { $0.field == "contact" })
        #expect(refused.shownValue("contact") == nil && refused.shownValue("consent") == .string("refused"))
        // Consent given again: the contact and its conflict may be shown.
        _ = try store.appendLocal(record: signal, author: AuthorID(trusted: "kassa-1"),
                                  body: .changes([.set(field: "consent", value: .string("given"), supersedes: refused.heads("consent"))]))
        let given = try #require(try store.loadRecord(signal))
        #expect(given.shownValue("contact") == nil, "the refusal's clear still wins the contact field")
        #expect(given.shownConflicts.contains { $0.field == "contact" }, "with consent given again, the kept contact may be shown")
        let (winningPath, winningSignal) = try Self.refusedConsent(dir, winning: true)
        let crafted = try #require(try ReplicaStore(path: winningPath).loadRecord(winningSignal))
        #expect(crafted.value("contact") == .string("06-CANARY-1234") && crafted.shownValue("contact") == nil)
    }
}
