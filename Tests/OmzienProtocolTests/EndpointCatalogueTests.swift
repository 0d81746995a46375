import Foundation
import OmzienProtocol
import Testing

/// The endpoint catalogue (`Endpoints`) and `Protocol/openapi.json` describe the same API:
/// the same (method, path) pairs both ways, and for each the success status, the request and
/// response schemas, and the security schemes (who may call it).
struct EndpointCatalogueTests {
    /// One operation of the OpenAPI document, as the catalogue would describe it.
    struct Described: Equatable {
        var success: [Int]
        var request: String?
        var response: String?
        var callers: Set<Caller>
    }

    static let callerOfScheme: [String: Caller] = [
        "deviceToken": .device, "partnerToken": .partner, "personalToken": .person, "adminToken": .admin, "headOfficeToken": .headOffice,
    ]

    /// Every operation of openapi.json by "METHOD /path".
    static func openAPIOperations() throws -> [String: Described] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: ProtocolFiles.openAPI)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        /// `RegionInfo` for a `$ref` to it; `[RegionInfo]` for a schema that is an array of them.
        func name(_ schema: [String: Any]?) -> String? {
            guard let ref = schema?["$ref"] as? String else { return nil }
            let named = String(ref.split(separator: "/").last ?? "")
            if let target = schemas[named], target["type"] as? String == "array",
               let items = (target["items"] as? [String: Any])?["$ref"] as? String {
                return "[" + (items.split(separator: "/").last.map(String.init) ?? "") + "]"
            }
            return named
        }
        var found: [String: Described] = [:]
        for (path, item) in paths {
            for (method, value) in item {
                guard let operation = value as? [String: Any] else { continue }
                let responses = operation["responses"] as? [String: [String: Any]] ?? [:]
                let success = responses.keys.compactMap(Int.init).filter { (200..<300).contains($0) }.sorted()
                let json = { (body: [String: Any]?) in ((body?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any] }
                let security = operation["security"] as? [[String: Any]] ?? []
                let callers = Set(security.flatMap(\.keys).compactMap { callerOfScheme[$0] })
                found["\(method.uppercased()) \(path)"] = Described(
                    success: success, request: name(json(operation["requestBody"] as? [String: Any])),
                    response: success.first.flatMap { name(json(responses["\($0)"])) }, callers: callers.isEmpty ? [.anyone] : callers)
            }
        }
        return found
    }

    @Test func everyCataloguedEndpointIsInOpenAPIAndViceVersa() throws {
        let operations = try Self.openAPIOperations()
        let catalogued = Dictionary(uniqueKeysWithValues: Endpoints.all.map { ("\($0.method.rawValue) \($0.openAPIPath)", $0) })
        #expect(catalogued.count == Endpoints.all.count, "an endpoint is listed twice in Endpoints.all")
        let notInOpenAPI = catalogued.keys.filter { operations[$0] == nil }.sorted()
        let notCatalogued = operations.keys.filter { catalogued[$0] == nil }.sorted()
        #expect(notInOpenAPI.isEmpty, "catalogued but not in openapi.json: \(notInOpenAPI)")
        #expect(notCatalogued.isEmpty, "in openapi.json but not in the catalogue (Endpoints): \(notCatalogued)")
    }

    @Test func everyEndpointSaysWhatOpenAPISays() throws {
        let operations = try Self.openAPIOperations()
        for endpoint in Endpoints.all {
            guard let described = operations["\(endpoint.method.rawValue) \(endpoint.openAPIPath)"] else { continue }  // the test above names it
            #expect(described.success == [endpoint.success], "\(endpoint): success \(endpoint.success), openapi.json \(described.success)")
            #expect(described.callers == endpoint.callers, "\(endpoint): callers \(endpoint.callers.sorted()), openapi.json \(described.callers.sorted())")
            // A request schema openapi.json names is the catalogue's request type, and the other
            // way round; an answer without a named schema (/healthz inline, /metrics text) is not compared.
            #expect(described.request == endpoint.request, "\(endpoint): request \(endpoint.request ?? "none"), openapi.json \(described.request ?? "none")")
            if let response = described.response {
                #expect(response == endpoint.response, "\(endpoint): response \(endpoint.response), openapi.json \(response)")
            }
        }
    }

    @Test func aPathFillsItsParametersPercentEncoded() {
        #expect(Endpoints.revokeDevice.path("till 1") == "/v1/admin/devices/till%201/revoke")
        #expect(Endpoints.referral.path("a/b?c#d") == "/v1/partner/referrals/a%2Fb%3Fc%23d")
        #expect(Endpoints.push.path() == "/v1/sync/push")
        #expect(Endpoints.moveStore.erased.openAPIPath == "/v1/admin/stores/{id}/move")
        #expect(Endpoints.moveStore.erased.parameters == ["id"])
    }

    @Test func aRecordedPathFindsItsEndpoint() {
        #expect(Endpoints.endpoint(method: "POST", path: "/v1/sync/push") == Endpoints.push.erased)
        #expect(Endpoints.endpoint(method: "GET", path: "/v1/sync/push") == nil)
        #expect(Endpoints.endpoint(method: "POST", path: "/v1/accounts/token") == Endpoints.personalToken.erased)
        #expect(Endpoints.endpoint(method: "POST", path: "/v1/accounts/eline/disable") == Endpoints.disableAccount.erased)
        #expect(Endpoints.endpoint(method: "GET", path: "/v1/partner/referrals//notes") == nil)
        #expect(Endpoints.endpoint(method: "GET", path: "/v1/partner/referrals/abc/notes/") == nil)
        #expect(Endpoints.endpoint(method: "GET", path: "/v1/sync/pull") == Endpoints.pull.erased)
    }
}
