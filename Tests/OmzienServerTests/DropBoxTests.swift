import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore
import Testing

/// Issue 11, drop-box devices (Protocol/PRIVACY.md R-PRIV-30..32, MODEL.md 7.1): once the
/// server durably holds a submitted signal, the store's devices keep only the store audience's
/// projection: the note, contact and decline reason are in no byte of their files, the other
/// devices of the store never receive them, the partner still does, and every replica still
/// proves convergence by digest and still merges concurrent edits.
struct DropBoxTests {
    let author = AuthorID(trusted: "kassa-1")

    /// The device's database and its `-wal` and `-shm`, as a lost tablet would hold them.
    static func deviceFiles(_ device: DeviceSync) -> [URL] {
        ["", "-wal", "-shm"].map { URL(fileURLWithPath: device.store.path + $0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    static func holds(_ device: DeviceSync, _ canary: String) throws -> [String] {
        try ErasureReachTests.occurrences(of: canary, in: deviceFiles(device))
    }

    /// Every operation of `replica` held by `store` links to its predecessor and its header
    /// hash is the one stored (MODEL.md R-MODEL-10): the chain verifies after the drop.
    /// For another replica's operations (a pull delivers a scoped subset, R-SYNC-11) the
    /// links are checked where the sequence is consecutive, and there is no head to end at.
    static func chainVerifies(_ store: ReplicaStore, of replica: ReplicaID) throws -> Bool {
        var previous: (seq: UInt64, hash: SHA256Digest) = (0, .zero)
        let own = replica == store.replica
        let ops = try store.operations(from: replica, after: 0, limit: 100_000)
        guard !ops.isEmpty else { return false }
        for op in ops {
            if own || op.id.sequence == previous.seq + 1 { guard op.previousHash == previous.hash else { return false } }
            guard LogOperation.headerHash(id: op.id, timestamp: op.timestamp, author: op.author, record: op.record,
                                          payloadHash: op.payloadHash, previousHash: op.previousHash) == op.hash else { return false }
            previous = (op.id.sequence, op.hash)
        }
        return !own || previous.hash == store.logHead(of: replica).lastHash
    }

    func recordSignal(_ device: DeviceSync, note: String, contact: String, submit: Bool = true) throws -> RecordRef {
        let ref = RecordRef(kind: .signal, id: RecordID.random())
        let draft = SignalDraft(store: device.storeID, observedAt: Int64(HybridClock.physicalNowMillis()), reporter: "kassa-1",
                                indicators: ["mentions-alone", "withdrawn"], urgency: "soon", note: note, consent: "given",
                                contact: contact, submit: submit)
        try device.store.appendLocal(record: ref, author: author, body: .changes(try draft.changes()))
        return ref
    }

    static func partner(_ h: SyncHarness, region: String = "noord") throws -> SyncClient {
        let created = try h.admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: "wz-\(region)", region: region, name: "Welzijn"), as: PartnerCreated.self)
        return SyncClient(baseURL: h.baseURL, token: created.token, retry: .none)
    }

    static func referral(_ partner: SyncClient, _ ref: RecordRef) throws -> ReferralView {
        try partner.call("GET", "v1/partner/referrals/\(ref.id)", as: ReferralView.self)
    }

    @Test("R-PRIV-31: the writing device drops note and contact from its file's bytes once the server holds the submit")
    func theWritingDeviceDropsNoteAndContactOnceAcknowledged() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let wz = try Self.partner(h)
        let a = try h.enroll("store-a", name: "till-a")
        let note = "Notitie-\(UUID().uuidString)", contact = "06-\(UUID().uuidString.prefix(8))"
        let signal = try recordSignal(a, note: note, contact: contact)
        #expect(try !Self.holds(a, note).isEmpty, "before the sync the device holds the note (the test can see it)")

        try a.sync()
        for canary in [note, contact] {
            let found = try Self.holds(a, canary)
            #expect(found.isEmpty, "'\(canary.prefix(10))…' is still in \(found) after the server acknowledged it")
        }
        let kept = try #require(try a.store.loadRecord(signal))
        #expect(kept.value("note") == .withheld && kept.value("contact") == .withheld)
        #expect(kept.value("urgency") == .string("soon") && kept.value("consent") == .string("given"))
        #expect(kept.elements("indicators") == ["mentions-alone", "withdrawn"] && kept.status("status")?.state == "submitted")
        #expect(try Self.chainVerifies(a.store, of: a.store.replica), "the device's chain still verifies")
        #expect(try a.store.verifyMaterializedState().isEmpty, "the state is the fold of the rewritten log")
        #expect(try a.store.stateDigest() == (try h.server.service.digest(store: "store-a")))

        let view = try Self.referral(wz, signal)
        #expect(view.note == note && view.contact == contact, "the partner keeps what it needs (R-PART-3)")

        // The server's copy of the chain verifies against what the device holds now: a resend
        // of the whole log (as after a restore, R-OPS-3) is answered as duplicates.
        try a.store.resetAcknowledged(to: 0)
        let again = try a.sync()
        #expect(again.pushed == 0 && a.store.acknowledged == a.store.logHead(of: a.store.replica).held)
        #expect(try Self.referral(wz, signal).note == note, "the resend changed nothing on the server")
    }

