// swift-tools-version:6.0
// A Hummingbird 2 build of the two endpoints of `Tools/bench-http.sh` (GET / and POST /upload),
// used as a third peer there when BENCH_HUMMINGBIRD=1. A separate package on purpose: the
// product's Package.swift never depends on it.
import PackageDescription

let package = Package(
    name: "hummingbird-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
    ],
    targets: [
        .executableTarget(
            name: "hb-bench",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        )
    ]
)
