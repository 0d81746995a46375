import OmzienStore

/// Regions and the stores in them, as the partner half of the server reads and moves them
/// (`regions`, `stores`; see `ServerSchema`).
extension ServerStore {
    /// Whether region `id` exists.
    public func regionExists(_ id: String) throws -> Bool {
        try db.firstRow("SELECT 1 FROM regions WHERE id = ?", [.text(id)]) != nil
    }

    /// The region of store `id`, or nil when there is no such store.
    public func region(ofStore id: String) throws -> String? {
        try db.firstRow("SELECT region FROM stores WHERE id = ?", [.text(id)])?[0].text
    }

    /// Every store's region, by store id.
    public func storeRegions() throws -> [String: String] {
        var regions: [String: String] = [:]
        for row in try db.rows("SELECT id, region FROM stores") {
            if case let .text(id) = row[0], case let .text(region) = row[1] { regions[id] = region }
        }
        return regions
    }

    /// Puts store `id` in `region` (the referrals' custody is the caller's, R-PART-14).
    public func setRegion(ofStore id: String, to region: String) throws {
        try db.execute("UPDATE stores SET region = ? WHERE id = ?", [.text(region), .text(id)])
    }
}
