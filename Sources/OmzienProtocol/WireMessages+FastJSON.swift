import Foundation
import OmzienModel

/// Decoding the messages that carry many operations with `JSONDocument` and
/// `LogOperation(json:)` (several times faster than `Codable` or `JSONSerialization` here).
/// Same acceptance as `Codable`, except that `JSONDocument` is stricter where JSON readers
/// disagree (duplicate member names are refused).
extension PushRequest {
    public static func decodeFast(_ data: Data) throws -> PushRequest { try decodeFast(Array(data)) }

    public static func decodeFast(_ bytes: [UInt8]) throws -> PushRequest {
        let o = try JSONDocument(bytes).root
        guard o.isObject else { throw JSONShapeError("the body must be a JSON object") }
        guard let version = o["protocolVersion"]?.int64 else { throw JSONShapeError("missing field 'protocolVersion' (a whole number)") }
        guard let replica = o["replica"]?.string else { throw JSONShapeError("missing field 'replica'") }
        guard let list = o["operations"]?.elements else { throw JSONShapeError("missing field 'operations' (an array)") }
        var request = PushRequest(replica: replica, operations: try list.enumerated().map { i, op in
            do { return try LogOperation(json: op) } catch let e as JSONShapeError { throw JSONShapeError("operations[\(i)]: \(e.description)") }
        })
        request.protocolVersion = Int(clamping: version)
        return request
    }
}

extension PullResponse {
    public static func decodeFast(_ data: Data) throws -> PullResponse { try decodeFast(Array(data)) }

    public static func decodeFast(_ bytes: [UInt8]) throws -> PullResponse {
        let o = try JSONDocument(bytes).root
        guard let list = o["operations"]?.elements, let cursor = o["cursor"]?.string, let more = o["more"]?.bool,
              let time = o["serverTime"]?.uint64 else {
            throw JSONShapeError("a pull response has operations, cursor, more and serverTime")
        }
        return PullResponse(operations: try list.map(LogOperation.init(json:)), cursor: cursor, more: more, serverTime: time)
    }
}

extension SnapshotResponse {
    public static func decodeFast(_ data: Data) throws -> SnapshotResponse { try decodeFast(Array(data)) }

    public static func decodeFast(_ bytes: [UInt8]) throws -> SnapshotResponse {
        let o = try JSONDocument(bytes).root
        guard let list = o["records"]?.elements, let cursor = o["cursor"]?.string, let digest = o["digest"]?.string,
              let time = o["serverTime"]?.uint64 else {
            throw JSONShapeError("a snapshot has records, cursor, digest and serverTime")
        }
        let records = try list.map { r -> Record in
            guard let kind = r["kind"]?.string, let id = r["id"]?.string, let state = r["state"]?.string else {
                throw JSONShapeError("a snapshot record has kind, id and state strings")
            }
            return Record(kind: kind, id: id, state: state)
        }
        return SnapshotResponse(records: records, cursor: cursor, digest: digest, serverTime: time)
    }
}
