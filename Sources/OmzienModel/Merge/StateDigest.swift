/// The state digest of a replica: SHA-256 over, for every record in (kind, id) byte order,
/// the kind, the id and the SHA-256 of the record's canonical state
/// (Protocol/MODEL.md, "State digest"). Two replicas that hold the same set of operations
/// have the same digest, whatever order they received them in.
public struct StateDigest {
    private var hasher = SHA256()
    private var last: RecordRef?
    public private(set) var recordCount = 0

    public init() {
        var w = CanonicalWriter()
        w.string("omzien/state/1")
        hasher.update(w.bytes)
    }

    /// Adds one record. Precondition: records come in strictly ascending `RecordRef` order.
    public mutating func add(_ ref: RecordRef, stateHash: SHA256Digest) {
        if let last { precondition(last < ref, "records must be added in ascending order") }
        last = ref
        recordCount += 1
        var w = CanonicalWriter(capacity: 80)
        w.string(ref.kind.rawValue)
        w.string(ref.id.rawValue)
        w.digest(stateHash)
        hasher.update(w.bytes)
    }

    public func finalize() -> SHA256Digest { hasher.finalize() }

    /// The digest of a set of record states.
    public static func of<S: Sequence>(_ records: S) -> SHA256Digest where S.Element == RecordState {
        var d = StateDigest()
        for record in records.sorted(by: { $0.ref < $1.ref }) { d.add(record.ref, stateHash: record.stateHash) }
        return d.finalize()
    }
}
