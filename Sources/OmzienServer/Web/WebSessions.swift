import Foundation
import OmzienModel
import Synchronization

/// Web sessions (R-WEB-7): a random 256-bit id in an `HttpOnly; SameSite=Strict; Secure`
/// cookie; the server keeps only its SHA-256, with the account, a CSRF token (R-WEB-8) and
/// the times. A session ends after 30 minutes without a request (idle), 12 hours after
/// login (absolute), at logout, and when its account is disabled (the account is read on
/// every request), and when its account gets a new password (the session remembers the
/// account's credential epoch it was made under, R-WEB-5). Kept in memory: a restart logs
/// everyone out, which is safe (R-WEB-7).
final class WebSessions: Sendable {
    static let idleMillis: UInt64 = 30 * 60_000
    static let absoluteMillis: UInt64 = 12 * 60 * 60_000
    static let cookieName = "omzien_session"
    static let loginCookieName = "omzien_login"

    struct Session: Sendable {
        let account: String
        /// The account's credential epoch at login: an older one than the account's ended.
        let epoch: Int64
        let csrf: String
        let createdAt: UInt64
        var lastSeen: UInt64
        /// A message for the next page (after a form's redirect), shown once.
        var flash: String?
        var flashIsError = false
        /// A password shown once after a coordinator added a worker.
        var secret: String?
    }

    private let sessions = Mutex<[String: Session]>([:])

    static func key(_ id: String) -> String { SHA256.hash(id).hex }

    /// A new session for `account`; returns its id (the cookie's value).
    func create(account: String, epoch: Int64, now: UInt64) -> String {
        let id = Self.random()
        let session = Session(account: account, epoch: epoch, csrf: Self.random(), createdAt: now, lastSeen: now)
        sessions.withLock { all in
            all = all.filter { Self.isLive($0.value, now: now) }
            all[Self.key(id)] = session
        }
        return id
    }

    /// The live session of `id`, its last use moved to `now`; nil (and dropped) when expired.
    func touch(_ id: String, now: UInt64) -> Session? {
        sessions.withLock { all in
            let k = Self.key(id)
            guard var s = all[k] else { return nil }
            guard Self.isLive(s, now: now) else {
                all[k] = nil
                return nil
            }
            s.lastSeen = max(s.lastSeen, now)
            all[k] = s
            return s
        }
    }

    /// Idle and absolute expiry; a clock that went back (now before the last use) counts as
    /// no time passed, never as an underflow.
    static func isLive(_ s: Session, now: UInt64) -> Bool {
        let idle = now > s.lastSeen ? now - s.lastSeen : 0, age = now > s.createdAt ? now - s.createdAt : 0
        return idle < idleMillis && age < absoluteMillis
    }

    func update(_ id: String, _ change: (inout Session) -> Void) {
        sessions.withLock { all in
            let k = Self.key(id)
            if var s = all[k] { change(&s); all[k] = s }
        }
    }

    /// The flash message and the one-time secret, taken (shown once).
    func takeFlash(_ id: String) -> (message: String?, isError: Bool, secret: String?) {
        sessions.withLock { all in
            let k = Self.key(id)
            guard var s = all[k] else { return (nil, false, nil) }
            defer { s.flash = nil; s.secret = nil; s.flashIsError = false; all[k] = s }
            return (s.flash, s.flashIsError, s.secret)
        }
    }

    func end(_ id: String) { sessions.withLock { _ = $0.removeValue(forKey: Self.key(id)) } }

    var count: Int { sessions.withLock { $0.count } }

    /// 32 random bytes, base64url.
    static func random() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether a form's CSRF token is the session's (constant time).
    static func csrfMatches(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        return HMACSHA256.constantTimeEquals(Array(given.utf8), Array(expected.utf8))
    }
}
