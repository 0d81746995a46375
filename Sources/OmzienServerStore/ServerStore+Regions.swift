import OmzienStore

/// Regions and stores (SYNC.md section 7): each store belongs to one region, whose partner
/// follows up its referrals.
extension ServerStore {
    /// A row of `regions`.
    public struct RegionRow: Sendable {
        public let id: String
        public let name: String
    }

    /// A row of `stores`.
    public struct StoreRow: Sendable {
        public let id: String
        public let region: String
        public let name: String
    }

    public func regionExists(_ id: String) throws -> Bool {
        try db.firstRow("SELECT 1 FROM regions WHERE id = ?", [.text(id)]) != nil
    }

    public func insertRegion(id: String, name: String, at now: UInt64) throws {
        try db.execute("INSERT INTO regions(id, name, created_at) VALUES (?, ?, ?)", [.text(id), .text(name), .integer(Int64(now))])
    }

    /// Every region, by id.
    public func regions() throws -> [RegionRow] {
        try db.rows("SELECT id, name FROM regions ORDER BY id").map { RegionRow(id: $0[0].text ?? "", name: $0[1].text ?? "") }
    }

    public func storeExists(_ id: String) throws -> Bool {
        try db.firstRow("SELECT 1 FROM stores WHERE id = ?", [.text(id)]) != nil
    }

    public func insertStore(id: String, region: String, name: String, at now: UInt64) throws {
        try db.execute("INSERT INTO stores(id, region, name, created_at) VALUES (?, ?, ?, ?)",
                       [.text(id), .text(region), .text(name), .integer(Int64(now))])
    }

    /// Every store, by id.
    public func stores() throws -> [StoreRow] {
        try db.rows("SELECT id, region, name FROM stores ORDER BY id").map {
            StoreRow(id: $0[0].text ?? "", region: $0[1].text ?? "", name: $0[2].text ?? "")
        }
    }
}
