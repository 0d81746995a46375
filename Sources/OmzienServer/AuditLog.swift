import Foundation
import OmzienModel
import OmzienStore
import OmzienServerStore

/// The audit log of partner reads and exports (Protocol/PARTNERS.md, "Audit"): one entry per
/// referral per read, chained under a key. Entry n's hash is HMAC-SHA-256 under the audit key
/// (derived from the server secret, which never lives in the database: R-PRIV-5) over
/// `u8 2 ‖ u64 seq ‖ u64 at ‖ str actor ‖ str token ‖ str action ‖ str referral ‖ digest prev`,
/// with `prev` the hash of entry n − 1 (32 zero bytes for the first); sequence numbers are
/// 1, 2, 3… without gaps. So an edited entry breaks its own hash (and without the key it
/// cannot be recomputed), a deleted one leaves a gap or a broken link, and swapped ones
/// break the links: `verify` names the first bad entry. Cutting entries off the end leaves a
/// consistent shorter chain, so the head (last sequence and hash) is kept in `audit_state`
/// and, outside the database, in a head file written with every append (`<db>.audit-head`);
/// `verify` checks the log's end against both, and against a head the operator noted
/// (`omzien audit verify --expect-head`).
public enum AuditLog {
    /// A head kept outside the database: `<seq>:<hash hex>`.
    public typealias Head = (seq: Int64, hash: SHA256Digest)

    public static func headFile(besideDatabase database: String) -> String { database + ".audit-head" }

    public static func parseHead(_ text: String) -> Head? {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":")
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0, let hash = SHA256Digest(hex: String(parts[1])) else { return nil }
        return (seq, hash)
    }

    /// The head in a head file; nil when there is no file; an error when it is not a head.
    public static func readHeadFile(_ path: String) throws -> Head? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let head = parseHead(String(decoding: data, as: UTF8.self)) else {
            throw AuditFileError(description: "'\(path)' is not an audit head (expected <sequence>:<64 hex digits>)")
        }
        return head
    }

    /// One entry of the chain: the stored row (`ServerStore.AuditRow`), one type for both.
    public typealias Entry = ServerStore.AuditRow

    static func hash(key: [UInt8]?, seq: Int64, at: UInt64, actor: String, token: String, action: String, referral: String, prev: SHA256Digest) -> SHA256Digest {
        var w = CanonicalWriter(capacity: 160)
        w.u8(key == nil ? 1 : 2)
        w.u64(UInt64(seq))
        w.u64(at)
        w.string(actor)
        w.string(token)
        w.string(action)
        w.string(referral)
        w.digest(prev)
        guard let key else { return SHA256.hash(w.bytes) }
        return HMACSHA256.authenticationCode(for: w.bytes, key: key)
    }

    /// Appends entries inside the caller's transaction, and writes the new head to `headFile`.
    static func append(_ db: Database, key: [UInt8], headFile: String?, at: UInt64, actor: String, token: String, action: String, referrals: [String]) throws {
        guard !referrals.isEmpty else { return }
        var seq: Int64 = 0
        var prev = SHA256Digest.zero
        if let last = try ServerStore.lastAuditEntry(db) { (seq, prev) = last }
        for referral in referrals {
            seq += 1
            let h = hash(key: key, seq: seq, at: at, actor: actor, token: token, action: action, referral: referral, prev: prev)
            try ServerStore.insertAuditRow(db, .init(seq: seq, at: at, actor: actor, token: token, action: action, referral: referral, prevHash: prev, hash: h))
            prev = h
        }
        try ServerStore.setRecordedAuditHead(db, "\(seq):\(prev.hex)")
        if let headFile { try writeHead((seq, prev), to: headFile) }
    }

    /// Writes a head file whole (a new file renamed over the old one, mode 0600). Written
    /// before the transaction commits: if the commit then fails, the file is one append
    /// ahead until the next append, and `verify` reports entries missing at the end.
    static func writeHead(_ head: Head, to path: String) throws {
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(head.seq):\(head.hash.hex)\n".utf8), attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            throw AuditFileError(description: "cannot write the audit head file '\(path)': check the disk and the directory's permissions")
        }
    }

    /// Upgrades a chain written before the audit key (plain SHA-256, tag 1) to the keyed
    /// chain, once: only if the old chain verifies, so that a tampered chain is never
    /// laundered (it then stays as it is and `verify` reports it). Returns whether it did.
    static func upgradeToKeyed(_ db: Database, key: [UInt8], headFile: String?) throws -> Bool {
        if try ServerStore.isAuditKeyed(db) { return false }
        let old = try entries(db)
        if !old.isEmpty {
            guard verify(old, key: nil, head: try head(db)).isEmpty else { return false }
            var prev = SHA256Digest.zero
            for e in old {
                let h = hash(key: key, seq: e.seq, at: e.at, actor: e.actor, token: e.token, action: e.action, referral: e.referral, prev: prev)
                try ServerStore.relinkAuditRow(db, seq: e.seq, prevHash: prev, hash: h)
                prev = h
            }
            try ServerStore.setRecordedAuditHead(db, "\(old.last!.seq):\(prev.hex)")
            if let headFile { try writeHead((old.last!.seq, prev), to: headFile) }
        }
        try ServerStore.markAuditKeyed(db)
        return true
    }

    /// The recorded head: (last sequence, its hash), or nil for an empty log.
    public static func head(_ db: Database) throws -> (seq: Int64, hash: SHA256Digest)? {
        guard let text = try ServerStore.recordedAuditHead(db) else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let seq = Int64(parts[0]), let hash = SHA256Digest(hex: String(parts[1])) else { return nil }
        return (seq, hash)
    }

    /// Every entry, in stored order.
    public static func entries(_ db: Database) throws -> [Entry] {
        try ServerStore.auditRows(db)
    }

    /// The problems found, first one first; empty when the chain is intact. `key`: the audit
    /// key (nil only for a chain from before it). `anchors`: heads kept outside the database
    /// (the head file, a head the operator noted), each with where it came from.
    public static func verify(_ entries: [Entry], key: [UInt8]?, head: (seq: Int64, hash: SHA256Digest)?, anchors: [(Head, String)] = []) -> [String] {
        var problems: [String] = []
        var prev = SHA256Digest.zero
        var expectedSeq: Int64 = 1
        for e in entries {
            if e.seq != expectedSeq {
                problems.append(e.seq > expectedSeq
                    ? "entry \(e.seq): entries \(expectedSeq)…\(e.seq - 1) are missing (deleted)"
                    : "entry \(e.seq): out of order after entry \(expectedSeq - 1) (moved or duplicated)")
            }
            let computed = hash(key: key, seq: e.seq, at: e.at, actor: e.actor, token: e.token, action: e.action, referral: e.referral, prev: e.prevHash)
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
        let last = entries.last?.seq ?? 0
        for (anchor, source) in anchors where anchor.seq > 0 {
            if anchor.seq > last {
                problems.append(entries.isEmpty
                    ? "the log is empty, but \(source) says it had \(anchor.seq) entries (deleted)"
                    : "entry \(last + 1): entries \(last + 1)…\(anchor.seq) are missing at the end: \(source) says the log reached entry \(anchor.seq)")
            } else if let e = entries.first(where: { $0.seq == anchor.seq }), e.hash != anchor.hash {
                problems.append("entry \(anchor.seq): it is not the entry \(source) names (the log was rewritten)")
            }
        }
        return problems
    }
}

public struct AuditFileError: Error, CustomStringConvertible {
    public let description: String
}
