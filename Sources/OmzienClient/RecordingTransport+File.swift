import Foundation
import OmzienProtocol
import OmzienStore

extension RecordingTransport {
    /// A recording transport for a sync on the database file at `path` (`DeviceSync(path:)`):
    /// the file is opened for the start state, and again, briefly, for the digest when each
    /// answer arrives (the sync holds no connection while it waits for the network, R-DEV-20).
    /// Call `finish(path:)` when the sync is over. Pseudonymised unless `plain` (PRIVACY.md R-PRIV-3).
    public convenience init(inner: any HTTPTransport, directory: String, path: String, plain: Bool = false) throws {
        let (replica, storeID, state, digest, key) = try DeviceDatabase.with(path) { store in
            (store.replica.rawValue, (try store.setting("store")) ?? "", try Self.state(of: store), try store.storeAudienceDigest().hex,
             plain ? nil : try Self.recordingKey(of: store))
        }
        try self.init(inner: inner, directory: directory, replica: replica, store: storeID, pseudonymKey: key,
                      digest: { try? DeviceDatabase.with(path) { try $0.storeAudienceDigest().hex } })
        try recordLocal(DeviceLogState.startPath, body: state, digest: digest)
    }

    /// Writes the closing step with the device's digest after the sync, and closes the log.
    public func finish(path: String) {
        if let digest = try? DeviceDatabase.with(path, { try $0.storeAudienceDigest().hex }) {
            try? recordLocal(DeviceLogState.endPath, body: nil, digest: digest)
        }
        close()
    }
}
