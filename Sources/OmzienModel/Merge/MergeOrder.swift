/// The total order of concurrent writes: higher HLC timestamp wins; on equal timestamps the
/// higher replica id (by UTF-8 bytes) wins; then the higher sequence number (only possible
/// for one replica re-using a timestamp, which a correct clock never does).
public enum MergeOrder {
    @inline(__always)
    public static func wins(_ a: (HLCTimestamp, OperationID), over b: (HLCTimestamp, OperationID)) -> Bool {
        if a.0 != b.0 { return a.0 > b.0 }
        if a.1.replica != b.1.replica { return a.1.replica > b.1.replica }
        return a.1.sequence > b.1.sequence
    }
}
