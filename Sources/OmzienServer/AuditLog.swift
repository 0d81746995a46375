import OmzienModel
import OmzienStore

/// The audit log of partner reads and exports (Protocol/PARTNERS.md, "Audit"): one entry per
/// referral per read, hash-chained. Entry n's hash is SHA-256 over
/// `u8 1 ‖ u64 seq ‖ u64 at ‖ str actor ‖ str token ‖ str action ‖ str referral ‖ digest prev`,
/// with `prev` the hash of entry n − 1 (32 zero bytes for the first); sequence numbers are
/// 1, 2, 3… without gaps. So an edited entry breaks its own hash, a deleted one leaves a gap
/// or a broken link, and swapped ones break the links: `verify` names the first bad entry.
/// Cutting entries off the end leaves a consistent shorter chain, so the head (last sequence
/// and hash) is also kept in `replica_meta` and `verify` compares the log's end with it.
public enum AuditLog {
    public struct Entry: Sendable, Equatable {
        public let seq: Int64
        public let at: UInt64
        public let actor: String
        public let token: String
        public let action: String
        public let referral: String
        public let prevHash: SHA256Digest
        public let hash: SHA256Digest

        public init(seq: Int64, at: UInt64, actor: String, token: String, action: String, referral: String, prevHash: SHA256Digest, hash: SHA256Digest) {
            self.seq = seq
            self.at = at
            self.actor = actor
            self.token = token
            self.action = action
            self.referral = referral
            self.prevHash = prevHash
            self.hash = hash
        }
    }

    static func hash(seq: Int64, at: UInt64, actor: String, token: String, action: String, referral: String, prev: SHA256Digest) -> SHA256Digest {
        var w = CanonicalWriter(capacity: 160)
        w.u8(1)
        w.u64(UInt64(seq))
        w.u64(at)
        w.string(actor)
        w.string(token)
        w.string(action)
        w.string(referral)
        w.digest(prev)
        return SHA256.hash(w.bytes)
    }

    /// Appends entries inside the caller's transaction.
    static func append(_ db: Database, at: UInt64, actor: String, token: String, action: String, referrals: [String]) throws {
        guard !referrals.isEmpty else { return }
        var seq: Int64 = 0
        var prev = SHA256Digest.zero
        if let row = try db.firstRow("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"), case let .integer(s) = row[0],
           case let .blob(h) = row[1], h.count == 32 {
            seq = s
            prev = SHA256Digest(bytes: h)
        }
        let insert = try db.cachedStatement("INSERT INTO audit_log(seq, at, actor, token, action, referral, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        for referral in referrals {
            seq += 1
            let h = hash(seq: seq, at: at, actor: actor, token: token, action: action, referral: referral, prev: prev)
            try insert.run([.integer(seq), .integer(Int64(at)), .text(actor), .text(token), .text(action), .text(referral), .blob(prev.bytes), .blob(h.bytes)])
            prev = h
        }
        try db.execute("INSERT INTO replica_meta(key, value) VALUES ('audit_head', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       [.text("\(seq):\(prev.hex)")])
    }

    /// The recorded head: (last sequence, its hash), or nil for an empty log.
    public static func head(_ db: Database) throws -> (seq: Int64, hash: SHA256Digest)? {
        guard case let .text(text)? = try db.firstRow("SELECT value FROM replica_meta WHERE key = 'audit_head'")?.first else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let seq = Int64(parts[0]), let hash = SHA256Digest(hex: String(parts[1])) else { return nil }
        return (seq, hash)
    }

    /// Every entry, in stored order.
    public static func entries(_ db: Database) throws -> [Entry] {
        try db.rows("SELECT seq, at, actor, token, action, referral, prev_hash, hash FROM audit_log ORDER BY rowid").map { r in
            Entry(seq: r[0].int64 ?? -1, at: UInt64(r[1].int64 ?? 0), actor: r[2].text ?? "", token: r[3].text ?? "", action: r[4].text ?? "",
                  referral: r[5].text ?? "", prevHash: r[6].blob.flatMap { $0.count == 32 ? SHA256Digest(bytes: $0) : nil } ?? .zero,
                  hash: r[7].blob.flatMap { $0.count == 32 ? SHA256Digest(bytes: $0) : nil } ?? .zero)
        }
    }

    /// The problems found, first one first; empty when the chain is intact.
    public static func verify(_ entries: [Entry], head: (seq: Int64, hash: SHA256Digest)?) -> [String] {
        var problems: [String] = []
        var prev = SHA256Digest.zero
        var expectedSeq: Int64 = 1
        for e in entries {
            if e.seq != expectedSeq {
                problems.append(e.seq > expectedSeq
                    ? "entry \(e.seq): entries \(expectedSeq)…\(e.seq - 1) are missing (deleted)"
                    : "entry \(e.seq): out of order after entry \(expectedSeq - 1) (moved or duplicated)")
            }
            let computed = hash(seq: e.seq, at: e.at, actor: e.actor, token: e.token, action: e.action, referral: e.referral, prev: e.prevHash)
            if computed != e.hash {
                problems.append("entry \(e.seq): its contents do not match its hash (edited)")
            } else if e.prevHash != prev {
                problems.append("entry \(e.seq): it does not link to the entry before it (deleted, inserted or reordered)")
            }
            prev = e.hash
            expectedSeq = e.seq + 1
        }
        if let head, head.seq != expectedSeq - 1 || head.hash != prev {
            problems.append(head.seq > expectedSeq - 1
                ? "entry \(expectedSeq): entries \(expectedSeq)…\(head.seq) are missing at the end (deleted)"
                : "entry \(expectedSeq - 1): the log's last entry is not the recorded head (entry \(head.seq))")
        } else if head == nil, !entries.isEmpty {
            problems.append("entry \(entries.last!.seq): the log has entries but no recorded head")
        }
        return problems
    }
}
