// swift-tools-version: 6.1
import PackageDescription

// libFuzzer executables for the harnesses in Sources/NICSimFuzzing (issue 9). A package of their own, so the root
// build never needs -sanitize=fuzzer. Build and run them with Scripts/fuzz.sh; by hand:
//
//     swift build --package-path Fuzzers -c release --sanitize fuzzer
//     Fuzzers/.build/release/fuzz-driver -max_total_time=60 /tmp/corpus Fixtures/fuzz/driver
//
// Each executable is one file whose LLVMFuzzerTestOneInput runs one harness; libFuzzer supplies `main`.
// (The folder is not called Fuzz/: SwiftPM names a path package after its folder, and a checkout in a folder
// called `fuzz` would then share this package's name.)
let harnesses = ["vde-frames", "mpeg-ts", "scenario", "driver"]

let package = Package(
    name: "nicsim-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "nicsim", path: "../")],
    targets: harnesses.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [.product(name: "NICSimFuzzing", package: "nicsim")],
            path: "Sources/fuzz-\(name)"
        )
    }
)
