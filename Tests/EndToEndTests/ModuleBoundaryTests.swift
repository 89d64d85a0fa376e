import CommandTestSupport
import Foundation
import Testing

/// The driver boundary of issue 16, as the package and the sources state it: the OS depends on a driver
/// protocol, never on a driver; drivers depend on the datasheet (NICInterface), never on the device's
/// implementation (NICModel).
@Suite("Module boundaries")
struct ModuleBoundaryTests {
    /// The `dependencies:` list of target `name` in Package.swift.
    static func dependencies(of name: String) throws -> [String] {
        let manifest = try String(contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        // `.target(name: "X"` on one line or with `name:` on the next (as swift-format lays a long target out).
        let marker = #"\.target\(\s*name: ""# + name + "\""
        let start = try #require(
            manifest.range(of: marker, options: .regularExpression), "no target \(name) in Package.swift")
        let rest = manifest[start.upperBound...]
        let end = try #require(rest.range(of: ")"))
        let line = rest[..<end.lowerBound]
        guard let open = line.range(of: "["), let close = line.range(of: "]") else { return [] }
        return line[open.upperBound..<close.lowerBound].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    }

    /// Every module a source file of `module` imports.
    static func imports(of module: String) throws -> Set<String> {
        let folder = packageRoot.appendingPathComponent("Sources/" + module)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty, "no sources in \(module)")
        var found = Set<String>()
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                if let i = words.firstIndex(of: "import"), i + 1 < words.count, i <= 2 {
                    found.insert(String(words[i + 1]))
                }
            }
        }
        return found
    }

    @Test("HostOS depends on no driver, in Package.swift and in its sources")
    func osKnowsNoDriver() throws {
        let deps = try Self.dependencies(of: "HostOS")
        #expect(!deps.isEmpty)
        #expect(!deps.contains("NICDriver") && !deps.contains("NAPIDriver") && !deps.contains("NICModel"))
        let imports = try Self.imports(of: "HostOS")
        #expect(imports.isDisjoint(with: ["NICDriver", "NAPIDriver", "NICModel", "NICInterface"]), "\(imports)")
    }

    @Test(
        "drivers depend on the datasheet, never on the device's implementation", arguments: ["NICDriver", "NAPIDriver"])
    func driversKnowOnlyTheDatasheet(driver: String) throws {
        let deps = try Self.dependencies(of: driver)
        #expect(deps.contains("NICInterface") && deps.contains("HostOS"))
        #expect(!deps.contains("NICModel"))
        let imports = try Self.imports(of: driver)
        #expect(imports.contains("NICInterface") && !imports.contains("NICModel"), "\(imports)")
    }

    @Test("the datasheet module has no behaviour's dependencies")
    func datasheetStandsAlone() throws {
        #expect(try Self.dependencies(of: "NICInterface").isEmpty)
    }

    /// The three rooms of scenario handling (issue 18): the file format knows nothing of the world or the reports,
    /// the world nothing of the reports.
    @Test("the scenario file format imports only Yams, WireFormats and the platform")
    func formatStandsAlone() throws {
        let imports = try Self.imports(of: "ScenarioFormat")
        #expect(imports.contains("Yams"))
        // CYaml is libyaml as the Yams package ships it (the YAML pre-scan reads its events).
        #expect(imports.isSubset(of: ["Yams", "CYaml", "WireFormats", "Foundation", "Glibc", "Darwin"]), "\(imports)")
        let manifest = try String(contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let target = try #require(manifest.components(separatedBy: ".target(").dropFirst().first {
            $0.contains("name: \"ScenarioFormat\"")
        })
        let dependencies = target.prefix { $0 != "]" }
        #expect(dependencies.contains("\"WireFormats\"") && dependencies.contains("Yams"))
        let forbidden = ["SimCore", "\"ScenarioWorld\"", "\"ScenarioReports\"", "\"Scenarios\""]
        #expect(forbidden.allSatisfy { !dependencies.contains($0) }, "\(dependencies)")
    }

    @Test("the world imports the format but not the reports; the reports import both")
    func worldKnowsNoReport() throws {
        let world = try Self.imports(of: "ScenarioWorld")
        #expect(world.contains("ScenarioFormat") && !world.contains("ScenarioReports") && !world.contains("Scenarios"))
        let reports = try Self.imports(of: "ScenarioReports")
        #expect(
            reports.contains("ScenarioWorld") && reports.contains("ScenarioFormat") && !reports.contains("Scenarios"))
    }
}
