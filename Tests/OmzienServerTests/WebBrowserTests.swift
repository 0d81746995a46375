import Foundation
import OmzienClient
import OmzienModel
import OmzienProtocol
import Testing

/// The web pages in a real browser (PARTNERS.md R-WEB-7..13): `omzien serve` as a person
/// runs it, a device that records a referral, and Tools/browser/inbox_flow.py driving
/// Debian's chromium (installed by Tools/install-deps.sh) through selenium: login, the inbox,
/// accept, contact, close, a step back refused, a form without CSRF refused, an XSS payload
/// as text, another region's worker seeing nothing, head office's dashboard with a chart, a table and
/// a CSV link for each of its five figures; the device sees the status after its next
/// sync. Screenshots go to a temporary directory and are checked there; with
/// `OMZIEN_RECORD_SCREENSHOTS=1` they replace docs/*.png (linked from the README), so that an
/// ordinary run leaves the working tree as it found it.
@Suite(.serialized)
struct WebBrowserTests {
    @Test func aWorkerFollowsUpAReferralInChromiumAndTheStoreSeesIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("omzien-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("server.sqlite").path
        let server = try ServeProcess(["--db", db, "--port", "0", "--quiet", "--web-insecure-loopback", "--password-iterations", "1000"])
        defer { _ = server.terminate() }
        #expect(server.stderr.contains("below the stated work factor"), "a lowered work factor is said out loud")
        let token = try String(contentsOfFile: db + ".admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let admin = SyncClient(baseURL: server.url, token: token, retry: .none)
        for (region, store, partner) in [("noord", "store-a", "wz-noord"), ("zuid", "store-b", "wz-zuid")] {
            _ = try admin.call("POST", "v1/admin/regions", body: CreateRegionRequest(id: region, name: "Regio \(region)"), as: RegionInfo.self)
            _ = try admin.call("POST", "v1/admin/stores", body: CreateStoreRequest(id: store, region: region, name: "Winkel \(store)"), as: StoreInfo.self)
            _ = try admin.call("POST", "v1/admin/partners", body: CreatePartnerRequest(id: partner, region: region, name: "Welzijn \(region)"), as: PartnerCreated.self)
        }
        let password = "een lange zin als wachtwoord"
        for (partner, name) in [("wz-noord", "eline"), ("wz-zuid", "piet"), (nil, "anna")] as [(String?, String)] {
            _ = try admin.call("POST", "v1/accounts", body: CreateAccountRequest(partner: partner, headOffice: partner == nil ? true : nil, name: name,
                                                                                role: partner == nil ? nil : "worker", password: password), as: AccountCreated.self)
        }
        let code = try admin.call("POST", "v1/admin/enrollments", body: CreateEnrollmentRequest(store: "store-a"), as: EnrollmentCodeResponse.self)
        let device = try DeviceSync.enroll(server: server.url, code: code.code, label: "till-a", path: dir.appendingPathComponent("till.sqlite").path, retry: .none)
        let payload = "<script>alert('xss')</script><img src=x onerror=alert(1)>\" onmouseover=\"alert(2)"
        let ref = try device.recordSignal(note: payload, urgency: "urgent")
        try device.sync()

        let record = ProcessInfo.processInfo.environment["OMZIEN_RECORD_SCREENSHOTS"] == "1"
        let shots = record ? ToolRunner.root.appendingPathComponent("docs") : dir.appendingPathComponent("shots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let (status, output) = try ToolRunner.run("Tools/browser/inbox_flow.py", [], environment: [
            "OMZIEN_URL": server.url.absoluteString, "OMZIEN_REFERRAL": ref.id.rawValue, "OMZIEN_PAYLOAD": payload, "OMZIEN_PASSWORD": password,
            "OMZIEN_WORKER": "eline", "OMZIEN_OTHER": "piet", "OMZIEN_ANALYST": "anna", "OMZIEN_SCREENSHOTS": shots.path,
        ])
        let summary = ToolRunner.summary(output, prefix: "browser:")
        #expect(status == 0 && summary.hasPrefix("browser: PASS"), "\(summary)\n\(output.suffix(3000))")
        // The store's device sees what the worker did, after its next sync.
        try device.sync()
        let state = try #require(try device.store.loadRecord(ref))
        #expect(state.status("status")?.state == "closed")
        #expect(state.string("outcome") == "home-visit")
        for shot in ["web-inbox.png", "web-referral.png", "web-dashboard.png"] {
            // A PNG, not an empty file: the signature and more than a blank page's bytes.
            let bytes = (try? Data(contentsOf: shots.appendingPathComponent(shot))) ?? Data()
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 5_000, "\(shot) written (\(bytes.count) bytes)")
        }
    }
}
