// Runs one scenario file and prints how many datagrams its receivers accepted per wall-clock second of the run:
// the nicsim side of Benchmarks/ns3/compare.sh.
//
//   ScenarioRate SCENARIO.yaml [--pcap FILE] [--no-digest] [--label TEXT] [--repeat N]
//
// The file is parsed and the world built before the clock starts (ns-3's program likewise times Simulator::Run()
// alone). With --pcap the server's transmitted frames are written to the file during the run (World.Options.pcapFile),
// as ns-3 writes its capture (each repetition starts the file anew). --no-digest turns off the receivers' FNV-1a
// digest of every payload byte (World.Options.digestPayloads); they still check both checksums of every datagram and
// count it. --repeat N (default 1) runs the same scenario N times, each on a freshly built world, and reports the
// totals: delivered datagrams of all runs over the wall time of all runs (builds excluded), so that a measurement
// spans about as much wall time as ns-3's and a short slow phase of a shared machine weighs no more on one side than
// on the other. Prints one line of key=value pairs (sent, delivered and events are per run).

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
var repeats = 1
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--pcap":
        guard !arguments.isEmpty else { fail("--pcap needs a file") }
        pcapPath = arguments.removeFirst()
    case "--no-digest":
        digest = false
    case "--repeat":
        guard !arguments.isEmpty, let n = Int(arguments.removeFirst()), n > 0 else {
            fail("--repeat needs a count above 0")
        }
        repeats = n
    case "--label":
        guard !arguments.isEmpty else { fail("--label needs a value") }
        label = arguments.removeFirst()
    default:
        guard scenarioPath == nil else { fail("unexpected argument \(argument)") }
        scenarioPath = argument
    }
}
guard let scenarioPath else {
    fail("usage: ScenarioRate SCENARIO.yaml [--pcap FILE] [--no-digest] [--label TEXT] [--repeat N]")
}

let spec: ScenarioSpec
do {
    spec = try ScenarioParser.parse(contentsOf: scenarioPath)
} catch {
    fail(error.description)
}
var options = World.Options()
options.pcapFile = pcapPath
options.digestPayloads = digest

let clock = ContinuousClock()
var seconds = 0.0
var delivered = 0
var sent = 0
var events: UInt64 = 0
var firstDelivered: Int?
for _ in 0..<repeats {
    if let pcapPath { try? FileManager.default.removeItem(atPath: pcapPath) }
    let world: World
    do {
        world = try World(spec: spec, options: options)
    } catch {
        fail("\(scenarioPath): \(error.message)")
    }
    let start = clock.now
    let outcome = world.run()
    let elapsed = clock.now - start
    if let problem = world.pcapError { fail(problem) }
    seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    guard outcome == .idle || outcome == .reachedTime else { fail("the run ended with \(outcome)") }
    let runDelivered = world.receivers.reduce(0) { $0 + $1.counters.datagrams }
    // Every repetition is the same deterministic run: a different count would be a bug worth stopping for.
    if let first = firstDelivered, first != runDelivered {
        fail("repetition delivered \(runDelivered), the first \(first)")
    }
    firstDelivered = runDelivered
    delivered += runDelivered
    sent = Int(world.nic.counters.framesTransmitted)
    events = world.simulator.eventsProcessed
}
let rate = seconds > 0 ? Double(delivered) / seconds : 0
print("\(label) flows=\(spec.receivers.count) sent=\(sent) delivered=\(delivered / repeats) "
      + "wall=\(String(format: "%.6f", seconds / Double(repeats))) rate=\(String(format: "%.0f", rate)) "
      + "events=\(events)" + (repeats > 1 ? " repeats=\(repeats)" : ""))
