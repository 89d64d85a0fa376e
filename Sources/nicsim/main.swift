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
        subcommands: [Run.self])
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

    enum ReportFormat: String, ExpressibleByArgument {
        case text, json
    }

    func run() throws {
        var spec: ScenarioSpec
        do {
            spec = try ScenarioParser.parse(contentsOf: scenario)
        } catch {
            throw Failure(message: error.description)
        }
        if let seed { spec.seed = seed }
        var options = World.Options()
        options.capturePcap = pcap != nil
        let world: World
        do {
            world = try World(spec: spec, options: options)
        } catch {
            throw Failure(message: "\(scenario): \(error.message)")
        }
        let outcome = world.run()
        let report = world.report(outcome: outcome)
        if let pcap, let bytes = world.pcapBytes {
            guard FileManager.default.createFile(atPath: pcap, contents: Data(bytes)) else {
                // The report still goes out; the missing capture is the failure.
                print(format == .json ? report.json() : report.text(), terminator: "")
                throw Failure(message: "cannot write pcap file \(pcap)")
            }
        }
        print(format == .json ? report.json() : report.text(), terminator: "")
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
