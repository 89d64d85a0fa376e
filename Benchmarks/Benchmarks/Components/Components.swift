#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Benchmark
import BenchmarkRigs
import SimCore

/// Allocation thresholds only (see WholePath.swift): `Thresholds/*.p90.json` hold `mallocCountTotal` alone.
var exact: BenchmarkThresholds { BenchmarkThresholds(absolute: [.p90: 0]) }
let quick = getenv("NICSIM_BENCHMARK_QUICK") != nil

/// One sample is `scalingFactor` operations; figures are per operation. Every rig is built and warmed up (rings,
/// queues and frame stores at their high-water marks) before the measurement starts, so the malloc count is the
/// steady state's: zero.
func configuration(_ scale: BenchmarkScalingFactor) -> Benchmark.Configuration {
    Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 1,
        scalingFactor: scale,
        maxDuration: .seconds(quick ? 1 : 5),
        maxIterations: quick ? 3 : 20,
        thresholds: [.mallocCountTotal: exact]
    )
}

let benchmarks: @Sendable () -> Void = {
    // Steady-state interleaved push/pop: the heap holds `pending` events throughout; each step pops the earliest
    // and schedules one later, as the simulator loop does. One operation = one pop+push pair.
    Benchmark("event-queue", configuration: configuration(.mega)) { benchmark in
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

    // One packet's zero-copy address path: translation-buffer lookup of a 1472-byte registered range, then DMA
    // reads of its pieces through the IOMMU. One operation = one transfer.
    Benchmark("translation-dma", configuration: configuration(.mega)) { benchmark in
        do {
            let rig = try TranslationDMARig()
            for _ in 0..<1000 { try rig.transfer() }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { try rig.transfer() }
            benchmark.stopMeasurement()
            blackHole(rig.bytesMoved)
        } catch {
            benchmark.error("translation-dma: \(error)")
        }
    }

    // One TX ring cycle: a write of 8 one-datagram entries through the driver (descriptors in host memory), the
    // doorbell, the NIC's DMA, checksum offload, MAC, write-back, interrupt and reclaim. One operation = one write.
    Benchmark("tx-ring-cycle", configuration: configuration(.kilo)) { benchmark in
        do {
            let rig = try TxRingRig(destinations: 8, bytesPerEntry: 1472, segmentation: .driver)
            for _ in 0..<200 { try rig.cycle() }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { try rig.cycle() }
            benchmark.stopMeasurement()
            blackHole(rig.framesOut)
        } catch {
            benchmark.error("tx-ring-cycle: \(error)")
        }
    }

    // NIC segmentation (TSE): a write of 8 entries of 64 KiB, each one send that the NIC cuts into 45 datagrams,
    // with checksums per segment. One operation = one write (360 datagrams).
    Benchmark("segmentation", configuration: configuration(.one)) { benchmark in
        do {
            let rig = try TxRingRig(destinations: 8, bytesPerEntry: 64 * 1024, segmentation: .nic)
            for _ in 0..<20 { try rig.cycle() }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { try rig.cycle() }
            benchmark.stopMeasurement()
            blackHole(rig.framesOut)
        } catch {
            benchmark.error("segmentation: \(error)")
        }
    }

    // Switch forwarding: one 1514-byte frame to each of 16 output ports, looked up, queued, serialized and
    // handed on. One operation = one burst of 16 frames.
    Benchmark("switch-forwarding", configuration: configuration(.kilo)) { benchmark in
        let rig = SwitchRig(destinations: 16)
        for _ in 0..<200 { rig.burst() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { rig.burst() }
        benchmark.stopMeasurement()
        blackHole(rig.framesOut)
    }
}
