// swift-tools-version:6.1
import PackageDescription

// A researcher's own driver for the nicsim NIC, in a package of its own: it depends on nicsim's libraries, implements
// HostOS's NetworkDriver from the datasheet (NICInterface), and runs a scenario file with it through the library API.
//
// nicsim is the package two folders up. SwiftPM names a path dependency after its folder, and that folder is
// called differently in different checkouts (nicsim, main, a CI clone …), so the name is read from the path.
let nicsim = Context.packageDirectory.split(separator: "/").dropLast(2).last.map(String.init) ?? "nicsim"

let package = Package(
    name: "driver-package",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "../..")],
    targets: [
        .target(
            name: "PollingDriver",
            dependencies: [
                .product(name: "NICInterface", package: nicsim), .product(name: "HostOS", package: nicsim),
                .product(name: "HostMemory", package: nicsim), .product(name: "WireFormats", package: nicsim),
                .product(name: "SimCore", package: nicsim),
            ]
        ),
        .testTarget(
            name: "PollingDriverTests",
            dependencies: ["PollingDriver", .product(name: "Scenarios", package: nicsim)],
            resources: [.copy("polling.yaml")]
        ),
    ]
)
