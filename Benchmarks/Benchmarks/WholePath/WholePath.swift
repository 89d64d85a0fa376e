import Benchmark
import Scenarios
import SimCore
import WholePathWorkload

/// Packets (frames the server's NIC transmitted) in one measured world run.
let packetsMetric = BenchmarkMetric.custom("packets", polarity: .prefersLarger, useScalingFactor: false)
/// Packets per wall-clock second of `world.run()` alone (world construction excluded).
let packetRateMetric = BenchmarkMetric.custom("packets/s", polarity: .prefersLarger, useScalingFactor: false)

/// Write calls per world run: 200 writes x 8 destinations x 64 KiB, about 71 000 packets.
let writesPerRun = 200

let benchmarks: @Sendable () -> Void = {
    // One iteration is one whole world run; `.throughput` is runs per second, `.mallocCountTotal` is per run.
    // Times are figures for comparison on one machine, not thresholds.
    let wholePathConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, packetsMetric, packetRateMetric],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(10),
        maxIterations: 20
    )

    for mode in [DriverMode.zeroCopy, .copy] {
        Benchmark("whole-path/\(mode.rawValue)", configuration: wholePathConfiguration) { benchmark in
            let world: World
            do {
                world = try WholePathWorkload.makeWorld(mode: mode, writes: writesPerRun)
            } catch {
                benchmark.error("world construction failed: \(error)")
                return
            }
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let outcome = world.run()
            let elapsed = clock.now - start
            benchmark.stopMeasurement()
            blackHole(outcome)
            let packets = WholePathWorkload.packets(world)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            benchmark.measurement(packetsMetric, packets)
            benchmark.measurement(packetRateMetric, seconds > 0 ? Int(Double(packets) / seconds) : 0)
        }
    }

    // Steady-state interleaved push/pop: the heap holds `pending` events throughout; each step pops the earliest
    // and schedules one later, as the simulator loop does. One iteration = 1M pop+push pairs.
    Benchmark(
        "event-queue",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal],
            warmupIterations: 1,
            scalingFactor: .mega,
            maxDuration: .seconds(5),
            maxIterations: 20
        )
    ) { benchmark in
        let pending = 1024
        var queue = EventQueue(capacity: pending + 1)
        var sequence: UInt64 = 0
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        @inline(__always) func nextDelay() -> Int64 {
            // 64-bit LCG (Knuth MMIX); delays of 0..1023 ns in picoseconds, ties included on purpose.
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64(random >> 54) * 1_000
        }
        for _ in 0..<pending {
            queue.push(Event(time: SimTime(rawValue: nextDelay()), sequence: sequence, target: ComponentID(rawValue: 0),
                             kind: 0, a: 0, b: 0))
            sequence &+= 1
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let event = queue.pop().unsafelyUnwrapped
            queue.push(Event(time: SimTime(rawValue: event.time.rawValue &+ nextDelay()), sequence: sequence,
                             target: event.target, kind: event.kind, a: event.a &+ 1, b: event.b))
            sequence &+= 1
        }
        benchmark.stopMeasurement()
        blackHole(queue.count)
    }
}
