// swift-tools-version:6.0
// Omzien: offline-first sync engine. Protocol/ARCHITECTURE.md describes the module split.
// No package dependencies: Foundation, the system SQLite and zlib only.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Omzien",
    products: [
        .library(name: "OmzienModel", targets: ["OmzienModel"]),
        .library(name: "OmzienStore", targets: ["OmzienStore"]),
        .library(name: "OmzienCompression", targets: ["OmzienCompression"]),
        .library(name: "OmzienProtocol", targets: ["OmzienProtocol"]),
        .library(name: "OmzienHTTP", targets: ["OmzienHTTP"]),
        .executable(name: "omzien", targets: ["omzien"]),
    ],
    targets: [
        // System libraries (Debian: libsqlite3-dev, zlib1g-dev; installed by Tools/install-deps.sh).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Our own small C shims for things Swift imports badly (epoll structs, socket options).
        .target(name: "CSystemShims", path: "Sources/CSystemShims"),

        .target(name: "OmzienModel", swiftSettings: strict),
        .target(name: "OmzienStore", dependencies: ["OmzienModel", "CSQLite"], swiftSettings: strict),
        .target(name: "OmzienCompression", dependencies: ["CZlib"], swiftSettings: strict),
        .target(name: "OmzienProtocol", dependencies: ["OmzienModel", "OmzienCompression"], swiftSettings: strict),
        .target(name: "OmzienHTTP", dependencies: ["OmzienCompression", "CSystemShims"], swiftSettings: strict),
        // Helpers shared by the test targets and the tools (generators, seeded randomness).
        .target(name: "OmzienTestSupport", dependencies: ["OmzienModel", "OmzienProtocol"], swiftSettings: strict),
        // The server's own tables (principals, partners, audit, ...) and their SQL, typed.
        .target(name: "OmzienServerStore", dependencies: ["OmzienModel", "OmzienStore", "OmzienProtocol"], swiftSettings: strict),
        .target(name: "OmzienServer", dependencies: ["OmzienModel", "OmzienStore", "OmzienServerStore", "OmzienProtocol", "OmzienHTTP"], swiftSettings: strict),
        .target(name: "OmzienClient", dependencies: ["OmzienModel", "OmzienStore", "OmzienProtocol"], swiftSettings: strict),
        // The child process the crash test kills with SIGKILL.
        .executableTarget(name: "omzien-crash-child", dependencies: ["OmzienModel", "OmzienStore"], swiftSettings: strict),
        // Test/benchmark server for the HTTP module (subprocess tests, Tools/bench-http.sh, Tools/slowloris.py).
        .executableTarget(name: "omzien-http-testserver", dependencies: ["OmzienHTTP"], swiftSettings: strict),
        // Benchmarks run by Tools/bench-*.sh (release builds).
        .executableTarget(name: "omzien-bench", dependencies: ["OmzienModel", "OmzienStore", "OmzienProtocol", "OmzienServer", "OmzienClient", "OmzienHTTP", "OmzienCompression", "CSQLite", "OmzienTestSupport"], swiftSettings: strict),
        // The deterministic whole-system simulation (issue 15) and its runner (Tools/simulate.sh).
        .target(name: "OmzienSimulation", dependencies: ["OmzienServer", "OmzienClient", "OmzienStore", "OmzienModel", "OmzienProtocol", "OmzienHTTP", "OmzienCompression", "OmzienTestSupport"], swiftSettings: strict),
        .executableTarget(name: "omzien-simulate", dependencies: ["OmzienSimulation"], swiftSettings: strict),
        .executableTarget(name: "omzien", dependencies: ["OmzienModel", "OmzienStore", "OmzienProtocol", "OmzienHTTP", "OmzienServer", "OmzienClient"], swiftSettings: strict),

        .testTarget(name: "OmzienModelTests", dependencies: ["OmzienModel", "OmzienTestSupport"], swiftSettings: strict),
        .testTarget(name: "OmzienStoreTests", dependencies: ["OmzienModel", "OmzienStore", "OmzienTestSupport", "CSQLite", "omzien-crash-child"], swiftSettings: strict),
        .testTarget(name: "OmzienCompressionTests", dependencies: ["OmzienCompression"], swiftSettings: strict),
        .testTarget(name: "OmzienProtocolTests", dependencies: ["OmzienProtocol", "OmzienModel", "OmzienTestSupport"], swiftSettings: strict),
        .testTarget(name: "OmzienServerTests", dependencies: ["OmzienServer", "OmzienClient", "OmzienStore", "OmzienModel", "OmzienProtocol", "OmzienHTTP", "OmzienTestSupport", "omzien"],
                    exclude: ["Golden"], swiftSettings: strict),
        .testTarget(name: "OmzienSimulationTests", dependencies: ["OmzienSimulation"], swiftSettings: strict),
        .testTarget(name: "OmzienHTTPTests", dependencies: ["OmzienHTTP", "OmzienCompression"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
