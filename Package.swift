// swift-tools-version:6.1
import PackageDescription

// Module layout follows DESIGN.md §2: each module depends only on the layers next to it.
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
        .library(name: "NICModel", targets: ["NICModel"]),
        .library(name: "NICDriver", targets: ["NICDriver"]),
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
        .target(name: "SimCore", dependencies: [.product(name: "Collections", package: "swift-collections")]),
        .target(name: "WireFormats"),
        .target(name: "HostMemory", dependencies: ["SimCore"]),
        .target(name: "NICModel", dependencies: ["SimCore", "HostMemory", "WireFormats"]),
        .target(name: "NICDriver", dependencies: ["NICModel", "HostMemory", "WireFormats", "SimCore"]),
        .target(name: "HostOS", dependencies: ["NICDriver", "HostMemory", "SimCore", "WireFormats"]),
        .target(name: "NetworkModel", dependencies: ["SimCore", "WireFormats"]),
        .target(
            name: "MediaStreams",
            dependencies: ["SimCore", "WireFormats", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        // libvdeplug ships no pkg-config file on Debian, hence no `pkgConfig:`; the module map links it.
        .systemLibrary(name: "CVDEPlug", providers: [.apt(["libvdeplug-dev"])]),
        .target(name: "VDEPort", dependencies: ["NetworkModel", "SimCore", "CVDEPlug"]),
        .target(
            name: "Scenarios",
            dependencies: [
                "SimCore", "WireFormats", "HostMemory", "NICModel", "NICDriver", "HostOS", "NetworkModel",
                "MediaStreams", "VDEPort",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Collections", package: "swift-collections"),
            ]
        ),
        .target(name: "NICSimTesting", dependencies: ["Scenarios"]),
        // The fuzz harnesses: driven by libFuzzer from Fuzzers/ and by FuzzReplayTests over Fixtures/fuzz.
        .target(
            name: "NICSimFuzzing",
            dependencies: [
                "Scenarios", "SimCore", "WireFormats", "HostMemory", "NICModel", "MediaStreams", "VDEPort",
                "NetworkModel",
            ]
        ),
        .executableTarget(
            name: "nicsim",
            dependencies: ["Scenarios", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "SimCoreTests", dependencies: ["SimCore"]),
        .testTarget(name: "WireFormatsTests", dependencies: ["WireFormats"]),
        .testTarget(name: "HostMemoryTests", dependencies: ["HostMemory", "SimCore"]),
        .testTarget(name: "NICModelTests", dependencies: ["NICModel", "NICDriver", "HostMemory", "WireFormats", "SimCore"]),
        .testTarget(name: "NetworkModelTests", dependencies: ["NetworkModel", "WireFormats", "SimCore"]),
        .testTarget(name: "MediaStreamsTests", dependencies: ["MediaStreams", "WireFormats", "SimCore"]),
        .testTarget(name: "VDEPortTests", dependencies: ["VDEPort", "NetworkModel", "SimCore", "WireFormats", "Scenarios", "NICSimTesting"]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios", "NICSimTesting", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "EndToEndTests", dependencies: ["Scenarios", "NICSimTesting", "WireFormats"]),
        .testTarget(name: "FuzzReplayTests", dependencies: ["NICSimFuzzing"]),
    ]
)
