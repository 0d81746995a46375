import Foundation
import Testing

/// The specification as a checklist (issue 15): every requirement id defined in
/// `Protocol/*.md` (`R-SYNC-7`, `R-MODEL-1`, `R-SYNC-1a`, …) must be cited by a test under
/// `Tests/` (in the test's doc comment or name, next to the test that checks the rule), or be
/// on the allow-list below with a reason.
struct SpecChecklistTests {
    /// Requirements with no test yet, each with the reason. Keep this empty or nearly.
    static let allowList: [String: String] = [:]

    static let idPattern = try! NSRegularExpression(pattern: "R-[A-Z]+-[0-9]+[a-z]?(?![0-9a-z])")

    static func ids(in text: String) -> Set<String> {
        let range = NSRange(text.startIndex..., in: text)
        return Set(idPattern.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    static func files(under directory: URL, extension ext: String) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == ext }.sorted { $0.path < $1.path }
    }

    static func defined() throws -> Set<String> {
        var ids = Set<String>()
        for file in files(under: ProtocolFiles.protocolDirectory, extension: "md") {
            ids.formUnion(Self.ids(in: try String(contentsOf: file, encoding: .utf8)))
        }
        return ids
    }

    static func cited() throws -> Set<String> {
        var ids = Set<String>()
        let tests = ProtocolFiles.repository.appendingPathComponent("Tests")
        for file in files(under: tests, extension: "swift") where file.lastPathComponent != "SpecChecklistTests.swift" {
            ids.formUnion(Self.ids(in: try String(contentsOf: file, encoding: .utf8)))
        }
        return ids
    }

    @Test func everyRequirementIsCitedByATest() throws {
        let defined = try Self.defined()
        let cited = try Self.cited()
        #expect(defined.count >= 40, "found only \(defined.count) requirement ids in Protocol/*.md")
        let uncited = defined.subtracting(cited).subtracting(Self.allowList.keys).sorted()
        #expect(uncited.isEmpty, "requirements no test cites: \(uncited.joined(separator: ", "))")
        let stale = Set(Self.allowList.keys).subtracting(defined).union(Set(Self.allowList.keys).intersection(cited)).sorted()
        #expect(stale.isEmpty, "allow-listed ids that are cited or no longer defined: \(stale.joined(separator: ", "))")
        for (id, reason) in Self.allowList { #expect(reason.count >= 20, "\(id) needs a reason") }
        print("spec checklist: \(defined.count) ids, \(defined.intersection(cited).count) cited, \(Self.allowList.count) allow-listed")
    }

    /// The pattern tells `R-SYNC-1` from `R-SYNC-1a` and `R-SYNC-10`, and skips `R-SYNC-n`.
    @Test func idsAreReadExactly() {
        #expect(Self.ids(in: "R-SYNC-1a, R-SYNC-10 and R-SYNC-n (R-MODEL-3)") == ["R-SYNC-1a", "R-SYNC-10", "R-MODEL-3"])
        #expect(!Self.ids(in: "see R-SYNC-10").contains("R-SYNC-1"))
    }
}
