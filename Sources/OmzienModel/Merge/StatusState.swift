/// The state of a forward-only status: the highest (epoch, rank) seen. The join is the
/// maximum, so the status never moves back by accident: a late `accepted` cannot undo a
/// `closed`. Only a reopen, which starts a higher epoch, moves it to a lower rank.
public struct StatusState: Sendable, Hashable, Comparable {
    public let epoch: UInt32
    public let rank: Int

    public init(epoch: UInt32, rank: Int) {
        self.epoch = epoch
        self.rank = rank
    }

    public static func < (a: StatusState, b: StatusState) -> Bool {
        a.epoch != b.epoch ? a.epoch < b.epoch : a.rank < b.rank
    }
}