    @Test("R-PRIV-30, R-PRIV-32: other devices of the store never receive note or contact, by pull or by snapshot; digests agree")
    func otherDevicesOfTheStoreNeverReceiveThem() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let wz = try Self.partner(h)
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-a", name: "till-b")
        let note = "Notitie-\(UUID().uuidString)", contact = "06-\(UUID().uuidString.prefix(8))"
        let signal = try recordSignal(a, note: note, contact: contact)
        try a.sync()
        _ = try wz.call("POST", "v1/partner/referrals/\(signal.id)/status", body: ReferralUpdateRequest(state: "accepted"), as: ReferralView.self)
        try b.sync()
        let c = try h.enroll("store-a", name: "till-c")  // starts from the snapshot
        for device in [b, c] {
            for canary in [note, contact] { #expect(try Self.holds(device, canary).isEmpty, "\(device.store.replica) received '\(canary.prefix(10))…'") }
            let seen = try #require(try device.store.loadRecord(signal))
            #expect(seen.value("note") == .withheld && seen.value("contact") == .withheld)
            #expect(seen.status("status")?.state == "accepted" && seen.value("urgency") == .string("soon"), "the store sees that the concern was picked up")
        }
        // The pull itself carries no note: the wire, not only the device, is filtered.
        let page = try b.client.call("GET", "v1/sync/pull", query: ["cursor": ""], as: PullResponse.self)
        let wire = String(decoding: try JSONEncoder().encode(page), as: UTF8.self)
        #expect(!wire.contains(note) && !wire.contains(contact) && wire.contains("\"withheld\":true"))
        try a.sync()
        let digest = try h.server.service.digest(store: "store-a")
        #expect(try [a, b, c].allSatisfy { try $0.store.stateDigest() == digest }, "every device agrees with the server's store-audience digest")
        #expect(try Self.referral(wz, signal).contact == contact)
    }

    @Test("R-PRIV-31: concurrent edits after the drop still merge, and the writer's new note is sent, then dropped again")
    func concurrentEditsAfterTheDropStillConverge() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let wz = try Self.partner(h)
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-a", name: "till-b")
        let signal = try recordSignal(a, note: "Eerste-\(UUID().uuidString)", contact: "06-\(UUID().uuidString.prefix(8))")
        try a.sync(); try b.sync()

