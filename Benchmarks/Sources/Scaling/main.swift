// Per-packet wall cost as destinations and streams grow, and memory per destination (issue 8, item 3).
//
//   Scaling [--quick] [--runs R]
//   Scaling --profile N [--writes W] [--hints on|off] | --profile-stream N [--packets P] [--hints on|off]
//   Scaling --footprint N
//
// Destinations: the fan-out world of the ns-3 comparison (WholePathWorkload.fanoutSpec, every NIC and driver
// detail on) with 10, 100, 1,000 and 10,000 receivers, each write one 1472-byte datagram to every receiver, about
// 160,000 packets per run (fewer writes as receivers grow). Streams: the media application playing 1, 10, 100
// and 1,000 generated 4 Mb/s transport streams, stream k to receiver k, about 50,000 datagrams per run. Receivers
// count and check every datagram but do not digest payloads, so the figures are the simulator's, not FNV-1a's.
//
// Each case is built outside the timing and run R times (default 3), each on a fresh world. The first eighth of its
// simulated time is a warm-up (each destination's first write creates its state); the median wall time of the rest
// divided by the packets the server's NIC sent in it is the per-packet cost. The whole run's figure (warm-up
// included) is printed beside it. Memory per destination is the
// growth of the resident set (/proc/self/statm) from building and running the 10,000-receiver world, less that of
// the 1,000-receiver one, divided by the 9,000 extra receivers; each world is measured in a fresh process
// (`Scaling --footprint N`), so memory freed by earlier worlds cannot hide growth, and after a run, so rings,
// queues and frame stores have reached their working size.

