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
        .library(name: "ScenarioFormat", targets: ["ScenarioFormat"]),
        .library(name: "ScenarioWorld", targets: ["ScenarioWorld"]),
        .library(name: "ScenarioReports", targets: ["ScenarioReports"]),
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
        // `swift package generate-documentation`: the DocC catalogs built into a site (README, "Documentation").
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // The real-network lab's programs (vde_switch, vde_plug2tap, ip, ping), each run in a scope that stops it.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
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
        .target(
            name: "NICModel", dependencies: ["NICInterface", "SimCore", "HostMemory", "WireFormats"],
            swiftSettings: release),
        // The OS owns the driver interface (NetworkDriver) and depends on no driver; drivers implement it.
        .target(name: "HostOS", dependencies: ["HostMemory", "SimCore", "WireFormats"], swiftSettings: release),
        .target(
            name: "NICDriver", dependencies: ["NICInterface", "HostOS", "HostMemory", "WireFormats", "SimCore"],
            swiftSettings: release),
        // A second driver, NAPI-style (interrupt masks, polls with a budget, xmit_more, BQL, several queues), written
        // from the datasheet alone: it imports NICInterface and never NICModel or NICDriver.
        .target(
            name: "NAPIDriver", dependencies: ["NICInterface", "HostOS", "HostMemory", "WireFormats", "SimCore"],
            swiftSettings: release),
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
            dependencies: [
                "NetworkModel", "SimCore", "CVDEPlug", .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: release
        ),
        // Scenarios in three rooms (ARCHITECTURE.md). The file format: the spec, the parser, the YAML limits and the
        // pre-scan, overrides; it knows no world and no report.
        .target(
            name: "ScenarioFormat",
            dependencies: ["WireFormats", .product(name: "Yams", package: "Yams")],
            swiftSettings: release
        ),
        // The assembly: the world builder (one factory per receiver kind), the applications, fault injection.
        .target(
            name: "ScenarioWorld",
            dependencies: [
                "ScenarioFormat", "SimCore", "WireFormats", "HostMemory", "NICModel", "NICDriver", "NAPIDriver",
                "HostOS",
                "NetworkModel", "MediaStreams", "VDEPort",
            ],
            swiftSettings: release
        ),
        // The reports of a run (text, JSON, CSV, HTML), comparisons and sweeps, and the run's recorders (traces,
        // pcapng, Perfetto).
        .target(
            name: "ScenarioReports",
            dependencies: [
                "ScenarioFormat", "ScenarioWorld", "SimCore", "WireFormats", "HostOS", "NICDriver", "NICModel",
                "NetworkModel", "MediaStreams", "VDEPort",
            ],
            swiftSettings: release
        ),
        // `import Scenarios`: the three rooms in one import (re-exported), as library users had them before the split.
        .target(name: "Scenarios", dependencies: ["ScenarioFormat", "ScenarioWorld", "ScenarioReports"]),
        // Targets that import Scenarios also list the three rooms: SwiftPM rebuilds a target when a module it depends
        // on directly changes, and the umbrella's own module does not change when a room's does (a stale build
        // would keep an old layout of ScenarioSpec).
        // Test-suite helpers: TestWorld (a world in code) and EmbeddedNIC (a device, memory and interrupt line on a
        // bench, driven in virtual time step by step, with any NetworkDriver plugged onto it).
        .target(
            name: "NICSimTesting",
            dependencies: [
                "Scenarios", "ScenarioFormat", "ScenarioWorld", "ScenarioReports", "SimCore", "WireFormats",
                "HostMemory",
                "HostOS", "NICModel", "NICInterface",
            ]
        ),
        // The labs' catalog (questions, commands, stated numbers) is data: Resources/labs.yaml, read with Yams.
        .target(
            name: "Labs",
            dependencies: [
                "Scenarios", "ScenarioFormat", "ScenarioWorld", "ScenarioReports", "SimCore", "NetworkModel",
                .product(name: "Yams", package: "Yams"), .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            resources: [.copy("Resources/labs.yaml")]
        ),
        // The fuzz harnesses: driven by libFuzzer from Fuzzers/ and by FuzzReplayTests over Fixtures/fuzz.
        .target(
            name: "NICSimFuzzing",
            dependencies: [
                "Scenarios", "ScenarioFormat", "ScenarioWorld", "ScenarioReports", "NICSimTesting", "SimCore",
                "WireFormats",
                "HostMemory", "NICModel", "MediaStreams", "VDEPort", "NetworkModel",
            ]
        ),
        .executableTarget(
            name: "nicsim",
            dependencies: [
                "Scenarios", "ScenarioFormat", "ScenarioWorld", "ScenarioReports", "Labs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Release builds on Linux link the Swift runtime and Foundation into the executable: a dynamically
            // linked nicsim spent about 5 ms of every run loading and relocating them (BENCHMARKS.md, issue 22).
            // The static Foundation archives do not name each other, so the link lists them.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-stdlib", "-lFoundation", "-lFoundationInternationalization", "-lFoundationEssentials",
                        "-lCoreFoundation", "-l_FoundationCollections", "-l_FoundationCShims", "-l_FoundationICU",
                        "-lstdc++",
                    ], .when(platforms: [.linux], configuration: .release))
            ]
        ),
        .testTarget(name: "SimCoreTests", dependencies: ["SimCore"]),
        .testTarget(name: "WireFormatsTests", dependencies: ["WireFormats"]),
        .testTarget(name: "HostMemoryTests", dependencies: ["HostMemory", "SimCore"]),
        // The device alone, driven by test-only drivers that write descriptors and registers themselves.
        .testTarget(
            name: "NICModelTests", dependencies: ["NICModel", "NICSimTesting", "HostMemory", "WireFormats", "SimCore"]
        ),
        // The reference driver and the OS on the embedded NIC rig (NICSimTesting's EmbeddedNIC).
        .testTarget(
            name: "NICDriverTests",
            dependencies: ["NICDriver", "NICSimTesting", "NICModel", "HostOS", "HostMemory", "SimCore", "WireFormats"]
        ),
        .testTarget(
            name: "HostOSTests",
            dependencies: [
                "HostOS", "NICSimTesting", "NICDriver", "NICModel", "NICInterface", "HostMemory", "SimCore",
                "WireFormats",
            ]
        ),
        .testTarget(
            name: "NAPIDriverTests",
            dependencies: [
                "NAPIDriver", "NICSimTesting", "NICModel", "HostOS", "HostMemory", "SimCore", "WireFormats",
            ]),
        .testTarget(name: "NetworkModelTests", dependencies: ["NetworkModel", "WireFormats", "SimCore"]),
        .testTarget(name: "MediaStreamsTests", dependencies: ["MediaStreams", "WireFormats", "SimCore"]),
        .testTarget(
            name: "VDEPortTests",
            dependencies: [
                "VDEPort", "NetworkModel", "SimCore", "WireFormats", "Scenarios", "ScenarioFormat", "ScenarioWorld",
                "ScenarioReports", "NICSimTesting", "Labs",
            ]),
        .testTarget(
            name: "ScenariosTests",
            dependencies: [
                "Scenarios", "ScenarioFormat", "ScenarioWorld", "ScenarioReports", "NICSimTesting",
                .product(name: "Yams", package: "Yams"),
            ]),
        // The process helpers the two test targets that start `nicsim` share.
        .target(name: "CommandTestSupport", path: "Tests/CommandTestSupport"),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Scenarios", "ScenarioFormat", "ScenarioWorld", "ScenarioReports", "NICSimTesting", "WireFormats",
                "CommandTestSupport",
            ]),
        .testTarget(
            name: "NICSimTestingTests",
            dependencies: [
                "NICSimTesting", "Scenarios", "ScenarioFormat", "ScenarioWorld", "ScenarioReports", "SimCore", "HostOS",
                "NICDriver", "HostMemory", "WireFormats", "NICInterface",
            ]),
        .testTarget(
            name: "LabsTests",
            dependencies: [
                "Labs", "Scenarios", "ScenarioFormat", "ScenarioWorld", "ScenarioReports", "CommandTestSupport",
            ]),
        .testTarget(name: "FuzzReplayTests", dependencies: ["NICSimFuzzing"]),
    ]
)
