import Foundation
import OmzienModel

/// Makes a copy of a session log that can leave the building (Protocol/SESSION-LOG.md,
/// R-LOG-5): every human-written text (signal notes, contact details, decline reasons, feedback
/// comments) becomes a stable pseudonym, `redacted-` + the first 12 hex digits of
/// HMAC-SHA-256(key, text), so equal texts stay equal and the log replays to the same
/// structure. Operations are re-hashed and their chains re-linked; digests of the original
/// states no longer apply and are dropped (snapshot digests are recomputed).
public struct SessionRedactor {
    public static let redactedFields: Set<String> = ["note", "contact", "declineReason", "comment"]
    // Operation authors and `author` members of partner bodies are redacted as well.
    let key: [UInt8]
    private var rewritten: [OperationID: LogOperation] = [:]

    public init(key: [UInt8]) { self.key = key }

    func pseudonym(_ text: String) -> String {
        "redacted-" + HMACSHA256.authenticationCode(for: Array(text.utf8), key: key).hex.prefix(12)
    }

    mutating func redact(_ op: LogOperation) throws -> LogOperation {
        if let done = rewritten[op.id] { return done }
        var body = op.body
        if case let .changes(changes) = op.body {
            body = .changes(changes.map { change in
                if case let .set(field, .string(text), supersedes) = change, Self.redactedFields.contains(field) {
                    return .set(field: field, value: .string(pseudonym(text)), supersedes: supersedes)
                }
                return change
            })
        }
        // Authors are staff pseudonyms chosen by people, sometimes names: they go too.
        // (Not the server's own `partner:<id>`, which names no person.)
        let keep = op.author.rawValue.hasPrefix("redacted-") || op.author.rawValue.hasPrefix("partner:")
        let author = keep ? op.author : ((try? AuthorID(pseudonym(op.author.rawValue))) ?? op.author)
        let previous = op.id.sequence > 1 ? rewritten[OperationID(replica: op.id.replica, sequence: op.id.sequence - 1)]?.hash : .zero
        let result: LogOperation
        if body == .redacted {
            // No payload to rewrite (the record was erased): only re-link the chain.
            let prev = previous ?? op.previousHash
            result = LogOperation(unchecked: op.id, timestamp: op.timestamp, author: author, record: op.record, body: .redacted,
                                  previousHash: prev, payloadHash: op.payloadHash,
                                  hash: LogOperation.headerHash(id: op.id, timestamp: op.timestamp, author: author, record: op.record,
                                                                payloadHash: op.payloadHash, previousHash: prev))
        } else {
            result = LogOperation(id: op.id, timestamp: op.timestamp, author: author, record: op.record, body: body,
                                  previousHash: previous ?? op.previousHash)
        }
        rewritten[op.id] = result
        return result
    }

    /// Sorted keys: the same input and key must give byte-identical output.
    static func json(_ value: some Encodable) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(value))
    }

    /// The redacted copy of one exchange.
    public mutating func redact(_ exchange: SessionLog.Exchange) throws -> SessionLog.Exchange {
        var e = exchange
        e.digestBefore = nil
        e.digestAfter = nil
        e.replicaDigest = nil
        if e.path == "/v1/sync/push", let body = e.request, let push = try? PushRequest.decodeFast(Data(body)) {
            var redacted = push
            redacted.operations = try push.operations.map { try redact($0) }
            e.request = try Self.json(redacted)
        }
        if e.path == "/v1/sync/pull", let body = e.response, let page = try? PullResponse.decodeFast(Data(body)) {
            var redacted = page
            redacted.operations = try page.operations.map { try redact($0) }
            e.response = try Self.json(redacted)
        }
        if e.path == "/v1/sync/snapshot", let body = e.response, let snapshot = try? SnapshotResponse.decodeFast(Data(body)) {
            let (records, digest) = redactStates(snapshot.records)
            e.response = try Self.json(SnapshotResponse(records: records, cursor: snapshot.cursor, digest: digest, serverTime: snapshot.serverTime))
        }
        if e.method == DeviceLogState.method, e.path == DeviceLogState.startPath, let body = e.response,
           let state = try? JSONDecoder().decode(DeviceLogState.self, from: Data(body)) {
            let (records, digest) = redactStates(state.records)
            e.response = try Self.json(DeviceLogState(records: records, digest: digest, held: state.held))
        }
        if e.path.hasPrefix("/v1/partner/"), let body = e.response {
            e.response = Self.redactJSONStrings(body, pseudonym)
        }
        if e.path.hasPrefix("/v1/partner/"), let body = e.request {
            e.request = Self.redactJSONStrings(body, pseudonym)
        }
        return e
    }

    /// Record states with their texts (and, in conflicts, authors' texts) redacted, and their new digest.
    func redactStates(_ input: [SnapshotResponse.Record]) -> ([SnapshotResponse.Record], String) {
        var states: [RecordState] = []
        var records: [SnapshotResponse.Record] = []
        for r in input {
            guard let kind = RecordKind(rawValue: r.kind), let id = try? RecordID(r.id), let bytes = Data(base64Encoded: r.state),
                  let state = try? RecordState(ref: RecordRef(kind: kind, id: id), canonicalBytes: Array(bytes)) else { continue }
            let clean = state.redactingStrings(of: Self.redactedFields, pseudonym)
            states.append(clean)
            records.append(.init(kind: r.kind, id: r.id, state: Data(clean.canonicalBytes()).base64EncodedString()))
        }
        return (records, StateDigest.of(states).hex)
    }

    /// Partner bodies are plain JSON: redact the named keys wherever they occur (and case notes:
    /// `caseNote`, and `text` of the notes endpoints, PARTNERS.md R-PART-24). A `partner:` author
    /// is kept, as in operations: the server derives the default one from the partner id.
    static func redactJSONStrings(_ body: [UInt8], _ pseudonym: (String) -> String) -> [UInt8] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) else { return body }
        func walk(_ v: Any) -> Any {
            if let d = v as? [String: Any] {
                var out: [String: Any] = [:]
                for (k, x) in d {
                    if let text = x as? String, redactedFields.contains(k) || k == "caseNote" || k == "text" || (k == "author" && !text.hasPrefix("partner:")) { out[k] = pseudonym(text) } else { out[k] = walk(x) }
                }
                return out
            }
            if let a = v as? [Any] { return a.map(walk) }
            return v
        }
        return (try? JSONSerialization.data(withJSONObject: walk(object), options: [.sortedKeys, .withoutEscapingSlashes])).map { Array($0) } ?? body
    }

    /// Redacts the log at `input` into `output`.
    public static func redact(input: String, output: String, key: [UInt8]) throws -> Int {
        let log = try SessionLogReader.read(path: input)
        var header = log.header
        header.redacted = true
        let writer = try SessionLogWriter(path: output, header: header)
        var redactor = SessionRedactor(key: key)
        for e in log.exchanges { try writer.append(try redactor.redact(e)) }
        try writer.close()
        return log.exchanges.count
    }
}
