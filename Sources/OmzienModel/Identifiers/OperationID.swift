/// (replica, sequence number): the identity of one operation. Sequence numbers start at 1
/// and are gap-free per replica, so "what do you hold from replica R" is one number.
public struct OperationID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let replica: ReplicaID
    public let sequence: UInt64

    /// The largest sequence number (2^63 - 1, R-MODEL-13): sequences are stored as SQLite's
    /// signed 64-bit integers, so anything larger is refused where it is decoded.
    public static let maxSequence = UInt64(Int64.max)

    /// Checks a sequence number that came from outside (wire, file, database).
    public static func checkedSequence(_ seq: UInt64) -> UInt64? { (1...maxSequence).contains(seq) ? seq : nil }

    public init(replica: ReplicaID, sequence: UInt64) {
        precondition(sequence >= 1, "sequence numbers start at 1")
        self.replica = replica
        self.sequence = sequence
    }

    /// Replica bytes first, then sequence: the canonical order of tags and supersede lists.
    public static func < (a: OperationID, b: OperationID) -> Bool {
        a.replica == b.replica ? a.sequence < b.sequence : a.replica < b.replica
    }

    public var description: String { "\(replica)#\(sequence)" }
}
