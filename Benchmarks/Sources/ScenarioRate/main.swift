// Runs one scenario file and prints how many datagrams its receivers accepted per wall-clock second of the run:
// the nicsim side of Benchmarks/ns3/compare.sh.
//
//   ScenarioRate SCENARIO.yaml [--pcap FILE] [--no-digest] [--label TEXT]
//
// The file is parsed and the world built before the clock starts (ns-3's program likewise times Simulator::Run()
// alone). With --pcap the server's transmitted frames are written to the file during the run (World.Options.pcapFile),
// as ns-3 writes its capture. --no-digest turns off the receivers' FNV-1a digest of every payload
// byte (World.Options.digestPayloads); they still check both checksums of every datagram and count it. Prints one
// line of key=value pairs.

import Foundation
import Scenarios

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ScenarioRate: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var pcapPath: String?
var label = "nicsim"
var digest = true
var scenarioPath: String?
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--pcap":
        guard !arguments.isEmpty else { fail("--pcap needs a file") }
        pcapPath = arguments.removeFirst()
    case "--no-digest":
        digest = false
    case "--label":
        guard !arguments.isEmpty else { fail("--label needs a value") }
        label = arguments.removeFirst()
    default:
        guard scenarioPath == nil else { fail("unexpected argument \(argument)") }
        scenarioPath = argument
    }
}
guard let scenarioPath else { fail("usage: ScenarioRate SCENARIO.yaml [--pcap FILE] [--no-digest] [--label TEXT]") }

let spec: ScenarioSpec
do {
    spec = try ScenarioParser.parse(contentsOf: scenarioPath)
} catch {
    fail(error.description)
}
var options = World.Options()
options.pcapFile = pcapPath
options.digestPayloads = digest
let world: World
do {
    world = try World(spec: spec, options: options)
} catch {
    fail("\(scenarioPath): \(error.message)")
}

let clock = ContinuousClock()
let start = clock.now
let outcome = world.run()
let elapsed = clock.now - start
if let problem = world.pcapError { fail(problem) }
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18

guard outcome == .idle || outcome == .reachedTime else { fail("the run ended with \(outcome)") }
let delivered = world.receivers.reduce(0) { $0 + $1.counters.datagrams }
let sent = Int(world.nic.counters.framesTransmitted)
let rate = seconds > 0 ? Double(delivered) / seconds : 0
print("\(label) flows=\(spec.receivers.count) sent=\(sent) delivered=\(delivered) "
      + "wall=\(String(format: "%.6f", seconds)) rate=\(String(format: "%.0f", rate)) "
      + "events=\(world.simulator.eventsProcessed)")
