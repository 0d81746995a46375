import Foundation
import OmzienModel
import OmzienProtocol
import Testing

/// Protocol/schemas, Protocol/openapi.json and Protocol/examples against each other and
/// against the Swift message types (Protocol/SYNC.md, "Transport"). The JSON Schema checks
/// run in Python (`jsonschema`, `openapi-spec-validator`; Tools/protocol/validate.py).
struct SchemaTests {
    // MARK: - Swift types by schema name

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static func roundTrip<T: Codable>(_ type: T.Type, _ data: Data) throws -> Data {
        try encoder().encode(try JSONDecoder().decode(T.self, from: data))
    }

    /// Decodes `data` as the Swift type of `schema` and encodes it again; nil: no Swift type.
    static func roundTrip(schema: String, _ data: Data) throws -> Data? {
        switch schema {
        case "operation": try roundTrip(LogOperation.self, data)
        case "value": try roundTrip(FieldValue.self, data)
        case "change": try roundTrip(FieldChange.self, data)
        case "body": try roundTrip(OperationBody.self, data)
        case "enroll-request": try roundTrip(EnrollRequest.self, data)
        case "enroll-response": try roundTrip(EnrollResponse.self, data)
        case "push-request": try roundTrip(PushRequest.self, data)
        case "push-response": try roundTrip(PushResponse.self, data)
        case "quarantine-notice": try roundTrip(QuarantineNotice.self, data)
        case "quarantine-entry": try roundTrip(QuarantineEntry.self, data)
        case "quarantine-list": try roundTrip([QuarantineEntry].self, data)
        case "quarantine-release-response": try roundTrip(QuarantineReleaseResponse.self, data)
        case "pull-response": try roundTrip(PullResponse.self, data)
        case "snapshot-response": try roundTrip(SnapshotResponse.self, data)
        case "snapshot-record": try roundTrip(SnapshotResponse.Record.self, data)
        case "info-response": try roundTrip(InfoResponse.self, data)
        case "server-limits": try roundTrip(ServerLimits.self, data)
        case "status-response": try roundTrip(StatusResponse.self, data)
        case "problem": try roundTrip(Problem.self, data)
        case "create-region-request": try roundTrip(CreateRegionRequest.self, data)
        case "create-store-request": try roundTrip(CreateStoreRequest.self, data)
        case "create-enrollment-request": try roundTrip(CreateEnrollmentRequest.self, data)
        case "enrollment-code-response": try roundTrip(EnrollmentCodeResponse.self, data)
        case "device-info": try roundTrip(DeviceInfo.self, data)
        case "device-list": try roundTrip([DeviceInfo].self, data)
        case "region-info": try roundTrip(RegionInfo.self, data)
        case "region-list": try roundTrip([RegionInfo].self, data)
        case "store-info": try roundTrip(StoreInfo.self, data)
        case "store-list": try roundTrip([StoreInfo].self, data)
        case "partner-info": try roundTrip(PartnerInfo.self, data)
        case "partner-list": try roundTrip([PartnerInfo].self, data)
        case "referral-view": try roundTrip(ReferralView.self, data)
        case "referral-page": try roundTrip(ReferralPage.self, data)
        case "referral-update-request": try roundTrip(ReferralUpdateRequest.self, data)
        case "case-note-request": try roundTrip(CaseNoteRequest.self, data)
        case "case-note": try roundTrip(CaseNote.self, data)
        case "case-note-list": try roundTrip(CaseNoteList.self, data)
        case "create-partner-request": try roundTrip(CreatePartnerRequest.self, data)
        case "partner-token-request": try roundTrip(PartnerTokenRequest.self, data)
        case "partner-created": try roundTrip(PartnerCreated.self, data)
        case "headoffice-token-request": try roundTrip(HeadOfficeTokenRequest.self, data)
        case "headoffice-token-response": try roundTrip(HeadOfficeTokenResponse.self, data)
        case "headoffice-token-info": try roundTrip(HeadOfficeTokenInfo.self, data)
        case "headoffice-token-list": try roundTrip([HeadOfficeTokenInfo].self, data)
        case "admin-token-request": try roundTrip(AdminTokenRequest.self, data)
        case "admin-token-response": try roundTrip(AdminTokenResponse.self, data)
        case "backup-response": try roundTrip(BackupResponse.self, data)
        case "move-store-request": try roundTrip(MoveStoreRequest.self, data)
        case "move-store-response": try roundTrip(MoveStoreResponse.self, data)
        case "response-time-report": try roundTrip(ResponseTimeReport.self, data)
        case "create-account-request": try roundTrip(CreateAccountRequest.self, data)
        case "account-info": try roundTrip(AccountInfo.self, data)
        case "account-list": try roundTrip([AccountInfo].self, data)
        case "account-created": try roundTrip(AccountCreated.self, data)
        case "erasure-request": try roundTrip(ErasureRequest.self, data)
        case "erasure-response": try roundTrip(ErasureResponse.self, data)
        case "revoke-device-request": try roundTrip(RevokeDeviceRequest.self, data)
        case "personal-token-request": try roundTrip(PersonalTokenRequest.self, data)
        case "personal-token-response": try roundTrip(PersonalTokenResponse.self, data)
        case "password-change-request": try roundTrip(PasswordChangeRequest.self, data)
        case "personal-token-info": try roundTrip(PersonalTokenInfo.self, data)
        case "personal-token-list": try roundTrip([PersonalTokenInfo].self, data)
        case "dashboard-report": try roundTrip(DashboardReport.self, data)
        default: nil
        }
    }

