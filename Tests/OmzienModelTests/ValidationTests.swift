import OmzienModel
import Testing

/// Bad values are rejected with an error that names the field and the rule
/// (Protocol/MODEL.md, "Records").
struct ValidationTests {
    var factory = OperationFactory(replica: ReplicaID(trusted: "dev-a"))
    let author = AuthorID(trusted: "kassa-1")
    let signal = RecordRef(kind: .signal, id: RecordID(trusted: "s1"))
    let feedback = RecordRef(kind: .feedback, id: RecordID(trusted: "f1"))

    func rejects(_ ref: RecordRef, _ changes: [FieldChange], mentioning words: [String]) {
        var f = factory
        do {
            _ = try f.make(record: ref, author: author, body: .changes(changes), physicalMillis: 1_000)
            Issue.record("accepted \(changes)")
        } catch {
            let text = "\(error)"
            for word in words { #expect(text.contains(word), "'\(text)' should mention '\(word)'") }
        }
        #expect(f.lastSequence == 0, "a rejected operation does not use up a sequence number")
    }

    @Test func npsAboveTenIsRejected() {
        rejects(feedback, [.set(field: "nps", value: .int(11), supersedes: [])], mentioning: ["nps", "11", "0...10"])
        rejects(feedback, [.set(field: "nps", value: .int(-1), supersedes: [])], mentioning: ["nps", "-1"])
        rejects(feedback, [.set(field: "nps", value: .string("9"), supersedes: [])], mentioning: ["nps", "whole number"])
    }

    @Test func unknownIndicatorIsRejected() {
        rejects(signal, [.add(field: "indicators", element: "sad-face")], mentioning: ["indicators", "sad-face", "mentions-alone"])
    }

    /// R-MODEL-3: contact needs consent given in the same operation; consent other than given clears contact.
    @Test func contactDetailsWithoutConsentAreRejected() throws {
        rejects(signal, [.set(field: "contact", value: .string("06-1234"), supersedes: [])], mentioning: ["consent"])
        rejects(signal, [.set(field: "consent", value: .string("refused"), supersedes: []),
                         .set(field: "contact", value: .string("06-1234"), supersedes: [])], mentioning: ["consent", "given"])
        rejects(signal, [.set(field: "consent", value: .string("refused"), supersedes: [])], mentioning: ["contact", "clear"])
        let draft = SignalDraft(store: "s1", observedAt: 1_763_800_000_000, reporter: "kassa-1", indicators: ["withdrawn"], consent: "not-asked", contact: "06-1234")
        #expect(throws: ModelError.self) { try draft.changes() }
        var f = factory
        let ok = SignalDraft(store: "s1", observedAt: 1_763_800_000_000, reporter: "kassa-1", indicators: ["withdrawn"], consent: "given", contact: "06-1234")
        _ = try f.make(record: signal, author: author, body: .changes(try ok.changes()), physicalMillis: 1_000)
    }

    @Test func noteOverTheSizeLimitIsRejected() {
        let long = String(repeating: "é", count: Vocabulary.noteMaxBytes / 2 + 1)
        rejects(signal, [.set(field: "note", value: .string(long), supersedes: [])], mentioning: ["note", "\(Vocabulary.noteMaxBytes)", "bytes"])
    }

    @Test func controlCharactersInTextAreRejected() {
        rejects(signal, [.set(field: "note", value: .string("a\u{7}b"), supersedes: [])], mentioning: ["control character"])
    }

    /// R-MODEL-4: an operation that sets one register field twice is rejected (among other mismatches).
    @Test func unknownFieldsAndMismatchedChangesAreRejected() {
        rejects(signal, [.set(field: "name", value: .string("Mevrouw Jansen"), supersedes: [])], mentioning: ["no field", "name"])
        rejects(signal, [.increment(field: "urgency", amount: 1)], mentioning: ["urgency", "register", "increment"])
        rejects(signal, [.advance(field: "status", epoch: 0, state: "finished")], mentioning: ["finished", "closed"])
        rejects(RecordRef(kind: .chatMoment, id: RecordID(trusted: "s/1/2026-11-22")), [.increment(field: "count", amount: 0)], mentioning: ["increment", "1..."])
        rejects(signal, [.set(field: "urgency", value: .string("soon"), supersedes: []), .set(field: "urgency", value: .string("urgent"), supersedes: [])], mentioning: ["twice"])
        rejects(signal, [], mentioning: ["changes nothing"])
    }

    @Test func unsortedSupersedeListsAreRejected() {
        let x = OperationID(replica: ReplicaID(trusted: "b"), sequence: 1), y = OperationID(replica: ReplicaID(trusted: "a"), sequence: 2)
        rejects(signal, [.set(field: "urgency", value: .string("soon"), supersedes: [x, y])], mentioning: ["sorted"])
    }

    @Test func identifiersRejectWhatCouldCarryANameOrBreakSorting() {
        #expect(throws: ModelError.self) { try AuthorID("Jan Jansen") }
        #expect(throws: ModelError.self) { try AuthorID("x") }
        #expect(throws: ModelError.self) { try ReplicaID("") }
        #expect(throws: ModelError.self) { try ReplicaID("dév") }
        #expect(throws: ModelError.self) { try RecordID(String(repeating: "a", count: 129)) }
        #expect(throws: ModelError.self) { try ChatMomentKey(store: "s1", lane: 1, day: "2026-13-01") }
        #expect(throws: ModelError.self) { try RecordKind(validating: "customer") }
        #expect((try? AuthorID("kassa-17")) != nil)
    }

    @Test func theBadValueIsShownSafely() {
        let e = ModelError.invalidIdentifier(what: "x", value: "a\u{1B}[31mred", reason: "r")
        #expect(!e.description.contains("\u{1B}"), "escape sequences in input do not reach a terminal")
    }
}
