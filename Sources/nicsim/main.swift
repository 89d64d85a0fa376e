import ArgumentParser
import Foundation
import Scenarios

/// `nicsim`: run scenarios of the emulated NIC, driver, OS and network.
///
/// Exit status: 0 all well, 1 an expectation failed, 2 bad input or environment.
struct NICSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nicsim",
        abstract: "Emulate a DMA-capable NIC, its driver and OS, and the network below it, in virtual time.",
        subcommands: [Run.self, Compare.self, Media.self])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a scenario file and print its report.")

    @Argument(help: "The scenario file (YAML).")
    var scenario: String

    @Option(help: "Write the frames the server transmits to this pcap file (nanosecond timestamps, virtual time).")
    var pcap: String?

    @Option(help: "Report format: text or json.")
    var format: ReportFormat = .text

    @Option(help: "Override the scenario's seed.")
    var seed: UInt64?

    @Option(name: .customLong("set"), help: "Override a scenario value: KEY=VALUE, KEY a dotted path (server.driver.order).")
    var overrides: [String] = []

    @Option(help: "Attach the switch to a real network through this libvdeplug URL (vde:///tmp/sw, ptp:///tmp/p, tap://tap0 …); time is then paced to the wall clock.")
    var vde: String?

    enum ReportFormat: String, ExpressibleByArgument {
        case text, json
    }

    func run() throws {
        var parsed: [ScenarioOverride] = []
        for text in overrides {
            guard let o = ScenarioOverride(text) else { throw Failure(message: "--set \(text): expected KEY=VALUE") }
            parsed.append(o)
        }
        if let vde { parsed.append(ScenarioOverride(path: ["network", "vde", "url"], value: vde)) }
        var spec: ScenarioSpec
        do {
            spec = try ScenarioParser.parse(contentsOf: scenario, overrides: parsed)
        } catch {
            throw Failure(message: error.description)
        }
        if let seed { spec.seed = seed }
        var options = World.Options()
        options.pcapFile = pcap
        let world: World
        do {
            world = try World(spec: spec, options: options)
        } catch {
            throw Failure(message: "\(scenario): \(error.message)")
        }
        let outcome = world.run()
        let report = world.report(outcome: outcome)
        if let problem = world.pcapError {
            // The report still goes out; the missing capture is the failure.
            print(format == .json ? report.json() : report.text(), terminator: "")
            throw Failure(message: problem)
        }
        print(format == .json ? report.json() : report.text(), terminator: "")
    }
}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one scenario in several variants and print them side by side.",
        discussion: """
            Each --set KEY=V1,V2,… adds a dimension; every combination runs. Example:
              nicsim compare Fixtures/scenarios/two-receivers.yaml --set server.driver.mode=copy,zero-copy
            """)

    @Argument(help: "The scenario file (YAML).")
    var scenario: String

    @Option(name: .customLong("set"), help: "KEY=V1,V2,…: the values to compare for a dotted key path.")
    var sets: [String] = []

    @Option(help: "Output format: text or json.")
    var format: Run.ReportFormat = .text

    func run() throws {
        var dimensions: [(path: [String], values: [String])] = []
        for text in sets {
            guard let o = ScenarioOverride(text), !o.value.isEmpty else {
                throw Failure(message: "--set \(text): expected KEY=V1,V2,…")
            }
            dimensions.append((o.path, o.value.split(separator: ",").map(String.init)))
        }
        guard !dimensions.isEmpty else { throw Failure(message: "compare needs at least one --set KEY=V1,V2") }
        var variants: [Comparison.Variant] = []
        var name = scenario
        for combination in Comparison.combinations(dimensions) {
            let spec: ScenarioSpec
            do {
                spec = try ScenarioParser.parse(contentsOf: scenario, overrides: combination)
            } catch {
                throw Failure(message: error.description)
            }
            name = spec.name
            let world: World
            do {
                world = try World(spec: spec)
            } catch {
                throw Failure(message: "\(scenario): \(error.message)")
            }
            let report = world.report(outcome: world.run())
            variants.append(Comparison.Variant(label: combination.map(\.value).joined(separator: " "), report: report))
        }
        let comparison = Comparison(scenario: name, variants: variants)
        print(format == .json ? comparison.json() : comparison.text(), terminator: "")
    }
}

/// A failure reported as one line on standard error with exit status 2.
struct Failure: Error {
    var message: String
}

do {
    var command = try NICSim.parseAsRoot()
    try command.run()
} catch let failure as Failure {
    FileHandle.standardError.write(Data("nicsim: \(failure.message)\n".utf8))
    exit(2)
} catch {
    let code = NICSim.exitCode(for: error)
    if code == .success {
        print(NICSim.fullMessage(for: error))
        exit(0)
    }
    FileHandle.standardError.write(Data((NICSim.fullMessage(for: error) + "\n").utf8))
    exit(2)
}
