import Foundation
import OmzienModel
import OmzienProtocol

extension RecordedAnswer {
    /// The first member where a replayed answer differs from the recorded one, as
    /// (field, recorded, replayed), or nil when they agree. Compared: every member, in order,
    /// except values the log never holds (`"<secret…>"`: tokens, codes) and, in a refused
    /// authentication (401), the wording of `detail`, and in `GET /v1/info` the settings the
    /// recorded server announced (`limits`, `retention`): the replaying server runs with the
    /// defaults, and a log does not say how the server that wrote it was started. (Devices
    /// ask for them after a sync, PRIVACY.md R-PRIV-22, so most logs hold such a step.)
    static func firstDifference(recorded: [UInt8]?, replayed: [UInt8], status: Int, path: String = "") -> (String, String, String)? {
        let a = recorded.flatMap { try? JSONSerialization.jsonObject(with: Data($0), options: [.fragmentsAllowed]) }
        let b = replayed.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(replayed), options: [.fragmentsAllowed])
        if a == nil && b == nil { return nil }
        if a is [String: Any], let marker = (a as? [String: Any])?[SessionLog.cappedMarker] { _ = marker; return nil }  // a capped answer: the status was checked
        if path == Endpoints.info.pattern, var x = a as? [String: Any], var y = b as? [String: Any] {
            for key in ["limits", "retention"] { x[key] = nil; y[key] = nil }
            return compare(x, y, path: "answer", ignoreDetail: false)
        }
        return compare(a, b, path: "answer", ignoreDetail: status == 401)
    }

    private static func text(_ v: Any?) -> String {
        guard let v else { return "-" }
        if let s = v as? String { return "'\(s)'" }
        if let d = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]) {
            let t = String(decoding: d, as: UTF8.self)
            return t.count > 200 ? String(t.prefix(200)) + "…" : t
        }
        return "\(v)"
    }

    private static func compare(_ a: Any?, _ b: Any?, path: String, ignoreDetail: Bool) -> (String, String, String)? {
        if let s = a as? String, s.hasPrefix("<secret") { return nil }
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            for key in Set(x.keys).union(y.keys).sorted() {
                if key == "requestId" || (ignoreDetail && key == "detail") { continue }
                if let d = compare(x[key], y[key], path: path + "." + key, ignoreDetail: ignoreDetail) { return d }
            }
            return nil
        case let (x as [Any], y as [Any]):
            if x.count != y.count { return (path + " (count)", "\(x.count)", "\(y.count)") }
            for (i, (p, q)) in zip(x, y).enumerated() {
                if let d = compare(p, q, path: path + "[\(i)]", ignoreDetail: ignoreDetail) { return d }
            }
            return nil
        default:
            let (p, q) = (text(a), text(b))
            return p == q ? nil : (path, p, q)
        }
    }
}

/// Enrollment codes during a replay: a log holds a code only as a fingerprint
/// (`<secret:…>`, R-LOG-7); the replaying server issues codes of its own. A recorded
/// `POST /v1/admin/enrollments` answer ties its fingerprint to the code the replay got, and
/// a recorded `POST /v1/enroll` with that fingerprint is sent with that code.
struct ReplayCodes {
    private var byFingerprint: [String: String] = [:]
    /// Codes in the order they were issued (logs that hold `<secret>` without a fingerprint).
    private var unused: [String] = []

    mutating func learn(from e: SessionLog.Exchange, replayed: [UInt8]) {
        guard Endpoints.createEnrollment.matches(method: e.method, path: e.path), (200..<300).contains(e.status),
              let recorded = e.response.flatMap({ try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }),
              let mine = (try? JSONSerialization.jsonObject(with: Data(replayed))) as? [String: Any],
              let code = mine["code"] as? String, let marker = recorded["code"] as? String else { return }
        byFingerprint[marker] = code
        unused.append(code)
    }

    /// The request body to send: an enroll's code replaced by the replay's own.
    mutating func substitute(in e: SessionLog.Exchange) -> [UInt8]? {
        // A body that was not JSON is in the log as a JSON string: send its text again.
        if let body = e.request, body.first == UInt8(ascii: "\""),
           let text = (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) as? String {
            return Array(text.utf8)
        }
        guard Endpoints.enroll.matches(method: e.method, path: e.path), let body = e.request,
              var o = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any], let marker = o["code"] as? String else { return e.request }
        let code: String
        if let known = byFingerprint[marker], marker != "<secret>" {
            code = known
        } else if marker == "<secret>", (200..<300).contains(e.status), !unused.isEmpty {
            code = unused.removeFirst()
        } else {
            code = "ZZZZ-ZZZZ-ZZZZ-ZZZZ"  // not one the replay issued: refused, as the recorded one was
        }
        unused.removeAll { $0 == code }
        o["code"] = code
        return (try? JSONSerialization.data(withJSONObject: o, options: [.withoutEscapingSlashes])).map { Array($0) } ?? body
    }
}
