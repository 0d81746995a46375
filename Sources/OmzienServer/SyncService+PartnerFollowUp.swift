import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore
import OmzienServerStore

/// The follow-up lattice as a partner may walk it (PARTNERS.md R-PART-20..23) and case notes
/// without a state change (R-PART-24/25). Kept apart from `SyncService+Partners.swift` so the
/// rules are in one place.
extension SyncService {
    static let partnerStates = ["accepted", "contact-attempted", "in-contact", "declined", "closed", "reopened"]
    static let reopenableStates = ["closed", "declined"]

    /// What a partner worker's pseudonym must look like, in words (R-PART-23).
    static let authorRule = "2-48 characters of lowercase letters a-z, digits and . _ - : (no spaces, capitals or brackets; a pseudonym, never a name), for example partner:wz-noord:eline"

    /// R-PART-23: the author of a follow-up or case note, with a message that says what is allowed.
    /// A person (R-WEB-2) writes as itself: `author` may be left out or be its own actor.
    static func partnerAuthor(_ given: String?, actor: String, principal: Principal) throws -> AuthorID {
        if case let .person(person) = principal, let given, given != person.actor {
            throw Problems.badRequest("author '\(given)' is not you: a personal account writes as '\(person.actor)'; leave author out")
        }
        let text = given ?? actor
        do { return try AuthorID(text) } catch {
            throw Problems.badRequest("author '\(text)' is not a pseudonym: use \(authorRule)")
        }
    }

    /// R-PART-21/22: checks of a follow-up request that do not need the referral.
    static func checkFollowUpRequest(_ request: ReferralUpdateRequest) throws {
        guard partnerStates.contains(request.state) else {
            throw Problems.badRequest("state must be one of \(partnerStates.joined(separator: ", ")), got '\(request.state)'")
        }
        if let o = request.outcome, !Vocabulary.outcomes.contains(o) {
            throw Problems.badRequest("outcome '\(o)' is not one of \(Vocabulary.outcomes.joined(separator: ", "))")
        }
        if request.state == "closed", request.outcome == nil {
            throw Problems.badRequest("closing needs an outcome, one of \(Vocabulary.outcomes.joined(separator: ", "))")
        }
        if request.outcome != nil, request.state != "closed" {
            throw Problems.badRequest("an outcome goes with state 'closed' only, not '\(request.state)'")
        }
        if request.state == "declined" {
            guard let r = request.declineReason, !r.isEmpty, r.utf8.count <= 500 else { throw Problems.badRequest("declining needs a declineReason (1-500 bytes)") }
        } else if request.declineReason != nil {
            throw Problems.badRequest("a declineReason goes with state 'declined' only, not '\(request.state)'; a remark for your own records is a case note")
        }
        if let note = request.caseNote, note.utf8.count > 4000 { throw Problems.badRequest("caseNote is longer than 4000 bytes") }
    }

    /// R-PART-20/21: the changes of a follow-up on a referral whose current status is `current`.
    static func followUpChanges(_ request: ReferralUpdateRequest, state: RecordState, current: (state: String, epoch: UInt32)) throws -> [FieldChange] {
        var changes: [FieldChange] = []
        if request.state == "reopened" {
            guard reopenableStates.contains(current.state) else {
                throw Problem("status-conflict", status: 409, title: "Only a closed or declined referral can be reopened",
                              detail: "the referral is '\(current.state)'; only a closed or declined referral can be reopened")
            }
            changes.append(.reopen(field: "status", epoch: current.epoch + 1))
            // A reopened referral has no outcome and no decline reason until it is closed or declined again.
            for field in ["outcome", "declineReason"] where state.value(field).map({ if case .null = $0 { return false } else { return true } }) ?? false {
                changes.append(.set(field: field, value: .null, supersedes: state.heads(field)))
            }
            return changes
        }
        // R-PART-20: a declined referral is finished like a closed one; it moves on only by a reopen.
        if current.state == "declined" {
            throw Problem("status-conflict", status: 409, title: "Status would move on from a decline",
                          detail: "the referral is 'declined'; reopen it first to move it to '\(request.state)'")
        }
        let lattice = Vocabulary.signalStatus
        guard lattice.rank(of: request.state)! > lattice.rank(of: current.state)! else {
            throw Problem("status-conflict", status: 409, title: "Status would move back",
                          detail: "the referral is '\(current.state)'; a referral never moves back to '\(request.state)' (reopen it explicitly first)")
        }
        changes.append(.advance(field: "status", epoch: current.epoch, state: request.state))
        if let outcome = request.outcome { changes.append(.set(field: "outcome", value: .string(outcome), supersedes: state.heads("outcome"))) }
        if let reason = request.declineReason { changes.append(.set(field: "declineReason", value: .string(reason), supersedes: state.heads("declineReason"))) }
        return changes
    }

    /// The referral `id` in the partner's custody (R-PART-14), not erased, or 404; with
    /// `writing`, a case kept for the records only (its store moved on) answers 409 `referral-kept`.
    static func partnerReferralState(_ id: String, region: String, writing: Bool, in store: ReplicaStore) throws -> (RecordID, String, RecordState) {
        guard let (rid, place) = try resolveReferral(id, region: region, in: store),
              let state = try store.loadRecord(RecordRef(kind: .signal, id: rid)), !state.erased,
              let current = state.status("status"), current.state != "draft" else {
            throw Problems.notFound("no such referral in your region")
        }
        if writing, place.storeRegion != region {
            throw Problem("referral-kept", status: 409, title: "Kept for your records only",
                          detail: "\(place.store) moved to region '\(place.storeRegion)'; you keep this \(current.state) case and its notes to read until retention, but new notes are for the partner of '\(place.storeRegion)'")
        }
        return (rid, place.store, state)
    }

    /// R-PART-24: a case note without a state change.
    public func addCaseNote(_ principal: Principal, id: String, _ request: CaseNoteRequest) throws -> CaseNote {
        let (partner, region, token, actor) = try requirePartner(principal)
        guard !request.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, request.text.utf8.count <= 4000 else {
            throw Problems.badRequest("a case note needs a text that is not blank and at most 4000 bytes of UTF-8 (a plain letter is 1 byte, an accented one 2); got \(request.text.utf8.count) bytes")
        }
        let author = try Self.partnerAuthor(request.author, actor: actor, principal: principal)
        let now = self.now
        return try worker.write { store in
            let (rid, _, _) = try Self.partnerReferralState(id, region: region, writing: true, in: store)
            try ServerStore(store).insertCaseNote(partner: partner, referral: rid.rawValue, at: now, author: author.rawValue, text: request.text)
            try self.auditAccess(store, at: now, actor: actor, token: token, action: "note", referrals: [rid.rawValue])
            return CaseNote(referral: rid.rawValue, at: now, author: author.rawValue, text: request.text)
        }
    }

    /// R-PART-25: the partner's own case notes on a referral, oldest first.
    public func caseNotes(_ principal: Principal, id: String) throws -> CaseNoteList {
        let (partner, region, token, actor) = try requirePartner(principal)
        let now = self.now
        return try worker.write { store in
            let (rid, _, _) = try Self.partnerReferralState(id, region: region, writing: false, in: store)
            let notes = try ServerStore(store).caseNotes(partner: partner, referral: rid.rawValue).map {
                CaseNote(referral: rid.rawValue, at: $0.at, author: $0.author, text: $0.text)
            }
            try self.auditAccess(store, at: now, actor: actor, token: token, action: "notes", referrals: [rid.rawValue])
            return CaseNoteList(referral: rid.rawValue, notes: notes)
        }
    }
}