        // Both tills edit offline, each having seen the withheld note.
        let noteA = "Vervolg-A-\(UUID().uuidString)", noteB = "Vervolg-B-\(UUID().uuidString)"
        for (device, text, urgency) in [(a, noteA, "urgent"), (b, noteB, "routine")] {
            let seen = try #require(try device.store.loadRecord(signal))
            try device.store.appendLocal(record: signal, author: author, body: .changes([
                .set(field: "note", value: .string(text), supersedes: seen.heads("note")),
                .set(field: "urgency", value: .string(urgency), supersedes: seen.heads("urgency")),
            ]))
        }
        #expect(try a.store.loadRecord(signal)?.value("note") == .string(noteA), "the writer reads its new note until it is sent")
        try a.sync(); try b.sync(); try a.sync()
        let digest = try h.server.service.digest(store: "store-a")
        #expect(try a.store.stateDigest() == digest && b.store.stateDigest() == digest, "both tills converge with the server")
        let merged = try #require(try a.store.loadRecord(signal))
        #expect(merged.conflicts("note").count == 1 && merged.conflicts("urgency").count == 1, "the concurrent writes are kept as conflicts")
        #expect(try b.store.loadRecord(signal)?.heads("urgency") == merged.heads("urgency"), "both tills pick the same winner")
        for canary in [noteA, noteB] {
            #expect(try Self.holds(a, canary).isEmpty && Self.holds(b, canary).isEmpty, "'\(canary.prefix(12))…' stays on no till")
        }
        let view = try Self.referral(wz, signal)
        #expect(view.note == noteA || view.note == noteB, "the partner reads the winning note")
        #expect(try Self.chainVerifies(a.store, of: a.store.replica) && Self.chainVerifies(b.store, of: b.store.replica))
        #expect(try Self.chainVerifies(a.store, of: b.store.replica), "a till verifies the other till's operations it holds")
    }

    @Test("R-PRIV-31: a draft keeps everything; once submitted, every device of the store drops it")
    func aDraftKeepsEverythingUntilSubmitted() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-a", name: "till-b")
        let note = "Concept-\(UUID().uuidString)"
        let signal = try recordSignal(a, note: note, contact: "06-12345678", submit: false)
        try a.sync(); try b.sync()
        #expect(try a.store.loadRecord(signal)?.value("note") == .string(note), "the cashier is still writing")
        #expect(try b.store.loadRecord(signal)?.value("note") == .string(note), "a colleague can finish the draft")

        try a.store.appendLocal(record: signal, author: author, body: .changes([.advance(field: "status", epoch: 0, state: "submitted")]))
        try a.sync(); try b.sync()
        #expect(try Self.holds(a, note).isEmpty && Self.holds(b, note).isEmpty, "the submit drops it on both tills")
        let digest = try h.server.service.digest(store: "store-a")
        #expect(try a.store.stateDigest() == digest && b.store.stateDigest() == digest)
    }

    @Test("R-PRIV-31: a write not yet acknowledged keeps its value; a device cannot withhold a field the store may see")
    func anUnsentWriteKeepsItsValue() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let wz = try Self.partner(h)
        let a = try h.enroll("store-a", name: "till-a")
        let note = "Wacht-\(UUID().uuidString)"
        let signal = try recordSignal(a, note: note, contact: "06-87654321")
        let dropped = try a.store.dropWithheldValues()
        #expect(dropped.records.isEmpty && dropped.waiting == [signal], "not acknowledged: nothing is dropped")
        #expect(try !Self.holds(a, note).isEmpty)
        try a.sync()
        #expect(try Self.referral(wz, signal).note == note, "the note reached the partner as written")

        // A withheld value for a field the store audience keeps is refused on push.
        let seen = try #require(try a.store.loadRecord(signal))
        #expect(throws: ModelError.self) {
            try a.store.appendLocal(record: signal, author: author, body: .changes([.set(field: "urgency", value: .withheld, supersedes: seen.heads("urgency"))]))
        }
    }

    /// R-PRIV-30, PARTNERS.md R-PART-27 (issue 11): the store sees why a referral was declined
    /// while it is declined, and nothing of the reason once it is reopened: the reopen's null
    /// supersedes it, and the superseded text leaves the bytes of every till's files (and of
    /// the server's at its next purge); the digests still agree.
    @Test func aReopenTakesTheDeclineReasonOffTheTills() throws {
        let h = try SyncHarness()
        try h.setUpStores([("store-a", "noord")])
        let wz = try Self.partner(h)
        let a = try h.enroll("store-a", name: "till-a"), b = try h.enroll("store-a", name: "till-b")
        let reason = "Reden-\(UUID().uuidString)"
        let ref = try recordSignal(a, note: "n", contact: "c")
        try a.sync()
        _ = try wz.call("POST", "v1/partner/referrals/\(ref.id)/status", body: ReferralUpdateRequest(state: "declined", declineReason: reason), as: ReferralView.self)
        try a.sync(); try b.sync()
        for till in [a, b] { #expect(try till.store.loadRecord(ref)?.string("declineReason") == reason, "the store sees the reason (R-PART-27)") }
        _ = try wz.call("POST", "v1/partner/referrals/\(ref.id)/status", body: ReferralUpdateRequest(state: "reopened"), as: ReferralView.self)
        try a.sync(); try b.sync()
        for till in [a, b] {
            #expect(try till.store.loadRecord(ref)?.value("declineReason") == .null)
            #expect(try Self.holds(till, reason).isEmpty, "the superseded reason left \(till.store.replica)'s files")
        }
        #expect(try Self.chainVerifies(a.store, of: a.store.replica), "the writer's chain still verifies")
        try h.server.service.purgeExpired()
        #expect(try ErasureReachTests.occurrences(of: reason, in: ErasureReachTests.serverFiles(h)).isEmpty, "and the server's")
        let digest = try h.server.service.digest(store: "store-a")
        #expect(try a.store.stateDigest() == digest && b.store.stateDigest() == digest)
    }
}
