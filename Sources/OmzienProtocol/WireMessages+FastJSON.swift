import Foundation
import OmzienModel

/// Decoding the two messages that carry many operations through `JSONSerialization` and
/// `LogOperation(jsonObject:)` (about twice as fast as `Codable` here); same acceptance.
extension PushRequest {
    public static func decodeFast(_ data: Data) throws -> PushRequest {
        guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw JSONShapeError("the body must be a JSON object") }
        guard let version = o["protocolVersion"] as? NSNumber, !LogOperation.isBool(version) else { throw JSONShapeError("missing field 'protocolVersion'") }
        guard let replica = o["replica"] as? String else { throw JSONShapeError("missing field 'replica'") }
        guard let list = o["operations"] as? [Any] else { throw JSONShapeError("missing field 'operations' (an array)") }
        var request = PushRequest(replica: replica, operations: try list.enumerated().map { i, op in
            do { return try LogOperation(jsonObject: op) } catch let e as JSONShapeError { throw JSONShapeError("operations[\(i)]: \(e.description)") }
        })
        request.protocolVersion = version.intValue
        return request
    }
}

extension PullResponse {
    public static func decodeFast(_ data: Data) throws -> PullResponse {
        guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw JSONShapeError("the body must be a JSON object") }
        guard let list = o["operations"] as? [Any], let cursor = o["cursor"] as? String, let more = o["more"], LogOperation.isBool(more),
              let time = o["serverTime"] as? NSNumber else {
            throw JSONShapeError("a pull response has operations, cursor, more and serverTime")
        }
        return PullResponse(operations: try list.map(LogOperation.init(jsonObject:)), cursor: cursor, more: more as! Bool, serverTime: time.uint64Value)
    }
}

extension SnapshotResponse {
    public static func decodeFast(_ data: Data) throws -> SnapshotResponse {
        guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any], let list = o["records"] as? [Any],
              let cursor = o["cursor"] as? String, let digest = o["digest"] as? String, let time = o["serverTime"] as? NSNumber else {
            throw JSONShapeError("a snapshot has records, cursor, digest and serverTime")
        }
        let records = try list.map { item -> Record in
            guard let r = item as? [String: Any], let kind = r["kind"] as? String, let id = r["id"] as? String, let state = r["state"] as? String else {
                throw JSONShapeError("a snapshot record has kind, id and state strings")
            }
            return Record(kind: kind, id: id, state: state)
        }
        return SnapshotResponse(records: records, cursor: cursor, digest: digest, serverTime: time.uint64Value)
    }
}
