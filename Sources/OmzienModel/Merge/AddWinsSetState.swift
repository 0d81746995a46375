/// The state of an add-wins set (an observed-remove set).
///
/// Each add is tagged (operation id, element). A remove cancels exactly the tags it
/// observed. An element is present while it has an add tag that no remove cancelled, so a
/// concurrent add wins over a remove. Both maps are grow-only unions, which makes the
/// state independent of delivery order (a remove may arrive before the add it cancels).
/// Elements are keyed by their UTF-8 bytes (no Unicode normalization).
public struct AddWinsSetState: Sendable, Hashable {
    public private(set) var adds: [[UInt8]: Set<OperationID>] = [:]
    public private(set) var removes: [[UInt8]: Set<OperationID>] = [:]

    public init() {}

    init(adds: [[UInt8]: Set<OperationID>], removes: [[UInt8]: Set<OperationID>]) {
        self.adds = adds
        self.removes = removes
    }

    mutating func add(_ element: String, tag: OperationID) {
        adds[Array(element.utf8), default: []].insert(tag)
    }

    mutating func remove(_ element: String, observed: [OperationID]) {
        guard !observed.isEmpty else { return }
        removes[Array(element.utf8), default: []].formUnion(observed)
    }

    /// The live tags of `element`: what a remove issued now must list as observed.
    public func liveTags(of element: String) -> [OperationID] {
        let key = Array(element.utf8)
        return (adds[key] ?? []).subtracting(removes[key] ?? []).sorted()
    }

    /// The elements present, sorted by bytes.
    public var elements: [String] {
        adds.compactMap { key, tags in
            tags.isSubset(of: removes[key] ?? []) ? nil : String(decoding: key, as: UTF8.self)
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
