// swift-tools-version:6.0
// Ledge: an edge function runtime for constrained Linux devices.
// One module per layer; see README.md ("Layout") and docs in ../shared/docs/architecture.md.
import PackageDescription

/// Optimisation flags for the hot engines (interpreter loop, int8 kernels).
let fastSwift: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "Ledge",
    products: [
        .executable(name: "ledge", targets: ["ledge"]),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),

        // int8 inner loops with intrinsics behind run-time CPU dispatch.
        .target(name: "CLedgeKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // Engines.
        .target(name: "LedgeWasm", swiftSettings: fastSwift),
        .target(name: "LedgeML", dependencies: ["CLedgeKernels"], swiftSettings: fastSwift),

        // Infrastructure.
        .target(name: "LedgeStore", dependencies: ["CSQLite"]),
        .target(name: "LedgeMQTT", dependencies: ["CMosquitto"]),
        .target(name: "LedgeCore", dependencies: ["CSodium"]),

        // Runtimes.
        .target(name: "LedgeNode", dependencies: ["LedgeWasm", "LedgeML", "LedgeStore", "LedgeMQTT", "LedgeCore"]),
        .target(name: "LedgeFleet", dependencies: ["LedgeCore", "LedgeStore", "LedgeMQTT"]),

        // Command line.
        .target(name: "LedgeCLI", dependencies: ["LedgeNode", "LedgeFleet", "LedgeWasm", "LedgeML", "LedgeStore", "LedgeMQTT", "LedgeCore"]),
        .executableTarget(name: "ledge", dependencies: ["LedgeCLI"]),

        // Tests (Swift Testing). Real broker, real SQLite files, real modules and models.
        .target(name: "LedgeTestSupport", dependencies: ["LedgeCore"], path: "Tests/LedgeTestSupport"),
        .target(name: "CAllocCounter", path: "Tests/CAllocCounter"),
        .testTarget(name: "LedgeWasmTests", dependencies: ["LedgeWasm", "LedgeTestSupport"]),
        .testTarget(name: "LedgeMLTests", dependencies: ["LedgeML", "CLedgeKernels", "CAllocCounter", "LedgeTestSupport"]),
        .testTarget(name: "LedgeStoreTests", dependencies: ["LedgeStore", "LedgeTestSupport"]),
        .testTarget(name: "LedgeMQTTTests", dependencies: ["LedgeMQTT", "LedgeTestSupport"]),
        .testTarget(name: "LedgeCoreTests", dependencies: ["LedgeCore", "LedgeTestSupport"]),
        .testTarget(name: "LedgeNodeTests", dependencies: ["LedgeNode", "LedgeCLI", "LedgeWasm", "LedgeStore", "LedgeMQTT", "LedgeTestSupport"]),
        .testTarget(name: "LedgeFleetTests", dependencies: ["LedgeFleet", "LedgeNode", "LedgeMQTT", "LedgeTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LedgeCLITests", dependencies: ["LedgeCLI", "LedgeTestSupport"]),
    ]
)
