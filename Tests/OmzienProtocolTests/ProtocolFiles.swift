import Foundation
import OmzienModel
import OmzienProtocol

/// The protocol description files (Protocol/schemas, Protocol/examples, Protocol/openapi.json)
/// and the Python validator (Tools/protocol/validate.py) that checks JSON against them.
enum ProtocolFiles {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardizedFileURL
    static let protocolDirectory = repository.appendingPathComponent("Protocol")
    static let schemas = protocolDirectory.appendingPathComponent("schemas")
    static let examples = protocolDirectory.appendingPathComponent("examples")
    static let vectors = protocolDirectory.appendingPathComponent("vectors")
    static let openAPI = protocolDirectory.appendingPathComponent("openapi.json")
    static let validator = repository.appendingPathComponent("Tools/protocol/validate.py")

    static func jsonFiles(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// `push-response.quarantine.json` is an example of schema `push-response`.
    static func schemaName(of example: URL) -> String {
        String(example.lastPathComponent.split(separator: ".").first ?? "")
    }

    /// The schema names: the files in Protocol/schemas without `.json`.
    static func schemaNames() throws -> [String] {
        try jsonFiles(in: schemas).map { $0.deletingPathExtension().lastPathComponent }
    }

    static func json(_ url: URL) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
    }

    static func vectorOperations(_ file: String) throws -> [LogOperation] {
        struct Vector: Decodable { let operations: [LogOperation] }
        return try JSONDecoder().decode(Vector.self, from: Data(contentsOf: vectors.appendingPathComponent(file))).operations
    }
}

/// Any JSON value, for comparing documents and for breaking messages on purpose.
/// Integers keep all 64 bits (the schemas use UInt64 maxima).
indirect enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let u = try? c.decode(UInt64.self) { self = .uint(u) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .int(i): try c.encode(i)
        case let .uint(u): try c.encode(u)
        case let .double(d): try c.encode(d)
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(o)
        }
    }

    static func decoding(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }

    func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(self)
    }

    subscript(key: String) -> JSONValue? {
        get { if case let .object(o) = self { o[key] } else { nil } }
        set {
            guard case var .object(o) = self else { return }
            o[key] = newValue
            self = .object(o)
        }
    }

    subscript(index: Int) -> JSONValue? {
        get { if case let .array(a) = self, a.indices.contains(index) { a[index] } else { nil } }
        set {
            guard case var .array(a) = self, a.indices.contains(index), let newValue else { return }
            a[index] = newValue
            self = .array(a)
        }
    }

    var intValue: Int64? {
        switch self {
        case let .int(i): i
        case let .uint(u): Int64(exactly: u)
        default: nil
        }
    }

    /// The value under a path of object keys and array indices.
    func at(_ path: String...) -> JSONValue? {
        var v: JSONValue? = self
        for p in path { v = Int(p).map { v?[$0] } ?? v?[p] }
        return v
    }
}

/// Runs Tools/protocol/validate.py (Python's `jsonschema` and `openapi-spec-validator`).
enum PythonValidator {
    struct Result: Decodable, Sendable {
        let name: String
        let ok: Bool
        let error: String?
    }

    struct Item {
        var name: String
        var schema: String
        var instance: Data
        var expectValid: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Checks the protocol files and the given instances (with `onlyItems`: just the instances).
    static func run(items: [Item] = [], onlyItems: Bool = false) throws -> [Result] {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-protocol-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temp) }
        var arguments = [ProtocolFiles.validator.path]
        if !items.isEmpty {
            // Assembled by hand so that each instance is exactly the bytes JSONEncoder wrote.
            let strings = JSONEncoder()
            var manifest = Data("[".utf8)
            for (n, item) in items.enumerated() {
                if n > 0 { manifest.append(Data(",\n".utf8)) }
                manifest.append(Data("{\"name\":".utf8))
                manifest.append(try strings.encode(item.name))
                manifest.append(Data(",\"schema\":".utf8))
                manifest.append(try strings.encode(item.schema))
                manifest.append(Data(",\"expect\":\"\(item.expectValid ? "valid" : "invalid")\",\"instance\":".utf8))
                manifest.append(item.instance)
                manifest.append(Data("}".utf8))
            }
            manifest.append(Data("]".utf8))
            let file = temp.appendingPathComponent("manifest.json")
            try manifest.write(to: file)
            arguments += ["--manifest", file.path]
        }
        if onlyItems { arguments.append("--only-manifest") }

        let stderrFile = temp.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
        struct Report: Decodable { let results: [Result] }
        guard let report = try? JSONDecoder().decode(Report.self, from: output) else {
            throw Failure(description: "python3 \(arguments.joined(separator: " ")) exited \(process.terminationStatus) without a report: \(String(decoding: output, as: UTF8.self)) \(stderr)")
        }
        let allOK = report.results.allSatisfy(\.ok)
        if allOK != (process.terminationStatus == 0) {
            throw Failure(description: "validate.py exited \(process.terminationStatus) but its results say all ok = \(allOK): \(stderr)")
        }
        return report.results
    }
}
