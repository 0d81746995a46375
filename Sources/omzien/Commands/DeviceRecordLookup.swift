import OmzienModel
import OmzienStore

/// Finds a record from what the user typed (issue 12 item 3): the whole id, or any prefix of
/// it that only one record on this device has, like git. The kind is found, not assumed;
/// `kinds` only narrows the search (`device update` changes signals only).
enum RecordLookup {
    static func find(_ typed: String, kinds: [RecordKind]? = nil, in store: ReplicaStore, command: String) throws -> RecordState {
        let wanted = kinds ?? RecordKind.allCases.filter { $0 != .probe }
        let what = wanted.count == 1 ? wanted[0].rawValue : "record"
        guard !typed.isEmpty else { throw CLIError.usage("give a record id (or a unique start of one, as 'omzien device list' shows it)", command: command) }
        var matches: [RecordState] = []
        for kind in wanted {
            if let id = try? RecordID(typed), let exact = try store.loadRecord(RecordRef(kind: kind, id: id)) {
                matches = [exact]
                break
            }
            matches += try store.records(kind: kind).filter { $0.ref.id.rawValue.hasPrefix(typed) }
        }
        if matches.count == 1 { return matches[0] }
        if matches.isEmpty {
            throw CLIError.dataError("no \(what) '\(typed)' on this device ('omzien device list' shows the ids)")
        }
        let shown = matches.prefix(5).map { "\($0.ref.kind.rawValue) \($0.ref.id.rawValue)" }.joined(separator: ", ")
        throw CLIError.usage("'\(typed)' starts \(matches.count) ids (\(shown)\(matches.count > 5 ? ", …" : "")); type more of it", command: command)
    }
}
