import Foundation
import Testing

/// The packages under Fixtures/ depend on this one by path as another project would: `example-package` tests its
/// worlds with NICSimTesting, `driver-package` brings a driver of its own (issue 16). Each must build and pass its
/// tests.
@Suite("Packages of others that use nicsim's libraries", .serialized)
struct ExamplePackageTests {
    @Test("builds and passes its tests", .timeLimit(.minutes(30)),
          arguments: [("example-package", 4), ("driver-package", 2)])
    func examplePackage(name: String, tests: Int) throws {
        let example = packageRoot + "/Fixtures/" + name
        // Kept between runs under the root package's own (ignored) .build folder, so only the first run compiles
        // nicsim's modules again.
        let scratch = packageRoot + "/.build/" + name
        Self.forgetOwnModules(of: example, scratch: scratch)
        let swift = try #require(Self.locate("swift"), "the swift driver is not on PATH")
        let process = Process()
        // At the lowest CPU priority: the build runs beside suites that pace virtual time to the wall clock.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
        process.arguments = ["-n", "19", swift, "test", "--package-path", example, "--scratch-path", scratch]
        // The child must not inherit the settings of the test run that started it.
        process.environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("SWIFTPM_") && !$0.key.hasPrefix("XCTest")
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let tail = text.split(separator: "\n").suffix(40).joined(separator: "\n")
        #expect(process.terminationStatus == 0, "swift test of the example package failed:\n\(tail)")
        // Swift Testing's closing line: every one of the example's tests ran and passed.
        #expect(text.contains("Test run with \(tests) tests") && text.contains("passed"), "\(tail)")
        #expect(!text.contains("failed after"), "\(tail)")
    }

    /// Removes the compiled modules of the example's own targets from `scratch`, so that they are compiled again
    /// against nicsim's modules as they are now. SwiftPM rebuilds a dependent module when the interface of what it
    /// imports changes, not when only the layout of a type does (a struct of NICSimTesting that gained a stored
    /// property somewhere inside): a kept example binary then crashes on the old layout. The example's own targets
    /// are small; nicsim's modules stay built between runs.
    static func forgetOwnModules(of example: String, scratch: String) {
        let files = FileManager.default
        let targets = ["Sources", "Tests"].flatMap {
            (try? files.contentsOfDirectory(atPath: example + "/" + $0)) ?? []
        }
        let platforms = (try? files.contentsOfDirectory(atPath: scratch)) ?? []
        for platform in platforms {
            let debug = scratch + "/" + platform + "/debug"
            for target in targets {
                for leftover in ["Modules/" + target + ".swiftmodule", target + ".swiftmodule"] {
                    try? files.removeItem(atPath: debug + "/" + leftover)
                }
                // The target's objects go; its DerivedSources (the resource bundle accessor SwiftPM writes once
                // when it plans the build) stay, or the next build stops with "missing inputs".
                let build = debug + "/" + target + ".build"
                for item in (try? files.contentsOfDirectory(atPath: build)) ?? [] where item != "DerivedSources" {
                    try? files.removeItem(atPath: build + "/" + item)
                }
            }
        }
    }

    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { $0 + "/" + name }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
