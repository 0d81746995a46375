import OmzienStore

/// Case notes (`case_notes`).
extension ServerStore {
    /// A partner-internal case note (R-PART-24/25), a row of `case_notes`: never part of a
    /// signal, never sent to a store.
    public struct CaseNoteRow: Sendable, Hashable {
        public let at: UInt64
        public let author: String
        public let text: String

        init(row: [SQLValue]) {
            at = UInt64(row[0].int64 ?? 0)
            author = row[1].text ?? ""
            text = row[2].text ?? ""
        }
    }

    /// Records a note of `partner` on `referral`.
    public func insertCaseNote(partner: String, referral: String, at: UInt64, author: String, text: String) throws {
        try db.execute("INSERT INTO case_notes(partner, referral, at, author, text) VALUES (?, ?, ?, ?, ?)",
                       [.text(partner), .text(referral), .integer(Int64(at)), .text(author), .text(text)])
    }

    /// `partner`'s notes on `referral`, oldest first (in order of writing at equal times).
    public func caseNotes(partner: String, referral: String) throws -> [CaseNoteRow] {
        try db.rows("SELECT at, author, text FROM case_notes WHERE partner = ? AND referral = ? ORDER BY at, id",
                    [.text(partner), .text(referral)]).map(CaseNoteRow.init(row:))
    }
}
