import Foundation
import OmzienModel
import OmzienProtocol
import OmzienStore

/// The device-side replay of a device log (R-LOG-8): a server would lack what the device
/// synced before the log began, so the log is replayed where it was recorded. A scratch
/// replica (in memory) starts from the log's `LOCAL /local/state` step; before each answer is
/// applied its digest must equal the `replicaDigest` the device recorded, and the recorded
/// answers are applied as the device applied them (snapshots imported, pulled operations
/// applied once each); the closing `LOCAL /local/end` digest is checked last.
extension SessionReplay {
    static func isDeviceLog(first: SessionLog.Exchange?) -> Bool {
        first?.method == DeviceLogState.method && first?.path == DeviceLogState.startPath
    }

    /// `keepDatabaseAt`: build the scratch replica there and keep it (`omzien diff`).
    static func runDevice(first: SessionLog.Exchange, replica: String?, until: Int?, keepDatabaseAt: String? = nil,
                          next: () throws -> SessionLog.Exchange?, progress: ((Int) -> Void)?) throws -> Result {
        var result = Result()
        let replicaID = try ReplicaID(replica ?? String(first.principal.dropFirst("device:".count)))
        let scratch = try ReplicaStore(path: keepDatabaseAt ?? ":memory:", replica: replicaID, options: .init(durability: .normal))
        defer { scratch.close() }
        var held: [String: UInt64] = [:]
        var store = first.store ?? "device"
        var e: SessionLog.Exchange? = first
        while let step = e {
            if let until, step.step > until { break }
            progress?(step.step)
            if let s = step.store { store = s }
            let name = "\(step.method) \(step.path)\(step.query.map { "?" + $0 } ?? "")"
            func differ(_ field: String, _ expected: String, _ actual: String) -> Bool {
                result.checks += 1
                guard expected != actual else { return false }
                result.difference = Difference(step: step.step, request: name, field: field, expected: expected, actual: actual)
                return true
            }
            if step.method == DeviceLogState.method && step.path == DeviceLogState.startPath {
                guard let body = step.response, !SessionLog.isCapped(body) else {
                    result.unreplayable = "step \(step.step): the device's starting state was too large to record"
                    break
                }
                let state: DeviceLogState
                do { state = try JSONDecoder().decode(DeviceLogState.self, from: Data(body)) } catch {
                    throw SessionLogError.malformed(line: step.step + 1, reason: "the device's starting state does not decode: \(error)")
                }
                try importStates(state.records, digest: state.digest, into: scratch, step: step.step)
                held = state.held
            } else {
                // Operations the device wrote after the log began reach the log in its pushes:
                // they were in its database before it sent them.
                if Endpoints.push.matches(method: step.method, path: step.path), let body = step.request, !SessionLog.isCapped(body), let push = try? PushRequest.decodeFast(body) {
                    let own = push.operations.filter { $0.id.replica == replicaID && $0.id.sequence > held[replicaID.rawValue, default: 0] }
                    try scratch.apply(own, mode: .scopedFeed)
                    for op in own { held[replicaID.rawValue] = max(held[replicaID.rawValue, default: 0], op.id.sequence) }
                }
                if let recorded = step.replicaDigest, differ("replica digest", recorded, try scratch.storeAudienceDigest().hex) { return result }
            }
            if step.method != DeviceLogState.method, (200..<300).contains(step.status), let body = step.response, !SessionLog.isCapped(body) {
                if Endpoints.snapshot.matches(method: step.method, path: step.path), let snapshot = try? SnapshotResponse.decodeFast(body) {
                    try importStates(snapshot.records, digest: snapshot.digest, into: scratch, step: step.step)
                } else if Endpoints.pull.matches(method: step.method, path: step.path), let page = try? PullResponse.decodeFast(body) {
                    // What the device held already it did not apply again.
                    let fresh = page.operations.filter { $0.id.sequence > held[$0.id.replica.rawValue, default: 0] }
                    try scratch.apply(fresh, mode: .scopedFeed)
                    for op in fresh { held[op.id.replica.rawValue] = max(held[op.id.replica.rawValue, default: 0], op.id.sequence) }
                }
            }
            result.replayed += 1
            e = try next()
        }
        result.digests[store] = try scratch.storeAudienceDigest().hex
        return result
    }

    private static func importStates(_ records: [SnapshotResponse.Record], digest: String, into scratch: ReplicaStore, step: Int) throws {
        var states: [(ref: RecordRef, state: [UInt8])] = []
        for r in records {
            guard let kind = RecordKind(rawValue: r.kind), let id = try? RecordID(r.id), let bytes = Data(base64Encoded: r.state) else {
                throw SessionLogError.malformed(line: step + 1, reason: "record \(r.kind)/\(r.id) of a recorded state is malformed")
            }
            states.append((RecordRef(kind: kind, id: id), Array(bytes)))
        }
        guard let expected = SHA256Digest(hex: digest) else { throw SessionLogError.malformed(line: step + 1, reason: "a recorded state's digest is not hex") }
        do { try scratch.importSnapshot(states, expectedDigest: expected) } catch {
            throw SessionLogError.malformed(line: step + 1, reason: "a recorded state does not match its digest: \(error)")
        }
    }
}