    // MARK: - (a) the protocol files

    @Test func examplesAndOpenAPIValidate() throws {
        let results = try PythonValidator.run()
        for r in results {
            #expect(r.ok, "\(r.name): \(r.error ?? "failed")")
        }
        // Every example file was checked (none skipped silently), and openapi.json was checked.
        let checked = Set(results.map(\.name))
        let examples = try ProtocolFiles.jsonFiles(in: ProtocolFiles.examples)
        #expect(examples.count >= 30, "the examples are missing from \(ProtocolFiles.examples.path)")
        for file in examples {
            #expect(checked.contains("examples/\(file.lastPathComponent)"), "examples/\(file.lastPathComponent) was not validated")
        }
        #expect(checked.contains("openapi.json is valid OpenAPI 3.1"))
        #expect(checked.contains("openapi.json is up to date with schemas/ and examples/"))
    }

    /// Every operation that needs a token documents 401 and 429: any bearer request can be
    /// answered 429 once its address has failed too often (SYNC.md R-OPS-4).
    @Test func everySecuredOperationDocumentsItsAuthenticationAnswers() throws {
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: ProtocolFiles.openAPI)) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: [String: Any]])
        var missing: [String] = []
        var secured = 0
        for (path, methods) in paths {
            for (method, value) in methods {
                guard let operation = value as? [String: Any], let security = operation["security"] as? [Any], !security.isEmpty else { continue }
                secured += 1
                let responses = operation["responses"] as? [String: Any] ?? [:]
                for code in ["401", "429"] where responses[code] == nil { missing.append("\(method.uppercased()) \(path): no \(code)") }
            }
        }
        #expect(secured >= 20)
        #expect(missing.isEmpty, "\(missing.sorted().joined(separator: "\n"))")
    }

    // MARK: - (b) Swift against the schemas

    /// Every example decodes into its Swift type (operations verify their hashes on the way),
    /// encodes back to the same JSON, and that encoding passes the schema.
    @Test func examplesDecodeIntoSwiftTypesAndEncodeBack() throws {
        var items: [PythonValidator.Item] = []
        for file in try ProtocolFiles.jsonFiles(in: ProtocolFiles.examples) {
            let schema = ProtocolFiles.schemaName(of: file)
            let data = try Data(contentsOf: file)
            let encoded: Data?
            do {
                encoded = try Self.roundTrip(schema: schema, data)
            } catch {
                Issue.record("examples/\(file.lastPathComponent) does not decode as the Swift type of \(schema): \(error)")
                continue
            }
            guard let encoded else {
                Issue.record("examples/\(file.lastPathComponent): no Swift type for schema \(schema)")
                continue
            }
            #expect(try JSONValue.decoding(encoded) == JSONValue.decoding(data),
                    "examples/\(file.lastPathComponent): Swift re-encodes it differently: \(String(decoding: encoded, as: UTF8.self))")
            items.append(.init(name: "Swift re-encoding of examples/\(file.lastPathComponent)", schema: schema, instance: encoded, expectValid: true))
        }
        #expect(!items.isEmpty)
        for r in try PythonValidator.run(items: items, onlyItems: true) {
            #expect(r.ok, "\(r.name): \(r.error ?? "failed")")
        }
    }

    /// Swift values of every message type, made with the Swift API (not decoded), encoded
    /// with JSONEncoder: the encodings pass the schemas. Catches drift between the two.
    @Test func swiftEncodingsMatchTheSchemas() throws {
        let messages = try SwiftMessages.all()
        let covered = Set(messages.map(\.schema))
        for schema in try ProtocolFiles.schemaNames() where schema != "common" {
            #expect(covered.contains(schema), "no Swift value is checked against schemas/\(schema).json")
        }
        let items = messages.map { PythonValidator.Item(name: "Swift \($0.name)", schema: $0.schema, instance: $0.data, expectValid: true) }
        for r in try PythonValidator.run(items: items, onlyItems: true) {
            #expect(r.ok, "\(r.name): \(r.error ?? "failed")")
        }
    }

    // MARK: - (c) broken messages

    @Test func brokenMessagesAreRejected() throws {
        func example(_ name: String) throws -> JSONValue { try ProtocolFiles.json(ProtocolFiles.examples.appendingPathComponent(name)) }
        let push = try example("push-request.json")
        let operation = try SwiftMessages.feedbackOperation()
        let feedback = try JSONValue.decoding(try Self.encoder().encode(operation))
        #expect(feedback.at("body", "changes", "3", "field") == .string("nps"), "the feedback operation's fourth change should set nps")

        var cases: [(name: String, schema: String, value: JSONValue)] = []
        func broken(_ name: String, _ schema: String, _ base: JSONValue, _ edit: (inout JSONValue) -> Void) {
            var v = base
            edit(&v)
            cases.append((name, schema, v))
        }
        broken("push-response without held", "push-response", try example("push-response.json")) { $0["held"] = nil }
        broken("enroll-request with an extra field", "enroll-request", try example("enroll-request.json")) { $0["deviceName"] = .string("kassa 3") }
        broken("operation with a 63-digit hash", "operation", feedback) { $0["hash"] = .string(String(repeating: "a", count: 63)) }
        broken("operation with an upper-case hash", "operation", feedback) {
            if case let .string(h)? = $0["hash"] { $0["hash"] = .string(h.uppercased()) }
        }
        broken("operation with nps as a JSON number", "operation", feedback) { op in
            var changes = op.at("body", "changes")!
            var nps = changes[3]!
            nps["value"] = .int(7)
            changes[3] = nps
            op["body"] = .object(["changes": changes])
        }
        broken("operation with hlc as a JSON number", "operation", feedback) { $0["hlc"] = .uint(operation.timestamp.packed) }
        broken("operation id without a sequence", "operation", feedback) { $0["id"] = .string("store-12-d3") }
        broken("operation id with sequence 0", "operation", feedback) { $0["id"] = .string("store-12-d3#0") }
        broken("operation with an author in capitals", "operation", feedback) { $0["author"] = .string("Kassa-17") }
        broken("operation with an empty change list", "operation", feedback) { $0["body"] = .object(["changes": .array([])]) }
        broken("operation with both changes and erase", "operation", feedback) { op in
            var body = op["body"]!
            body["erase"] = .bool(true)
            op["body"] = body
        }
        broken("push-request of protocol version 2", "push-request", push) { $0["protocolVersion"] = .int(2) }
        let smallOperation = try example("operation.erase.json")  // cheap to validate 1,001 times
        broken("push-request with 1,001 operations", "push-request", push) { $0["operations"] = .array(Array(repeating: smallOperation, count: 1001)) }
        broken("problem with an unknown code", "problem", try example("problem.sequence-gap.json")) {
            $0["type"] = .string("https://omzien.example/problems/teapot")
        }
        broken("enrollment valid for 169 hours", "create-enrollment-request", try example("create-enrollment-request.json")) { $0["expiresInHours"] = .int(169) }
        broken("info with a pull page above the protocol's", "info-response", try example("info-response.json")) { info in
            var limits = info["limits"]!
            limits["maxPullPage"] = .int(1001)
            info["limits"] = limits
        }
        broken("device token without its prefix", "enroll-response", try example("enroll-response.json")) {
            $0["token"] = .string("EXAMPLE-not-a-real-token-EXAMPLE-not-a-real")
        }
        broken("region id with a space", "create-region-request", try example("create-region-request.json")) { $0["id"] = .string("regio noord") }

        // The unbroken bases must pass, or a rejection above would prove nothing.
        var items: [PythonValidator.Item] = [
            .init(name: "base push-response", schema: "push-response", instance: try example("push-response.json").encoded(), expectValid: true),
            .init(name: "base feedback operation", schema: "operation", instance: try feedback.encoded(), expectValid: true),
            .init(name: "base push-request", schema: "push-request", instance: try push.encoded(), expectValid: true),
        ]
        items += try cases.map { .init(name: $0.name, schema: $0.schema, instance: try $0.value.encoded(), expectValid: false) }
        let results = try PythonValidator.run(items: items, onlyItems: true)
        #expect(results.count == items.count)
        for r in results {
            #expect(r.ok, "\(r.name): \(r.error ?? "failed")")
        }

        // Swift's decoding rejects those of them that break a type rule (it ignores unknown keys,
        // so the extra-field case is the schema's alone).
        for name in ["push-response without held", "operation with a 63-digit hash", "operation with nps as a JSON number",
                     "operation with hlc as a JSON number", "operation id without a sequence", "operation id with sequence 0",
                     "operation with an author in capitals"] {
            let c = try #require(cases.first { $0.name == name })
            let data = try c.value.encoded()
            #expect(throws: (any Error).self, "Swift decoded \(name)") {
                _ = try Self.roundTrip(schema: c.schema, data)
            }
        }
    }

    // MARK: - Examples that are more than well-formed

    /// The example operations are real: they verify and chain (push) or apply (pull) on a
    /// replica, and the snapshot's digest is the state digest of its records.
    @Test func exampleOperationsApplyAndTheSnapshotDigestHolds() throws {
        let decoder = JSONDecoder()
        func data(_ name: String) throws -> Data { try Data(contentsOf: ProtocolFiles.examples.appendingPathComponent(name)) }

        let push = try decoder.decode(PushRequest.self, from: data("push-request.json"))
        #expect(push.operations.allSatisfy { $0.id.replica.rawValue == push.replica }, "a push carries the device's own operations only")
        var device = ReplicaState()
        for op in push.operations { #expect(try device.apply(op) == .applied, "push-request.json: \(op.id)") }
        #expect(device.held(from: try ReplicaID(push.replica)) == UInt64(push.operations.count))
        let pushed = try decoder.decode(PushResponse.self, from: data("push-response.json"))
        #expect(pushed.held == UInt64(push.operations.count))

        var puller = ReplicaState()
        for file in ["pull-response.json", "pull-response.more.json"] {
            let pull = try decoder.decode(PullResponse.self, from: data(file))
            #expect(!pull.operations.contains { $0.id.replica.rawValue == push.replica }, "\(file): a pull leaves out the caller's own operations")
            for op in pull.operations { #expect(try puller.apply(op) == .applied, "\(file): \(op.id)") }
        }

        let snapshot = try decoder.decode(SnapshotResponse.self, from: data("snapshot-response.json"))
        var states: [RecordState] = []
        for record in snapshot.records {
            let ref = RecordRef(kind: try RecordKind(validating: record.kind), id: try RecordID(record.id))
            let bytes = try #require(Data(base64Encoded: record.state), "\(record.id): state is not base64")
            states.append(try RecordState(ref: ref, canonicalBytes: Array(bytes)))
        }
        #expect(StateDigest.of(states).hex == snapshot.digest)
    }

    /// The numbers the schemas state equal the Swift constants.
    @Test func schemaLimitsMatchTheSwiftLimits() throws {
        func schema(_ name: String) throws -> JSONValue { try ProtocolFiles.json(ProtocolFiles.schemas.appendingPathComponent("\(name).json")) }
        let limits = try schema("server-limits")
        func maximum(_ field: String) -> Int64? { limits.at("properties", field, "maximum")?.intValue }
        #expect(maximum("maxOperationsPerPush") == Int64(Limits.maxOperationsPerPush))
        #expect(maximum("maxRequestBytes") == Int64(Limits.maxRequestBytes))
        #expect(maximum("maxPullPage") == Int64(Limits.maxPullPage))
        #expect(maximum("defaultPullPage") == Int64(Limits.maxPullPage))
        #expect(maximum("maxSnapshotRecords") == Int64(Limits.maxSnapshotRecords))
        #expect(try schema("push-request").at("properties", "operations", "maxItems")?.intValue == Int64(Limits.maxOperationsPerPush))
        #expect(try schema("pull-response").at("properties", "operations", "maxItems")?.intValue == Int64(Limits.maxPullPage))
        #expect(try schema("snapshot-response").at("properties", "records", "maxItems")?.intValue == Int64(Limits.maxSnapshotRecords))
        #expect(try schema("change").at("$defs", "IncrementChange", "properties", "amount", "maximum")?.intValue == Int64(FieldChange.maxIncrement))
        #expect(try schema("common").at("$defs", "OperationIdList", "maxItems")?.intValue == Int64(FieldChange.maxSupersedes))
        #expect(try schema("common").at("$defs", "ProtocolVersion", "const")?.intValue == Int64(SyncProtocol.version))

        let pull = try ProtocolFiles.json(ProtocolFiles.openAPI).at("paths", "/v1/sync/pull", "get", "parameters")
        guard case let .array(parameters)? = pull, let limit = parameters.first(where: { $0["name"] == .string("limit") }) else {
            Issue.record("openapi.json: GET /v1/sync/pull has no limit parameter")
            return
        }
        #expect(limit.at("schema", "maximum")?.intValue == Int64(Limits.maxPullPage))
        #expect(limit.at("schema", "default")?.intValue == Int64(Limits.defaultPullPage))
        let info = try ProtocolFiles.json(ProtocolFiles.examples.appendingPathComponent("info-response.json"))
        #expect(try JSONValue.decoding(Self.encoder().encode(ServerLimits.protocolDefaults)) == info["limits"],
                "info-response.json should announce the protocol's own limits")
    }
}