import BenchmarkRigs
import Foundation
import Scenarios
import SimCore

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("Scaling: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
let quick = arguments.contains("--quick")
var runs = 3
if let i = arguments.firstIndex(of: "--runs"), i + 1 < arguments.count, let r = Int(arguments[i + 1]) { runs = r }
/// `--hints on|off` forces host-cache hints in the `--profile` modes (default: the world's own choice).
var forcedHints: Bool?
if let i = arguments.firstIndex(of: "--hints"), i + 1 < arguments.count { forcedHints = arguments[i + 1] == "on" }

/// Resident bytes of this process now (second field of /proc/self/statm, in pages).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Builds a world with receivers that do not digest payloads; `cacheHints` nil leaves hints to the world's default
/// (on from ``World/Options/cacheHintReceivers`` receivers).
func build(_ spec: ScenarioSpec, cacheHints: Bool? = nil) -> World {
    var options = World.Options()
    options.digestPayloads = false
    options.cacheHints = cacheHints
    do {
        return try World(spec: spec, options: options)
    } catch {
        fail("\(spec.name): \(error.message)")
    }
}

struct Figure {
    var label: String
    var packets: Int
    var nanosecondsPerPacket: Double
    var wholeRunNanosecondsPerPacket: Double
}

/// The end of a case's warm-up: the first eighth of its simulated time (write calls or stream playout). Only what
/// follows is timed, so that each destination's one-time costs (its first write creates its header template and
/// cache entries; its first packets fault its state into the caches) do not count as per-packet cost. With 10,000
/// destinations and 16 packets each, those would otherwise be a sixteenth of every destination's packets.
func warmUpEnd(_ spec: ScenarioSpec) -> SimTime {
    if let duration = spec.streams?.duration { return SimTime(rawValue: duration / 8) }
    return SimTime(rawValue: Int64(spec.writes.count) * spec.writes.interval / 8)
}

/// One world to time: a label, its scenario, and host-cache hints forced on or off (nil: the world's default).
struct Case {
    var label: String
    var spec: ScenarioSpec
    var cacheHints: Bool? = nil
}

/// Median wall nanoseconds per packet of each case over `runs` fresh worlds, in steady state (after
/// ``warmUpEnd(_:)``) and over the whole run; the cases take turns (case 1, case 2, …, then again), so a change in
/// the machine's load touches every case alike.
func measure(_ cases: [Case], runs: Int) -> [Figure] {
    var samples = Array(repeating: [Double](), count: cases.count)
    var whole = Array(repeating: [Double](), count: cases.count)
    var packets = Array(repeating: 0, count: cases.count)
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
    for _ in 0..<runs {
        for (k, c) in cases.enumerated() {
            let world = build(c.spec, cacheHints: c.cacheHints)
            let clock = ContinuousClock()
            let start = clock.now
            world.simulator.run(until: warmUpEnd(c.spec))
            let warm = clock.now
            let warmPackets = WholePathWorkload.packets(world)
            let outcome = world.run()
            let end = clock.now
            guard outcome == .idle else { fail("\(c.label): run ended with \(outcome)") }
            packets[k] = WholePathWorkload.packets(world)
            let delivered = WholePathWorkload.datagramsReceived(world)
            guard delivered == packets[k] else {
                fail("\(c.label): \(packets[k]) packets sent, \(delivered) delivered")
            }
            samples[k].append(seconds(end - warm) * 1e9 / Double(packets[k] - warmPackets))
            whole[k].append(seconds(end - start) * 1e9 / Double(packets[k]))
        }
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    return cases.indices.map { k in
        Figure(label: cases[k].label, packets: packets[k], nanosecondsPerPacket: median(samples[k]),
               wholeRunNanosecondsPerPacket: median(whole[k]))
    }
}

func report(_ title: String, _ figures: [Figure]) {
    print(title)
    guard let base = figures.first?.nanosecondsPerPacket, let wholeBase = figures.first?.wholeRunNanosecondsPerPacket
    else { return }
    var worst = 1.0
    var worstWhole = 1.0
    for f in figures {
        let ratio = f.nanosecondsPerPacket / base
        let wholeRatio = f.wholeRunNanosecondsPerPacket / wholeBase
        worst = max(worst, ratio)
        worstWhole = max(worstWhole, wholeRatio)
        print("  \(f.label.padding(toLength: 18, withPad: " ", startingAt: 0)) "
              + "packets \(String(f.packets).padding(toLength: 8, withPad: " ", startingAt: 0)) "
              + "\(String(format: "%7.0f", f.nanosecondsPerPacket)) ns/packet   "
              + "\(String(format: "%.2f", ratio))x of the smallest case"
              + "   (whole run, warm-up included: \(String(format: "%.0f", f.wholeRunNanosecondsPerPacket)) ns, "
              + "\(String(format: "%.2f", wholeRatio))x)")
    }
    print("  largest / smallest case: \(String(format: "%.2f", worst))x in steady state (target: at most 1.5x); "
          + "\(String(format: "%.2f", worstWhole))x over the whole run")
}

// `Scaling --footprint N`: build and run one N-receiver world, print the resident growth in bytes, exit.
if let i = arguments.firstIndex(of: "--footprint"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) {
    let before = residentBytes()
    let world = build(WholePathWorkload.fanoutSpec(receivers: n, writes: 4))
    world.run()
    let after = residentBytes()
    withExtendedLifetime(world) {}
    print(after - before)
    exit(0)
}

// `Scaling --profile N [--writes W] [--hints on|off]`: one N-receiver fan-out world (a buffer per destination), timed
// in two parts:
// the first write call (which creates the destinations) and the rest (steady state). For perf record/stat.
if let i = arguments.firstIndex(of: "--profile"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) {
    var writes = max(4, 160_000 / n)
    if let w = arguments.firstIndex(of: "--writes"), w + 1 < arguments.count, let v = Int(arguments[w + 1]) {
        writes = v
    }
    let spec = WholePathWorkload.fanoutSpec(receivers: n, writes: writes)
    let world = build(spec, cacheHints: forcedHints)
    let clock = ContinuousClock()
    let t0 = clock.now
    world.simulator.run(until: SimTime(rawValue: spec.writes.interval - 1))
    let firstPackets = WholePathWorkload.packets(world)
    let t1 = clock.now
    let outcome = world.run()
    let t2 = clock.now
    guard outcome == .idle else { fail("run ended with \(outcome)") }
    let packets = WholePathWorkload.packets(world)
    func ns(_ d: Duration) -> Double { Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) * 1e-9 }
    print("first write: \(firstPackets) packets, "
          + "\(String(format: "%.0f", ns(t1 - t0) / Double(max(1, firstPackets)))) ns/packet")
    let host = world.server.host
    print("driver: \(host.counters.writes) writes, at most \(world.driver.statistics.peakQueuedWrites) queued at once, "
          + "\(host.driverWork.ringFullStalls) ring-full stalls")
    print("steady: \(packets - firstPackets) packets, "
          + "\(String(format: "%.0f", ns(t2 - t1) / Double(max(1, packets - firstPackets)))) ns/packet")
    exit(0)
}

// `Scaling --profile-stream N [--packets P] [--hints on|off]`: one stream fanned out to N receivers, about P packets
// (default
// 160,000), built untimed and run once; prints ns per packet. For perf and cachegrind (two packet counts, diffed).
if let i = arguments.firstIndex(of: "--profile-stream"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) {
    var datagrams = 160_000
    if let p = arguments.firstIndex(of: "--packets"), p + 1 < arguments.count, let v = Int(arguments[p + 1]) {
        datagrams = v
    }
    let rate = Int64(2_000_000_000 / n)
    let seconds = Double(datagrams) / (Double(n) * Double(rate) / 8 / 1316)
    let world = build(
        WholePathWorkload.fanoutStreamSpec(receivers: n, bitsPerSecond: rate, duration: Int64(seconds * 1e12)),
        cacheHints: forcedHints)
    let clock = ContinuousClock()
    let t0 = clock.now
    let outcome = world.run()
    let elapsed = clock.now - t0
    guard outcome == .idle else { fail("run ended with \(outcome)") }
    let packets = WholePathWorkload.packets(world)
    let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) * 1e-9
    print("stream to \(n): \(packets) packets, \(String(format: "%.0f", ns / Double(max(1, packets)))) ns/packet")
    exit(0)
}

