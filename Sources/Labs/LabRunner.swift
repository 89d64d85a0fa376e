import Foundation
import Scenarios

/// Why a lab could not run.
public struct LabError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Code: Hashable, Sendable {
        /// No lab has that name.
        case unknownLab
        /// The lab scenarios (`Fixtures/labs`) were not found.
        case fixturesMissing
        /// A scenario did not parse or build.
        case scenario
        /// The machine lacks what the lab needs (root, vde2 …); the message says what.
        case unavailable
        /// Setting up or tearing down the lab's network failed.
        case environment
        /// The lab catalog (`Resources/labs.yaml`) could not be read or is not valid; the message has its file,
        /// line and column.
        case catalog
    }
    /// What went wrong, broadly.
    public var code: Code
    /// What went wrong, in one or more lines for a person.
    public var message: String
    /// An error with its code and message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    /// The message.
    public var description: String { message }
}

/// Runs labs: finds their scenarios, runs every variant, and reads each stated number from the reports.
public struct LabRunner: Sendable {
    /// The folder holding the lab scenarios (`Fixtures/labs`).
    public var fixtures: String

    /// A runner that reads the lab scenarios from `fixtures`.
    public init(fixtures: String) { self.fixtures = fixtures }

    /// Finds `Fixtures/labs`: `explicit` if given, else under the current directory or one of its parents, else
    /// in the source tree this module was built from.
    public static func locateFixtures(explicit: String? = nil,
                                      currentDirectory: String = FileManager.default.currentDirectoryPath)
        throws(LabError) -> LabRunner
    {
        let manager = FileManager.default
        guard let first = Lab.all.first else {
            throw Lab.catalogError ?? LabError(.catalog, "the lab catalog holds no labs")
        }
        func isLabFolder(_ path: String) -> Bool {
            var directory: ObjCBool = false
            return manager.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
                && manager.fileExists(atPath: path + "/" + first.scenario)
        }
        if let explicit {
            guard isLabFolder(explicit) else {
                throw LabError(.fixturesMissing, "\(explicit) holds no lab scenarios (expected \(first.scenario))")
            }
            return LabRunner(fixtures: explicit)
        }
        var url = URL(fileURLWithPath: currentDirectory)
        for _ in 0..<8 {
            let candidate = url.appendingPathComponent("Fixtures/labs").path
            if isLabFolder(candidate) { return LabRunner(fixtures: candidate) }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { break }
            url = parent
        }
        // Sources/Labs/LabRunner.swift → the package root.
        let built = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/labs").path
        if isLabFolder(built) { return LabRunner(fixtures: built) }
        throw LabError(
            .fixturesMissing,
            "cannot find the lab scenarios (Fixtures/labs): run from the nicsim repository or pass --fixtures DIR")
    }

    /// The lab named `name`.
    public static func lab(named name: String) throws(LabError) -> Lab {
        if let error = Lab.catalogError { throw error }
        guard let lab = Lab.all.first(where: { $0.name == name }) else {
            throw LabError(.unknownLab, "no lab named \(name); `nicsim labs` lists them: "
                           + Lab.all.map(\.name).joined(separator: ", "))
        }
        return lab
    }

    /// Runs `lab` and measures every stated number.
    ///
    /// Asynchronous because the real-network lab runs programs (swift-subprocess) while its world runs; a
    /// simulation lab runs on the calling task.
    public func run(_ lab: Lab) async throws(LabError) -> LabResult {
        switch lab.kind {
        case .simulation:
            return try measure(lab, comparison: try compare(lab), linux: nil, notes: [])
        case .realLinux:
            let outcome = try await RealLinuxLab(lab: lab, scenario: scenarioPath(lab)).run()
            let comparison = Comparison(scenario: outcome.report.scenario,
                                        variants: [Comparison.Variant(label: "", report: outcome.report)])
            return try measure(lab, comparison: comparison, linux: outcome.linux, notes: outcome.notes)
        }
    }

    /// The scenario's path inside ``fixtures``.
    public func scenarioPath(_ lab: Lab) -> String { fixtures + "/" + lab.scenario }

    /// Every variant of a simulation lab, run as `nicsim compare` runs them.
    func compare(_ lab: Lab) throws(LabError) -> Comparison {
        var settings: [ScenarioOverride] = []
        for text in lab.settings {
            guard let o = ScenarioOverride(text) else { throw LabError(.scenario, "\(lab.name): bad setting \(text)") }
            settings.append(o)
        }
        let dimensions = lab.vary.map { (path: $0.key.split(separator: ".").map(String.init), values: $0.values) }
        let path = scenarioPath(lab)
        var variants: [Comparison.Variant] = []
        var name = lab.name
        for combination in Comparison.combinations(dimensions) {
            let spec: ScenarioSpec
            let world: World
            do {
                spec = try ScenarioParser.parse(contentsOf: path, overrides: combination + settings)
                world = try World(spec: spec)
            } catch {
                throw LabError(.scenario, "\(error)")
            }
            name = spec.name
            let report = world.report(outcome: world.run())
            variants.append(Comparison.Variant(label: combination.map(\.value).joined(separator: " "), report: report))
        }
        return Comparison(scenario: name, variants: variants)
    }

    func measure(_ lab: Lab, comparison: Comparison, linux: LinuxObservation?, notes: [String]) throws(LabError)
        -> LabResult
    {
        var measurements: [LabResult.Measurement] = []
        for number in lab.numbers {
            guard let variant = comparison.variants.first(where: { $0.label == number.variant }) else {
                throw LabError(
                    .scenario,
                    "\(lab.name): number \(number.id) names variant \"\(number.variant)\", which the lab does not run")
            }
            let value = number.metric.value(in: variant.report, linux: linux)
            measurements.append(LabResult.Measurement(number: number, measured: value))
        }
        return LabResult(lab: lab, comparison: comparison, measurements: measurements, linux: linux, notes: notes)
    }
}
