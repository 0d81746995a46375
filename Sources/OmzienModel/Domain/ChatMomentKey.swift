/// The record of Kletskassa conversations for one store, lane and day. Its id is
/// deterministic (`store/lane/day`), so every device counts into the same record and the
/// per-replica counter adds all increments up.
public struct ChatMomentKey: Sendable, Hashable {
    public let store: String
    public let lane: Int64
    public let day: String

    public init(store: String, lane: Int64, day: String) throws {
        let schema = RecordSchema.chatMoment
        try schema.field("store").rule.check(.string(store), field: "store", nullable: false)
        try schema.field("lane").rule.check(.int(lane), field: "lane", nullable: false)
        try schema.field("day").rule.check(.string(day), field: "day", nullable: false)
        self.store = store
        self.lane = lane
        self.day = day
    }

    public var ref: RecordRef { RecordRef(kind: .chatMoment, id: RecordID(trusted: "\(store)/\(lane)/\(day)")) }

    /// The changes of one counted conversation (or `count` of them). The identifying
    /// fields are written with the same values by every device; they never conflict.
    public func increment(by count: UInt64 = 1) -> [FieldChange] {
        [
            .set(field: "store", value: .string(store), supersedes: []),
            .set(field: "lane", value: .int(lane), supersedes: []),
            .set(field: "day", value: .string(day), supersedes: []),
            .increment(field: "count", amount: count),
        ]
    }

    /// The changes that take back `count` conversations counted by mistake (R-MODEL-30): an
    /// increment of the `removed` counter, so that concurrent corrections and counts all add up.
    public func correction(removing count: UInt64) -> [FieldChange] {
        [
            .set(field: "store", value: .string(store), supersedes: []),
            .set(field: "lane", value: .int(lane), supersedes: []),
            .set(field: "day", value: .string(day), supersedes: []),
            .increment(field: "removed", amount: count),
        ]
    }
}
