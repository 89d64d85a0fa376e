// swift-tools-version: 6.1
import PackageDescription

// Benchmarks are their own package so the root build never compiles the benchmark toolchain (STYLE.md "Layout").
//
// ordo-one/benchmark is pinned with `traits: ["MallocInterposer"]` only: malloc counts come from the
// malloc-interposer package (jemalloc is not needed and not installed), and leaving out the default
// "RuntimeInterposer" trait keeps the ARC runtime interposer (swift-runtime-interposer) out of the build.
let package = Package(
    name: "nicsim-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "nicsim", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/ordo-one/malloc-interposer", exact: "1.6.1"),
    ],
    targets: [
        // ordo-one layout: Benchmarks/<Name>/<Name>.swift inside this package, discovered by the plugin.
        .executableTarget(
            name: "WholePath",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Scenarios", package: "nicsim"),
                .product(name: "SimCore", package: "nicsim"),
                "BenchmarkRigs",
            ],
            path: "Benchmarks/WholePath",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
        .executableTarget(
            name: "Components",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SimCore", package: "nicsim"),
                "BenchmarkRigs",
            ],
            path: "Benchmarks/Components",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        ),
        // Plain executables (not ordo-one suites, so they live outside `Benchmarks/`, where the plugin would run
        // them): allocations per packet in steady state, the nicsim side of the ns-3 comparison, and scaling.
        .executableTarget(
            name: "AllocationProbe",
            dependencies: [
                "BenchmarkRigs",
                .product(name: "SimCore", package: "nicsim"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Sources/AllocationProbe"
        ),
        .executableTarget(
            name: "ScenarioRate",
            dependencies: [.product(name: "Scenarios", package: "nicsim")],
            path: "Sources/ScenarioRate"
        ),
        .executableTarget(
            name: "Scaling",
            dependencies: ["BenchmarkRigs"],
            path: "Sources/Scaling"
        ),
        // The worlds and component rigs the above run (a library, so the plugin does not treat it as a suite).
        .target(
            name: "BenchmarkRigs",
            dependencies: [
                .product(name: "Scenarios", package: "nicsim"),
                .product(name: "SimCore", package: "nicsim"),
                .product(name: "WireFormats", package: "nicsim"),
                .product(name: "HostMemory", package: "nicsim"),
                .product(name: "NICModel", package: "nicsim"),
                .product(name: "NICDriver", package: "nicsim"),
                .product(name: "NetworkModel", package: "nicsim"),
            ],
            path: "Sources/BenchmarkRigs"
        ),
    ]
)
