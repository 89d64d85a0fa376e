// swift-tools-version:6.1
import PackageDescription

// Module layout: ARCHITECTURE.md ("The modules"): each module depends only on the layers next to it.

// Release builds leave out the run-time exclusivity checks (swift_beginAccess on every access to a class's stored
// property): with them the whole path runs 2.7 times slower (BENCHMARKS.md). Debug builds, which the tests run,
// keep them, so an overlapping access is still caught there. (SwiftPM accepts unsafe flags in root, local-path,
// branch and revision dependencies, not in version-pinned ones.)
let release: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "nicsim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "nicsim", targets: ["nicsim"]),
        .library(name: "Scenarios", targets: ["Scenarios"]),
        .library(name: "NICSimTesting", targets: ["NICSimTesting"]),
        .library(name: "NICSimFuzzing", targets: ["NICSimFuzzing"]),
        .library(name: "SimCore", targets: ["SimCore"]),
        .library(name: "WireFormats", targets: ["WireFormats"]),
        .library(name: "HostMemory", targets: ["HostMemory"]),
        .library(name: "NICInterface", targets: ["NICInterface"]),
        .library(name: "NICModel", targets: ["NICModel"]),
        .library(name: "NICDriver", targets: ["NICDriver"]),
        .library(name: "NAPIDriver", targets: ["NAPIDriver"]),
        .library(name: "HostOS", targets: ["HostOS"]),
        .library(name: "NetworkModel", targets: ["NetworkModel"]),
        .library(name: "MediaStreams", targets: ["MediaStreams"]),
        .library(name: "VDEPort", targets: ["VDEPort"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Host-cache prefetch hints for the per-packet path (Swift has no prefetch of its own); see CPrefetch.h.
        .target(name: "CPrefetch"),
        .target(
            name: "SimCore",
            dependencies: ["CPrefetch", .product(name: "Collections", package: "swift-collections")],
            swiftSettings: release
        ),
        .target(name: "WireFormats", swiftSettings: release),
        .target(name: "HostMemory", dependencies: ["SimCore"], swiftSettings: release),
        // The datasheet as code: what a driver needs of the device, and nothing of its implementation.
        .target(name: "NICInterface", swiftSettings: release),
        .target(name: "NICModel", dependencies: ["NICInterface", "SimCore", "HostMemory", "WireFormats"], swiftSettings: release),
        // The OS owns the driver interface (NetworkDriver) and depends on no driver; drivers implement it.
        .target(name: "HostOS", dependencies: ["HostMemory", "SimCore", "WireFormats"], swiftSettings: release),
        .target(name: "NICDriver", dependencies: ["NICInterface", "HostOS", "HostMemory", "WireFormats", "SimCore"], swiftSettings: release),
        // A second driver, NAPI-style (interrupt masks, polls with a budget, xmit_more, BQL, several queues), written
        // from the datasheet alone: it imports NICInterface and never NICModel or NICDriver.
        .target(name: "NAPIDriver", dependencies: ["NICInterface", "HostOS", "HostMemory", "WireFormats", "SimCore"], swiftSettings: release),
        .target(name: "NetworkModel", dependencies: ["SimCore", "WireFormats"], swiftSettings: release),
        .target(
            name: "MediaStreams",
            dependencies: ["SimCore", "WireFormats", .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: release
        ),
        // libvdeplug ships no pkg-config file on Debian, hence no `pkgConfig:`; the module map links it.
        .systemLibrary(name: "CVDEPlug", providers: [.apt(["libvdeplug-dev"])]),
        .target(
            name: "VDEPort",
            dependencies: ["NetworkModel", "SimCore", "CVDEPlug", .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: release
        ),
        .target(
            name: "Scenarios",
            dependencies: [
                "SimCore", "WireFormats", "HostMemory", "NICModel", "NICDriver", "NAPIDriver", "HostOS", "NetworkModel",
                "MediaStreams", "VDEPort",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Collections", package: "swift-collections"),
            ],
            swiftSettings: release
        ),
        // Test-suite helpers: TestWorld (a world in code) and EmbeddedNIC (a device, memory and interrupt line on a
        // bench, driven in virtual time step by step, with any NetworkDriver plugged onto it).
        .target(
            name: "NICSimTesting",
            dependencies: ["Scenarios", "SimCore", "WireFormats", "HostMemory", "HostOS", "NICModel", "NICInterface"]
        ),
        .target(name: "Labs", dependencies: ["Scenarios", "SimCore", "NetworkModel"]),
        // The fuzz harnesses: driven by libFuzzer from Fuzzers/ and by FuzzReplayTests over Fixtures/fuzz.
        .target(
            name: "NICSimFuzzing",
            dependencies: [
                "Scenarios", "NICSimTesting", "SimCore", "WireFormats", "HostMemory", "NICModel", "MediaStreams",
                "VDEPort", "NetworkModel",
            ]
        ),
        .executableTarget(
            name: "nicsim",
            dependencies: ["Scenarios", "Labs", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "SimCoreTests", dependencies: ["SimCore"]),
        .testTarget(name: "WireFormatsTests", dependencies: ["WireFormats"]),
        .testTarget(name: "HostMemoryTests", dependencies: ["HostMemory", "SimCore"]),
        // The device alone, driven by test-only drivers that write descriptors and registers themselves.
        .testTarget(name: "NICModelTests", dependencies: ["NICModel", "HostMemory", "WireFormats", "SimCore"]),
        // The reference driver and the OS on the embedded NIC rig (NICSimTesting's EmbeddedNIC).
        .testTarget(
            name: "NICDriverTests",
            dependencies: ["NICDriver", "NICSimTesting", "NICModel", "HostOS", "HostMemory", "SimCore", "WireFormats"]
        ),
        .testTarget(
            name: "HostOSTests",
            dependencies: [
                "HostOS", "NICSimTesting", "NICDriver", "NICModel", "NICInterface", "HostMemory", "SimCore", "WireFormats",
            ]
        ),
        .testTarget(name: "NAPIDriverTests", dependencies: ["NAPIDriver", "NICSimTesting", "NICModel", "HostOS", "HostMemory", "SimCore", "WireFormats"]),
        .testTarget(name: "NetworkModelTests", dependencies: ["NetworkModel", "WireFormats", "SimCore"]),
        .testTarget(name: "MediaStreamsTests", dependencies: ["MediaStreams", "WireFormats", "SimCore"]),
        .testTarget(name: "VDEPortTests", dependencies: ["VDEPort", "NetworkModel", "SimCore", "WireFormats", "Scenarios", "NICSimTesting", "Labs"]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios", "NICSimTesting", .product(name: "Yams", package: "Yams")]),
        // The process helpers the two test targets that start `nicsim` share.
        .target(name: "CommandTestSupport", path: "Tests/CommandTestSupport"),
        .testTarget(name: "EndToEndTests", dependencies: ["Scenarios", "NICSimTesting", "WireFormats", "CommandTestSupport"]),
        .testTarget(name: "NICSimTestingTests", dependencies: ["NICSimTesting", "Scenarios", "SimCore", "HostOS", "NICDriver", "HostMemory", "WireFormats", "NICInterface"]),
        .testTarget(name: "LabsTests", dependencies: ["Labs", "Scenarios", "CommandTestSupport"]),
        .testTarget(name: "FuzzReplayTests", dependencies: ["NICSimFuzzing"]),
    ]
)