let destinationCounts = quick ? [10, 100, 1000] : [10, 100, 1000, 10_000]
let fanout = destinationCounts.map { n in
    Case(label: "\(n) destinations",
         spec: WholePathWorkload.fanoutSpec(receivers: n, writes: max(4, (quick ? 40_000 : 160_000) / n)))
}
report("Per-packet wall cost by destinations (one multi-destination write per interval, a buffer per destination, "
       + "\(runs) runs, median):", measure(fanout, runs: runs))

// What the host-cache hints do for the largest case: the same world with hints on (its default) and off, in turns.
if !quick {
    let largest = fanout[fanout.count - 1]
    let pair = measure([Case(label: largest.label + ", hints on", spec: largest.spec, cacheHints: true),
                        Case(label: largest.label + ", hints off", spec: largest.spec, cacheHints: false)],
                       runs: runs)
    print("  host-cache hints (Simulator.cacheHints) at \(largest.label): "
          + "on \(String(format: "%.0f", pair[0].nanosecondsPerPacket)) ns/packet, "
          + "off \(String(format: "%.0f", pair[1].nanosecondsPerPacket)) ns/packet (off / on = "
          + "\(String(format: "%.2f", pair[1].nanosecondsPerPacket / pair[0].nanosecondsPerPacket))x)")
}

// One stream to N receivers (the media application's fan-out: one set of buffers, N destinations per datagram).
// The stream's rate shrinks as N grows so the server link carries about 2 Gb/s.
let streamFanout = destinationCounts.map { n in
    let rate = Int64(2_000_000_000 / n)
    let datagrams = quick ? 40_000 : 160_000
    let seconds = Double(datagrams) / (Double(n) * Double(rate) / 8 / 1316)
    return Case(label: "\(n) destinations",
                spec: WholePathWorkload.fanoutStreamSpec(receivers: n, bitsPerSecond: rate,
                                                         duration: Int64(seconds * 1e12)))
}
report("Per-packet wall cost by destinations (one stream fanned out to all, \(runs) runs, median):",
       measure(streamFanout, runs: runs))

// 4 Mb/s of 1316-byte datagrams is about 380 per second per stream.
let streamCounts = quick ? [1, 10, 100] : [1, 10, 100, 1000]
let streams = streamCounts.map { k in
    let datagrams = quick ? 10_000 : 50_000
    let seconds = Double(datagrams) / (Double(k) * 380)
    return Case(label: "\(k) streams",
                spec: WholePathWorkload.streamsSpec(streams: k, bitsPerSecond: 4_000_000,
                                                    duration: Int64(seconds * 1e12)))
}
report("Per-packet wall cost by streams (media application, 4 Mb/s each, stream k to receiver k, \(runs) runs, "
       + "median):", measure(streams, runs: runs))

// Memory per destination: resident growth of a large world beyond a small one, each in a fresh process.
func footprintInChild(_ n: Int) -> Int {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.arguments = ["--footprint", String(n)]
    let pipe = Pipe()
    child.standardOutput = pipe
    do {
        try child.run()
    } catch {
        fail("cannot start \(CommandLine.arguments[0]): \(error)")
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    child.waitUntilExit()
    guard child.terminationStatus == 0,
          let bytes = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    else { fail("footprint of \(n) receivers failed") }
    return bytes
}
let small = quick ? 100 : 1000
let large = quick ? 1000 : 10_000
let smallBytes = footprintInChild(small)
let largeBytes = footprintInChild(large)
let perDestination = Double(largeBytes - smallBytes) / Double(large - small)
print("Memory per destination: \(String(format: "%.0f", perDestination)) bytes "
      + "(resident growth: \(smallBytes) bytes for a world of \(small) receivers, \(largeBytes) for \(large))")
