import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore

extension RecordingTransport {
    /// A recording transport for `store`'s sync (`device sync --record DIR`) whose log starts
    /// with the device's state (R-LOG-8), so that it replays on the device side whatever
    /// the device held before. Call `finish(store:)` when the sync is over. Pseudonymised
    /// unless `plain` (PRIVACY.md R-PRIV-3).
    public convenience init(inner: any HTTPTransport, directory: String, store: ReplicaStore, plain: Bool = false) throws {
        let storeID = (try? store.setting("store")) ?? nil ?? ""
        try self.init(inner: inner, directory: directory, replica: store.replica.rawValue, store: storeID,
                      pseudonymKey: plain ? nil : try Self.recordingKey(of: store), digest: { try? store.storeAudienceDigest().hex })
        try recordLocal(DeviceLogState.startPath, body: try Self.state(of: store), digest: try store.storeAudienceDigest().hex)
    }

    static func state(of store: ReplicaStore) throws -> [UInt8] {
        let records = try store.records().sorted { $0.ref < $1.ref }.map {
            SnapshotResponse.Record(kind: $0.ref.kind.rawValue, id: $0.ref.id.rawValue, state: Data($0.canonicalBytes()).base64EncodedString())
        }
        let state = DeviceLogState(records: records, digest: try store.stateDigest().hex,
                                   held: Dictionary(uniqueKeysWithValues: store.held().map { ($0.key.rawValue, $0.value) }))
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(state))
    }

    /// Writes the closing step with the device's digest after the sync, and closes the log.
    public func finish(store: ReplicaStore) {
        if let digest = try? store.storeAudienceDigest().hex { try? recordLocal(DeviceLogState.endPath, body: nil, digest: digest) }
        close()
    }
}
