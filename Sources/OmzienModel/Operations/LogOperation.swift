/// One entry of a replica's operation log (named `LogOperation` so it does not clash with
/// Foundation's `Operation`).
///
/// Invariants (checked by `init(verifying…)` for anything that comes from outside):
/// - `payloadHash == SHA256(body.canonicalBytes())` unless the body is `.redacted` or has
///   values withheld for an audience (`StoreAudience`);
/// - `hash == SHA256(canonical header)`, where the header holds the id, timestamp, author,
///   record, `payloadHash` and `previousHash`, but never the payload itself: after an
///   erasure the payload is dropped and the chain still verifies;
/// - `previousHash` is the hash of operation `sequence - 1` of the same replica
///   (`SHA256Digest.zero` for sequence 1), which the store checks on append.
public struct LogOperation: Sendable, Hashable, CustomStringConvertible {
    public let id: OperationID
    public let timestamp: HLCTimestamp
    public let author: AuthorID
    public let record: RecordRef
    public let body: OperationBody
    public let previousHash: SHA256Digest
    public let payloadHash: SHA256Digest
    public let hash: SHA256Digest
    /// The canonical payload bytes of `body` (nil when redacted), kept so that stores and
    /// encoders do not encode the body again.
    public let payload: [UInt8]?

    static let headerVersion: UInt8 = 1

    /// Makes a new operation, computing its payload hash and hash.
    public init(id: OperationID, timestamp: HLCTimestamp, author: AuthorID, record: RecordRef,
                body: OperationBody, previousHash: SHA256Digest) {
        precondition(body != .redacted, "a new operation has a payload")
        self.id = id
        self.timestamp = timestamp
        self.author = author
        self.record = record
        self.body = body
        self.previousHash = previousHash
        let payload = body.canonicalBytes()
        self.payload = payload
        self.payloadHash = SHA256.hash(payload)
        self.hash = Self.headerHash(id: id, timestamp: timestamp, author: author, record: record,
                                    payloadHash: payloadHash, previousHash: previousHash)
    }

    /// Rebuilds an operation received or loaded from storage, checking both hashes.
    public init(verifying id: OperationID, timestamp: HLCTimestamp, author: AuthorID, record: RecordRef,
                body: OperationBody, previousHash: SHA256Digest, payloadHash: SHA256Digest, hash: SHA256Digest) throws {
        let payload = body == .redacted ? nil : body.canonicalBytes()
        // A body with withheld values (PRIVACY.md R-PRIV-31) no longer hashes to the payload
        // hash, like a redacted one: only the header hash can be checked.
        if let payload, !body.hasWithheldValues, SHA256.hash(payload) != payloadHash {
            throw ModelError.payloadHashMismatch(id)
        }
        let computed = Self.headerHash(id: id, timestamp: timestamp, author: author, record: record,
                                       payloadHash: payloadHash, previousHash: previousHash)
        guard computed == hash else { throw ModelError.hashMismatch(id) }
        self.init(unchecked: id, timestamp: timestamp, author: author, record: record, body: body,
                  previousHash: previousHash, payloadHash: payloadHash, hash: hash, payload: payload)
    }

    /// For rows the store wrote itself and already verified once. `payload` must be the
    /// canonical bytes of `body` when given (the store passes the bytes it read).
    public init(unchecked id: OperationID, timestamp: HLCTimestamp, author: AuthorID, record: RecordRef,
                body: OperationBody, previousHash: SHA256Digest, payloadHash: SHA256Digest, hash: SHA256Digest,
                payload: [UInt8]? = nil) {
        self.id = id
        self.timestamp = timestamp
        self.author = author
        self.record = record
        self.body = body
        self.previousHash = previousHash
        self.payloadHash = payloadHash
        self.hash = hash
        self.payload = body == .redacted ? nil : (payload ?? body.canonicalBytes())
    }

    /// This operation with `body` in place of its own (the same body with values withheld for
    /// an audience, PRIVACY.md R-PRIV-31): the hashes stay, so the chain still verifies.
    public func replacingBody(_ body: OperationBody) -> LogOperation {
        LogOperation(unchecked: id, timestamp: timestamp, author: author, record: record, body: body,
                     previousHash: previousHash, payloadHash: payloadHash, hash: hash)
    }

    /// This operation with its payload dropped (after its record was erased).
    public func redacted() -> LogOperation {
        LogOperation(unchecked: id, timestamp: timestamp, author: author, record: record, body: .redacted,
                  previousHash: previousHash, payloadHash: payloadHash, hash: hash)
    }

    public static func headerHash(id: OperationID, timestamp: HLCTimestamp, author: AuthorID, record: RecordRef,
                                  payloadHash: SHA256Digest, previousHash: SHA256Digest) -> SHA256Digest {
        var w = CanonicalWriter(capacity: 160)
        w.u8(headerVersion)
        w.operationID(id)
        w.u64(timestamp.packed)
        w.string(author.rawValue)
        w.string(record.kind.rawValue)
        w.string(record.id.rawValue)
        w.digest(payloadHash)
        w.digest(previousHash)
        return SHA256.hash(w.bytes)
    }

    public var description: String { "\(id) @\(timestamp) \(record) by \(author)" }
}
