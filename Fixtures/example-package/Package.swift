// swift-tools-version:6.1
import PackageDescription

// A package of someone else's that tests its own worlds with nicsim's NICSimTesting library.
//
// nicsim is the package two folders up. SwiftPM names a path dependency after its folder, and that folder is
// called differently in different checkouts (nicsim, main, a CI clone …), so the name is read from the path.
let nicsim = Context.packageDirectory.split(separator: "/").dropLast(2).last.map(String.init) ?? "nicsim"

let package = Package(
    name: "example-package",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "../..")],
    targets: [
        .target(name: "ExampleWorlds", dependencies: [.product(name: "NICSimTesting", package: nicsim)]),
        .testTarget(
            name: "ExampleTests",
            dependencies: ["ExampleWorlds", .product(name: "NICSimTesting", package: nicsim)]
        ),
    ]
)
