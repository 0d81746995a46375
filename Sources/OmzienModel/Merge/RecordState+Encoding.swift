extension RecordState {
    static let encodingVersion: UInt8 = 1

    /// The canonical encoding of this state (Protocol/MODEL.md, "Record state"): fields in
    /// order of name bytes, each state's parts in their canonical order. Two replicas hold
    /// the same state exactly when these bytes are equal; the state digest hashes them.
    public func canonicalBytes() -> [UInt8] {
        var w = CanonicalWriter(capacity: 256)
        w.u8(Self.encodingVersion)
        w.u8(erased ? 1 : 0)
        let names = fields.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        w.count(names.count)
        for name in names {
            w.string(name)
            switch fields[name]! {
            case let .register(reg):
                w.u8(0)
                w.count(reg.heads.count)
                for head in reg.heads { w.operationID(head.op); w.u64(head.timestamp.packed); w.value(head.value) }
                w.count(reg.superseded.count)
                for id in reg.superseded { w.operationID(id) }
            case let .set(set):
                w.u8(1)
                for map in [set.adds, set.removes] {
                    let keys = map.keys.sorted { $0.lexicographicallyPrecedes($1) }
                    w.count(keys.count)
                    for key in keys {
                        w.count(key.count); w.raw(key)
                        let tags = map[key]!.sorted()
                        w.count(tags.count)
                        for tag in tags { w.operationID(tag) }
                    }
                }
            case let .counter(counter):
                w.u8(2)
                let replicas = counter.parts.keys.sorted()
                w.count(replicas.count)
                for r in replicas { w.string(r.rawValue); w.u64(counter.parts[r]!) }
            case let .status(status):
                w.u8(3)
                w.u32(status.epoch)
                w.u32(UInt32(status.rank))
            }
        }
        return w.bytes
    }

    /// Decodes a stored state, checking it against the schema of `ref.kind`.
    public init(ref: RecordRef, canonicalBytes bytes: [UInt8]) throws {
        var r = CanonicalReader(bytes, what: "record state of \(ref)")
        let version = try r.u8()
        guard version == Self.encodingVersion else { throw ModelError.unsupportedEncodingVersion(what: "record state", version: Int(version)) }
        let erasedByte = try r.u8()
        guard erasedByte <= 1 else { throw r.malformed("erased flag \(erasedByte)") }
        let schema = RecordSchema.of(ref.kind)
        var fields: [String: FieldState] = [:]
        let n = try r.count(minItemBytes: 5)
        for _ in 0..<n {
            let name = try r.string()
            guard let spec = try? schema.field(name) else { throw r.malformed("unknown field \(ModelError.quote(name))") }
            let tag = try r.u8()
            switch (tag, spec.merge) {
            case (0, .register):
                var heads: [RegisterState.Head] = []
                for _ in 0..<(try r.count(minItemBytes: 21)) {
                    let op = try r.operationID()
                    let ts = HLCTimestamp(packed: try r.u64())
                    heads.append(.init(op: op, timestamp: ts, value: try r.value()))
                }
                var superseded: [OperationID] = []
                for _ in 0..<(try r.count(minItemBytes: 12)) { superseded.append(try r.operationID()) }
                fields[name] = .register(RegisterState(heads: heads, superseded: superseded))
            case (1, .addWinsSet):
                var maps: [[[UInt8]: Set<OperationID>]] = []
                for _ in 0..<2 {
                    var map: [[UInt8]: Set<OperationID>] = [:]
                    for _ in 0..<(try r.count(minItemBytes: 8)) {
                        var key: [UInt8] = []
                        for _ in 0..<(try r.count()) { key.append(try r.u8()) }
                        var tags = Set<OperationID>()
                        for _ in 0..<(try r.count(minItemBytes: 12)) { tags.insert(try r.operationID()) }
                        map[key] = tags
                    }
                    maps.append(map)
                }
                fields[name] = .set(AddWinsSetState(adds: maps[0], removes: maps[1]))
            case (2, .counter):
                var parts: [ReplicaID: UInt64] = [:]
                for _ in 0..<(try r.count(minItemBytes: 12)) {
                    let replica = try ReplicaID(try r.string())
                    parts[replica] = try r.u64()
                }
                fields[name] = .counter(CounterState(parts: parts))
            case let (3, .status(lattice)):
                let epoch = try r.u32()
                let rank = Int(try r.u32())
                guard rank < lattice.states.count else { throw r.malformed("status rank \(rank) out of range") }
                fields[name] = .status(StatusState(epoch: epoch, rank: rank))
            default:
                throw r.malformed("field \(name) has state tag \(tag), which does not fit its merge kind \(spec.merge.name)")
            }
        }
        try r.expectEnd()
        self.init(ref: ref, erased: erasedByte == 1, fields: fields)
    }

    /// SHA-256 of the canonical bytes: what the state digest combines.
    public var stateHash: SHA256Digest { SHA256.hash(canonicalBytes()) }
}
