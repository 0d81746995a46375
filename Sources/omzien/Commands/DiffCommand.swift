import Foundation
import OmzienModel
import OmzienProtocol
import OmzienServer
import OmzienStore

struct DiffCommand: Command {
    static let name = "diff"
    static let summary = "compare two replica databases: records that differ field by field, operations one lacks"
    static let declaration = Declaration(
        arguments: [Argument("A", "the first replica database"), Argument("B", "the second replica database")],
        options: [.text("store", "STORE", "compare only the records of this store (useful against a server database)"),
                  .flag("json", "print the differences as JSON")],
        about: """
        A and B are replica databases (a device's, or a stopped server's or a copy of it), opened
        read-only, or session logs (.jsonl.gz), which are first replayed into a scratch database.
        Prints the records that exist on one side only, the fields that differ on records both
        hold, and the operations one holds that the other lacks, per replica.
        """,
        notes: "Exit status 0 when they hold the same, 1 when they differ.")
    let a: String, b: String, store: String?, json: Bool

    init(_ args: inout ArgumentReader) throws {
        a = args.positional()
        b = args.positional()
        store = args.value("store")
        json = args.flag("json")
    }

    static func open(_ path: String) throws -> ReplicaStore {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError.usage("no database at '\(path)'", command: name) }
        do {
            return try ReplicaStore(path: path, options: .init(readOnly: true))
        } catch let e as DatabaseError where "\(e)".contains("newer version") {
            return try ReplicaStore(path: path, options: .init(readOnly: true), extraMigrations: SyncService.databaseMigrations)
        }
    }

    static func show(_ state: RecordState, _ field: String) -> String {
        switch state.fields[field] {
        case nil: return "(unset)"
        case .register?:
            let conflicts = state.conflicts(field)
            // A contact is never shown without merged consent (R-MODEL-3), not even to an engineer.
            if state.shownValue(field) == nil, let v = state.value(field), v != .null { return "(withheld: consent is not 'given')" }
            return "\(state.shownValue(field).map { "\($0)" } ?? "-")" + (conflicts.isEmpty ? "" : " (+\(conflicts.count.counted("conflict")))")
        case .set?: return "{" + state.elements(field).joined(separator: ", ") + "}"
        case .counter?: return "\(state.count(field))"
        case .status?: return state.status(field).map { "\($0.state) (epoch \($0.epoch))" } ?? "-"
        }
    }

    func run() throws {
        if URL(fileURLWithPath: a).resolvingSymlinksInPath().path == URL(fileURLWithPath: b).resolvingSymlinksInPath().path {
            Output.line("A and B are the same file.")
            return
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-diff-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        /// A log becomes the database its replay builds.
        func database(_ path: String) throws -> String {
            guard path.hasSuffix(".jsonl.gz") else { return path }
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let db = scratch.appendingPathComponent(UUID().uuidString + ".sqlite").path
            let result: SessionReplay.Result
            do { result = try SessionReplay.run(log: try SessionLogStream(path: path), keepDatabaseAt: db) } catch let e as SessionLogError {
                throw CLIError.log(path, e)
            }
            if let d = result.difference { throw CLIError.failure("\(path) does not replay cleanly: \(d)") }
            return db
        }
        let left = try Self.open(try database(a)), right = try Self.open(try database(b))
        defer { left.close(); right.close() }
        func records(_ s: ReplicaStore) throws -> [RecordRef: RecordState] {
            Dictionary(uniqueKeysWithValues: try s.records().filter { r in store == nil || r.string("store") == store || r.ref.id.rawValue.hasPrefix(store! + "/") }.map { ($0.ref, $0) })
        }
        let l = try records(left), r = try records(right)
        var lines: [[String: String]] = []
        for ref in Set(l.keys).union(r.keys).sorted() {
            switch (l[ref], r[ref]) {
            case let (x?, nil): lines.append(["record": ref.description, "difference": "only in A" + (x.erased ? " (erased)" : "")])
            case let (nil, y?): lines.append(["record": ref.description, "difference": "only in B" + (y.erased ? " (erased)" : "")])
            // A store device keeps a submitted signal's store-audience copy (PRIVACY.md
            // R-PRIV-31): a note or contact that one side holds and the other holds withheld
            // is not a difference.
            case let (x?, y?) where x.canonicalBytes() != y.canonicalBytes()
                && !(StoreAudience.project(x) == StoreAudience.project(y) && (StoreAudience.project(x) == x || StoreAudience.project(y) == y)):
                if x.erased != y.erased {
                    lines.append(["record": ref.description, "difference": x.erased ? "erased in A only" : "erased in B only"])
                    continue
                }
                // Only values that differ as shown: a field written to the same value by two
                // operations is equal, though its history (heads, clocks) differs.
                var shown = 0
                for field in Set(x.fields.keys).union(y.fields.keys).sorted() where x.fields[field] != y.fields[field] {
                    let (p, q) = (Self.show(x, field), Self.show(y, field))
                    guard p != q else { continue }
                    lines.append(["record": ref.description, "field": field, "A": p, "B": q])
                    shown += 1
                }
                if shown == 0 { lines.append(["record": ref.description, "difference": "the same values, written by different operations"]) }
            default: break
            }
        }
        func ops(_ s: ReplicaStore) throws -> [String: Set<UInt64>] {
            var out: [String: Set<UInt64>] = [:]
            var pos: Int64 = 0
            while true {
                let page = try s.operations(afterPosition: pos, limit: 5000)
                guard let last = page.last else { break }
                for (_, op) in page where store == nil || op.id.replica.rawValue.hasPrefix(store! + "-") || op.id.replica.rawValue.hasPrefix("partner-") {
                    out[op.id.replica.rawValue, default: []].insert(op.id.sequence)
                }
                pos = last.position
            }
            return out
        }
        let lo = try ops(left), ro = try ops(right)
        var missing: [[String: String]] = []
        for replica in Set(lo.keys).union(ro.keys).sorted() {
            let x = lo[replica] ?? [], y = ro[replica] ?? []
            let onlyA = x.subtracting(y).sorted(), onlyB = y.subtracting(x).sorted()
            if !onlyA.isEmpty { missing.append(["replica": replica, "side": "only in A", "operations": Self.ranges(onlyA)]) }
            if !onlyB.isEmpty { missing.append(["replica": replica, "side": "only in B", "operations": Self.ranges(onlyB)]) }
        }
        let same = lines.isEmpty && missing.isEmpty
        if json {
            try Output.json(["same": same, "records": lines, "operations": missing, "digestA": try left.stateDigest().hex, "digestB": try right.stateDigest().hex])
        } else if same {
            Output.line("A and B hold the same records and operations\(store.map { " of \($0)" } ?? "").")
        } else {
            for line in lines {
                if let field = line["field"] {
                    Output.line("\(line["record"]!)  \(field): A \(line["A"]!)  |  B \(line["B"]!)")
                } else {
                    Output.line("\(line["record"]!)  \(line["difference"]!)")
                }
            }
            for m in missing { Output.line("operations of \(m["replica"]!) \(m["side"]!): \(m["operations"]!)") }
        }
        if !same { throw CLIError.failure("the replicas differ (\(lines.count) record difference(s), \(missing.count) operation range(s))") }
    }

    /// 1, 2, 3, 7 → "#1–#3, #7".
    static func ranges(_ seqs: [UInt64]) -> String {
        var parts: [String] = []
        var i = 0
        while i < seqs.count {
            var j = i
            while j + 1 < seqs.count && seqs[j + 1] == seqs[j] + 1 { j += 1 }
            parts.append(i == j ? "#\(seqs[i])" : "#\(seqs[i])–#\(seqs[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }
}