/// Swift values of every message type, built with the Swift API.
enum SwiftMessages {
    struct Message {
        let name: String
        let schema: String
        let data: Data
    }

    static let now: UInt64 = 1_763_800_200_000

    /// A feedback operation made by the model's own factory (real hashes), NPS 7.
    static func feedbackOperation() throws -> LogOperation {
        var factory = OperationFactory(replica: ReplicaID(trusted: "store-12-d3"))
        let draft = FeedbackDraft(store: "store-12", givenAt: 1_763_800_000_000, category: "queue-at-till", nps: 7,
                                  comment: "Lange rij bij kassa 2, maar vriendelijk geholpen")
        return try factory.make(record: RecordRef(kind: .feedback, id: RecordID(trusted: "9c0e1d2f3a4b5c6d7e8f90a1b2c3d4e5")),
                                author: AuthorID(trusted: "kassa-17"), body: .changes(try draft.changes()),
                                physicalMillis: 1_763_800_000_000)
    }

    static func all() throws -> [Message] {
        let encoder = SchemaTests.encoder()
        var out: [Message] = []
        func add<T: Encodable>(_ name: String, _ schema: String, _ value: T) throws {
            out.append(Message(name: name, schema: schema, data: try encoder.encode(value)))
        }

        // Operations: a fresh feedback operation, its erase, a redacted one, and the vectors'.
        var factory = OperationFactory(replica: ReplicaID(trusted: "store-12-d3"))
        let feedbackRef = RecordRef(kind: .feedback, id: RecordID(trusted: "9c0e1d2f3a4b5c6d7e8f90a1b2c3d4e5"))
        let draft = FeedbackDraft(store: "store-12", givenAt: 1_763_800_000_000, category: "price-error", nps: 3, comment: nil, channel: "kletskassa")
        let feedback = try factory.make(record: feedbackRef, author: AuthorID(trusted: "kassa-17"), body: .changes(try draft.changes()),
                                        physicalMillis: 1_763_800_000_000)
        let erase = try factory.make(record: feedbackRef, author: AuthorID(trusted: "kassa-17"), body: .erase, physicalMillis: 1_763_800_060_000)
        try add("feedback operation", "operation", feedback)
        try add("feedback operation (NPS 7, comment)", "operation", try feedbackOperation())
        try add("erase operation", "operation", erase)
        try add("redacted operation", "operation", feedback.redacted())
        let signal = try ProtocolFiles.vectorOperations("signal-lifecycle.json")
        var vectorOperations: [LogOperation] = []
        for file in try ProtocolFiles.jsonFiles(in: ProtocolFiles.vectors) {
            vectorOperations += try ProtocolFiles.vectorOperations(file.lastPathComponent)
        }
        for op in vectorOperations { try add("vector operation \(op.id) (\(op.record))", "operation", op) }

        // Values, changes and bodies on their own.
        let values: [FieldValue] = [.null, .bool(true), .bool(false), .string("Komt elke ochtend koffie drinken"), .int(Int64.min), .int(0),
                                    .int(Int64.max), .double(-0.0), .double(.nan), .double(.infinity), .double(2.5)]
        for v in values { try add("value \(v)", "value", v) }
        let opid = OperationID(replica: ReplicaID(trusted: "till-1"), sequence: 1)
        let changes: [FieldChange] = [
            .set(field: "urgency", value: .string("soon"), supersedes: [opid]), .set(field: "nps", value: .int(10), supersedes: []),
            .add(field: "indicators", element: "withdrawn"), .remove(field: "indicators", element: "withdrawn", observed: [opid]),
            .remove(field: "indicators", element: "confused", observed: []), .increment(field: "count", amount: FieldChange.maxIncrement),
            .advance(field: "status", epoch: 0, state: "accepted"), .reopen(field: "status", epoch: UInt32.max),
        ]
        for c in changes { try add("change \(c.changeName) \(c.field)", "change", c) }
        for b in [OperationBody.changes(changes), .erase, .redacted] { try add("body \(b)", "body", b) }

        // Sync messages.
        try add("enroll request", "enroll-request", EnrollRequest(code: "K7QM-4XPR-9TWC-HN3D", label: "kassa 3"))
        try add("enroll request without label", "enroll-request", EnrollRequest(code: "K7QM-4XPR-9TWC-HN3D"))
        try add("enroll request with a nonce", "enroll-request", EnrollRequest(code: "K7QM-4XPR-9TWC-HN3D", label: "kassa 3", nonce: "0123456789abcdef0123456789abcdef"))
        let entry = QuarantineEntry(operation: "store-12-d2#41", replica: "store-12-d2", store: "store-12", reason: "its clock is 1.0 days ahead",
                                    receivedAt: now, clock: now + 86_400_000, aheadMillis: 86_400_000, bytes: 900)
        try add("quarantine entry", "quarantine-entry", entry)
        try add("quarantine list", "quarantine-list", [entry])
        try add("quarantine release", "quarantine-release-response", QuarantineReleaseResponse(replica: "store-12-d2", released: 2, held: 42))
        try add("problem quarantine-full", "problem", Problem("quarantine-full", status: 409, title: "Quarantine is full", detail: "full", held: 3))
        try add("problem service-unavailable", "problem", Problem("service-unavailable", status: 503, title: "Service unavailable"))
        let token = "omz_d_" + Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        try add("enroll response", "enroll-response", EnrollResponse(replica: "store-12-d3", store: "store-12", token: token, serverTime: now))
        let tillOne = signal.filter { $0.id.replica.rawValue == "till-1" }
        try add("push request", "push-request", PushRequest(replica: "till-1", operations: tillOne))
        try add("empty push request", "push-request", PushRequest(replica: "till-1", operations: []))
        let notice = QuarantineNotice(id: tillOne[1].id, reason: "clock-ahead", retryAfter: tillOne[1].timestamp.wallMillis - Limits.defaultMaxDriftMillis)
        try add("quarantine notice", "quarantine-notice", notice)
        try add("push response", "push-response", PushResponse(held: 2, applied: 2, duplicates: 0, quarantined: [], serverTime: now))
        try add("push response with quarantine", "push-response", PushResponse(held: 1, applied: 1, duplicates: 0, quarantined: [notice], serverTime: now))
        let others = signal.filter { $0.id.replica.rawValue != "till-1" }
        try add("pull response", "pull-response", PullResponse(operations: others, cursor: "c1.000000000000003f", more: false, serverTime: now))
        try add("empty pull response", "pull-response", PullResponse(operations: [], cursor: "", more: false, serverTime: now))

        var state = ReplicaState()
        for op in signal + (try ProtocolFiles.vectorOperations("erase-beats-update.json")) { _ = try state.apply(op) }
        let records = state.records.values.sorted { $0.ref < $1.ref }.map {
            SnapshotResponse.Record(kind: $0.ref.kind.rawValue, id: $0.ref.id.rawValue, state: Data($0.canonicalBytes()).base64EncodedString())
        }
        try add("snapshot record", "snapshot-record", records[0])
        try add("snapshot response", "snapshot-response", SnapshotResponse(records: records, cursor: "c1.0000000000000040", digest: state.digest.hex, serverTime: now))
        try add("empty snapshot response", "snapshot-response", SnapshotResponse(records: [], cursor: "", digest: ReplicaState().digest.hex, serverTime: now))
        try add("server limits", "server-limits", ServerLimits.protocolDefaults)
        try add("info response", "info-response", InfoResponse(serverTime: now, limits: .protocolDefaults))
        try add("info response with retention", "info-response", InfoResponse(serverTime: now, limits: .protocolDefaults, retention: RetentionPeriods(.defaults)))
        try add("retention periods", "retention-periods", RetentionPeriods(RetentionPolicy(closedDays: 90, draftDays: 7, feedbackCommentDays: 60)))
        try add("no retention", "retention-periods", RetentionPeriods(nil))
        try add("lowered limits", "info-response", InfoResponse(serverTime: now, limits: ServerLimits(
            maxOperationsPerPush: 200, maxRequestBytes: 1 << 20, maxPullPage: 100, defaultPullPage: 50, maxSnapshotRecords: 10_000, maxDriftMillis: 60_000)))
        try add("status response", "status-response", StatusResponse(replica: "till-1", store: "store-12", held: 2, quarantined: 0, serverTime: now))

        // Problems: every code of SYNC.md section 8.
        let codes = ["bad-request", "invalid-json", "unsupported-protocol-version", "unauthorized", "invalid-code", "forbidden",
                     "not-found", "already-exists", "sequence-gap", "broken-chain", "forked-operation", "invalid-operation",
                     "too-many-operations", "invalid-cursor", "payload-too-large", "internal"]
        for code in codes { try add("problem \(code)", "problem", Problem(code, status: code == "internal" ? 500 : 400, title: code)) }
        try add("problem with held and operation", "problem", Problem("sequence-gap", status: 409, title: "Sequence gap",
                                                                       detail: "till-1#5 follows till-1#2", held: 2, operation: "till-1#5"))

        // Administration.
        try add("create region", "create-region-request", CreateRegionRequest(id: "noord", name: "Regio Noord"))
        try add("create store", "create-store-request", CreateStoreRequest(id: "store-12", region: "noord", name: "Filiaal Groningen Oosterpoort"))
        try add("create enrollment", "create-enrollment-request", CreateEnrollmentRequest(store: "store-12", expiresInHours: 168))
        try add("create enrollment, default expiry", "create-enrollment-request", CreateEnrollmentRequest(store: "store-12"))
        try add("enrollment code", "enrollment-code-response", EnrollmentCodeResponse(code: "K7QM-4XPR-9TWC-HN3D", store: "store-12", expiresAt: now + 86_400_000))
        let devices = [DeviceInfo(replica: "store-12-d1", store: "store-12", label: "kassa 1", enrolledAt: now, revoked: false, held: 1287),
                       DeviceInfo(replica: "store-12-d2", store: "store-12", label: nil, enrolledAt: now, revoked: true, held: 0)]
        try add("device", "device-info", devices[0])
        try add("device without label", "device-info", devices[1])
        try add("devices", "device-list", devices)
        try add("no devices", "device-list", [DeviceInfo]())
        let regions = [RegionInfo(id: "noord", name: "Regio Noord"), RegionInfo(id: "zuid-west", name: "Regio Zuid-West")]
        try add("region", "region-info", regions[0])
        try add("regions", "region-list", regions)
        let stores = [StoreInfo(id: "store-12", region: "noord", name: "Filiaal Groningen Oosterpoort")]
        try add("store", "store-info", stores[0])
        try add("stores", "store-list", stores)
        let partners = [PartnerInfo(id: "wz-noord", region: "noord", name: "Welzijn Noord", activeTokens: 1, tokenExpiresAt: 1_771_576_000_000),
                        PartnerInfo(id: "wz-zuid", region: "zuid", name: "Welzijn Zuid", activeTokens: 0, tokenExpiresAt: nil)]
        try add("partner", "partner-info", partners[0])
        try add("partners", "partner-list", partners)

        // Partners and reports (PARTNERS.md).
        var referral = ReferralView(id: "5c2f0e9a41d84b7f9a0c3e2d1b6f7a80", store: "store-12", region: "noord")
        referral.observedAt = 1_763_800_000_000
        referral.indicators = ["withdrawn"]
        referral.urgency = "urgent"
        referral.consent = "refused"
        referral.status = "in-contact"
        referral.epoch = 1
        try add("referral", "referral-view", referral)
        var erased = ReferralView(id: "9d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6", store: "store-12", region: "noord")
        erased.erased = true
        try add("erased referral", "referral-view", erased)
        try add("referral page", "referral-page", ReferralPage(referrals: [referral, erased], cursor: "p12h3", more: true, serverTime: now))
        try add("referral update", "referral-update-request", ReferralUpdateRequest(state: "declined", declineReason: "buiten ons werkgebied"))
        let caseNote = CaseNote(referral: referral.id, at: now, author: "partner:wz-noord:eline", text: "twee\nregels")
        try add("case note request", "case-note-request", CaseNoteRequest(text: "twee\nregels", author: "partner:wz-noord:eline"))
        try add("case note", "case-note", caseNote)
        try add("case notes", "case-note-list", CaseNoteList(referral: referral.id, notes: [caseNote]))
        try add("create partner", "create-partner-request", CreatePartnerRequest(id: "wz-noord", region: "noord", name: "Welzijn Noord"))
        try add("partner token request", "partner-token-request", PartnerTokenRequest())
        try add("partner created", "partner-created", PartnerCreated(id: "wz-noord", region: "noord", name: "Welzijn Noord", token: "omz_p_" + String(repeating: "x", count: 43), tokenExpiresAt: now))
        try add("head-office token", "headoffice-token-response", HeadOfficeTokenResponse(token: "omz_h_" + String(repeating: "y", count: 43), id: "omz_h_yyyyyy", expiresAt: now))
        try add("head-office token request", "headoffice-token-request", HeadOfficeTokenRequest(tokenDays: 30, label: "controlling"))
        let hoTokens = [HeadOfficeTokenInfo(id: "omz_h_yyyyyy", label: "controlling", createdAt: now, expiresAt: now + 1, revokedAt: nil),
                        HeadOfficeTokenInfo(id: "old-0a1b2c3d", label: nil, createdAt: now, expiresAt: now + 1, revokedAt: now)]
        try add("head-office token info", "headoffice-token-info", hoTokens[0])
        try add("head-office tokens", "headoffice-token-list", hoTokens)
        try add("admin token request", "admin-token-request", AdminTokenRequest(tokenDays: 30, revokeOthers: true))
        try add("admin token", "admin-token-response", AdminTokenResponse(token: "omz_a_" + String(repeating: "z", count: 43), expiresAt: now, revokedOthers: false))
        try add("backup", "backup-response", BackupResponse(path: "/var/lib/omzien/server.sqlite.backups/server-x.sqlite", bytes: 4096, takenAt: 1_764_692_103_123))
        try add("move store", "move-store-request", MoveStoreRequest(region: "zuid"))
        try add("moved store", "move-store-response", MoveStoreResponse(store: "store-12", fromRegion: "noord", toRegion: "zuid", handedOver: []))
        try add("report", "response-time-report", ResponseTimeReport(by: "store", threshold: 5, targets: .standard, groups: [
            .init(key: "store-12", referrals: 7, suppressed: false, acceptedMinutes: .init(count: 7, p50: 30, p90: 60, max: 61), firstContactMinutes: nil,
                  withinTarget: .init(decided: 6, within: 5)),
            .init(key: "store-31", referrals: nil, suppressed: true, acceptedMinutes: nil, firstContactMinutes: nil),
        ]))
        // Person accounts (PARTNERS.md section 9).
        try add("create account", "create-account-request", CreateAccountRequest(partner: "wz-noord", name: "eline", role: "worker"))
        let account = AccountInfo(id: "eline", name: "eline", partner: "wz-noord", role: "worker", actor: "partner:wz-noord:eline", createdAt: now, disabledAt: nil, lockedUntil: now + 1)
        try add("account", "account-info", account)
        try add("accounts", "account-list", [account, AccountInfo(id: "anna", name: "anna", partner: nil, role: "head-office", actor: "headoffice:anna", createdAt: now, disabledAt: now, lockedUntil: nil)])
        try add("account created", "account-created", AccountCreated(account: account, initialPassword: "k7mr-q2xa-h9tp-w4ne"))
        // Erasure by contact and the revoke body (PRIVACY.md R-PRIV-10, R-PRIV-13, R-PRIV-14).
        try add("erasure request", "erasure-request", ErasureRequest(contact: "06-1234 5678", dryRun: true))
        try add("erasure response", "erasure-response", ErasureResponse(erased: 2, dryRun: false, records: ["3q2v7xk1m9a0bc4d"]))
        try add("revoke request", "revoke-device-request", RevokeDeviceRequest(wipe: false))
        try add("personal token request", "personal-token-request", PersonalTokenRequest(account: "eline", password: "een lange zin", tokenDays: 7))
        try add("personal token", "personal-token-response", PersonalTokenResponse(account: "eline", actor: "partner:wz-noord:eline", token: "omz_u_" + String(repeating: "u", count: 43), expiresAt: now))
        try add("password change", "password-change-request", PasswordChangeRequest(account: "eline", password: "een lange zin", newPassword: "een nog langere zin"))
        let personal = PersonalTokenInfo(id: "omz_u_abc-_9", createdAt: now, expiresAt: now, revokedAt: nil, current: true)
        try add("personal token info", "personal-token-info", personal)
        try add("personal tokens", "personal-token-list", [personal, PersonalTokenInfo(id: "h0123456789ab", createdAt: now, expiresAt: now, revokedAt: now, current: false)])
        try add("dashboard", "dashboard-report", DashboardReport(figure: "chat-moments", by: "store", threshold: 5, targets: .standard, rows: [
            .init(group: "store-12", region: "noord", period: "2026-W49", suppressed: false, count: 40),
            .init(group: "store-12", region: "noord", period: "2026-W50", suppressed: true),
            .init(group: "noord", period: "2026-12", suppressed: false, count: 6, firstContactMinutes: .init(count: 5, p50: 60, p90: 90, max: 91),
                  withinTarget: .init(decided: 6, within: 5), nps: -12.5, chatMoments: 50, signalsPer100ChatMoments: 12),
        ]))
        return out
    }
}
