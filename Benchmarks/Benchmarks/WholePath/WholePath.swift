#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Benchmark
import BenchmarkRigs
import Scenarios
import SimCore

/// Packets (frames the server's NIC transmitted) in one measured world run (after its first write call).
let packetsMetric = BenchmarkMetric.custom("packets", polarity: .prefersLarger, useScalingFactor: false)
/// Packets per wall-clock second of `world.run()` alone (world construction excluded).
let packetRateMetric = BenchmarkMetric.custom("packets/s", polarity: .prefersLarger, useScalingFactor: false)

/// Allocation thresholds only (Thresholds/*.p90.json hold `mallocCountTotal` alone): malloc counts are exact and
/// repeatable, times are not, so `swift package benchmark thresholds check` fails on allocations only.
var exact: BenchmarkThresholds { BenchmarkThresholds(absolute: [.p90: 0]) }

/// Short runs when `NICSIM_BENCHMARK_QUICK` is set (CI checks allocation counts, which do not need many samples).
let quick = getenv("NICSIM_BENCHMARK_QUICK") != nil

let benchmarks: @Sendable () -> Void = {
    // One iteration is one whole world run; `.throughput` is runs per second, `.mallocCountTotal` is per run.
    // Times are figures for comparison on one machine, not thresholds.
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, packetsMetric, packetRateMetric],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(quick ? 2 : 10),
        maxIterations: quick ? 3 : 20,
        thresholds: [.mallocCountTotal: exact]
    )

    /// Measures one `world.run()` of a world built outside the measurement.
    @Sendable func measureRun(_ benchmark: Benchmark, _ build: () throws -> World) {
        let world: World
        do {
            world = try build()
        } catch {
            benchmark.error("world construction failed: \(error)")
            return
        }
        // The first write call (at 0) runs before the measurement: it creates the destinations (templates and
        // per-destination arrays, whose growth depends on the heap's state), which would make the malloc count
        // vary between otherwise identical runs. Everything after it is measured.
        world.simulator.run(until: SimTime(rawValue: WholePathWorkload.interval / 2))
        let before = WholePathWorkload.packets(world)
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let start = clock.now
        let outcome = world.run()
        let elapsed = clock.now - start
        benchmark.stopMeasurement()
        blackHole(outcome)
        let packets = WholePathWorkload.packets(world) - before
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        benchmark.measurement(packetsMetric, packets)
        benchmark.measurement(packetRateMetric, seconds > 0 ? Int(Double(packets) / seconds) : 0)
    }

    // 200 writes × 8 destinations × 64 KiB: 72 000 packets per run.
    for mode in [DriverMode.zeroCopy, .copy] {
        Benchmark("whole-path.\(mode.rawValue)", configuration: configuration) { benchmark in
            measureRun(benchmark) { try WholePathWorkload.makeWorld(mode: mode, writes: 200) }
        }
    }

    // The ns-3 comparison's work with every NIC and driver detail on: 16 receivers, one 1472-byte datagram each
    // per millisecond, 4000 writes = 64 000 packets; receivers digest every byte (as by default) or only count.
    for digest in [true, false] {
        Benchmark("whole-path.fanout-16\(digest ? "" : "-no-digest")", configuration: configuration) { benchmark in
            measureRun(benchmark) {
                var options = World.Options()
                options.digestPayloads = digest
                return try World(spec: WholePathWorkload.fanoutSpec(receivers: 16, writes: 4000), options: options)
            }
        }
    }
}
