import Foundation
import SimCore
import Testing
import VDEPort

/// The Swift side of Benchmarks/vde/run.sh, not a test: skipped unless NICSIM_VDE_BENCH_URL names a URL with a
/// receiver behind it, in CI as well (a benchmark needs a quiet machine and a receiver the run script starts; CI's
/// judges of the VDE port are the VDEPort suites that always run). Prints one key=value line per path, in the format of
/// Benchmarks/vde/vde_send_bench.c:
///
/// - `sender=swift-blast`: ``VDEConnection/blast(count:frameLength:)``, a plain loop over `send`;
/// - `sender=swift-port`: a simulation in as-fast-as-possible mode whose source hands frames, one event each, to a
///   send-only ``VDEPort`` (frame store allocation, header write, port accept, release): the path a scenario uses.
///
/// NICSIM_VDE_BENCH_COUNT (default 200000) frames of NICSIM_VDE_BENCH_LENGTH (default 1514) bytes each;
/// NICSIM_VDE_BENCH_PATH selects `blast` or `port` (default both), or `blast-wait`
/// (`sender=swift-blast-wait`: the blast loop waiting for room instead of dropping, the lossless limit).
extension VDEPortTestsRoot {
    @Suite struct VDEThroughput {
        static let environment = ProcessInfo.processInfo.environment
        static let url = environment["NICSIM_VDE_BENCH_URL"]
        static let count = environment["NICSIM_VDE_BENCH_COUNT"].flatMap { Int($0) } ?? 200_000
        static let length = environment["NICSIM_VDE_BENCH_LENGTH"].flatMap { Int($0) } ?? 1514
        static let path = environment["NICSIM_VDE_BENCH_PATH"] ?? "both"

        @Test(.enabled(if: url != nil && (path == "both" || path == "blast"), "set NICSIM_VDE_BENCH_URL to run"))
        func blast() throws {
            try runBlast(waitForRoom: false)
        }

        @Test(.enabled(if: url != nil && path == "blast-wait", "set NICSIM_VDE_BENCH_PATH=blast-wait to run"))
        func blastWaitingForRoom() throws {
            try runBlast(waitForRoom: true)
        }

        private func runBlast(waitForRoom: Bool) throws {
            let url = try #require(Self.url)
            let connection = try VDEConnection(url: url, description: "swift-blast")
            pause(milliseconds: 100)
            let result = connection.blast(count: Self.count, frameLength: Self.length, waitForRoom: waitForRoom)
            pause(milliseconds: 200)
            connection.close()
            print(Self.line(waitForRoom ? "swift-blast-wait" : "swift-blast", url: url, result))
            #expect(result.attempted == Self.count)
        }

        @Test(.enabled(if: url != nil && (path == "both" || path == "port"), "set NICSIM_VDE_BENCH_URL to run"))
        func port() throws {
            let url = try #require(Self.url)
            let sim = Simulator(seed: 1, maxFrameBytes: max(1536, Self.length))
            let port = try VDEPort(simulator: sim, name: "vde0", url: url, pollInterval: nil)
            let source = BenchmarkSource(
                simulator: sim, sink: port, count: Self.count, length: Self.length,
                spacing: .picoseconds(12_304_000))  // back to back at 1 Gb/s: (1514 + 24) bytes × 8 ns
            pause(milliseconds: 100)
            let start = ContinuousClock.now
            source.start(simulator: sim)
            sim.run()
            let elapsed = ContinuousClock.now - start
            pause(milliseconds: 200)
            let counters = port.counters
            port.close()
            let nanoseconds =
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            let result = BlastResult(
                attempted: source.emitted, sent: counters.framesSent, dropped: counters.sendDrops,
                failed: counters.sendErrors + counters.discardedWhileDown, elapsedNanoseconds: nanoseconds)
            print(Self.line("swift-port", url: url, result))
            #expect(source.emitted == Self.count)
            #expect(sim.frames.live == 0)
        }

        static func line(_ sender: String, url: String, _ r: BlastResult) -> String {
            let seconds = Double(r.elapsedNanoseconds) / 1e9
            return "sender=\(sender) url=\(url) attempted=\(r.attempted) sent=\(r.sent) dropped=\(r.dropped) "
                + "failed=\(r.failed) waits=\(r.waits) seconds=\(String(format: "%.6f", seconds)) "
                + "sent_per_s=\(Int(r.sentPerSecond.rounded())) attempted_per_s=\(Int(r.attemptedPerSecond.rounded()))"
        }
    }
}

/// Emits `count` frames, one per event `spacing` apart, into a sink: destination 02:00:00:00:00:02, source
/// 02:00:00:00:00:01, EtherType 0x88B5, sequence number in bytes 14–21, like the C sender's frames.
final class BenchmarkSource: EventHandler {
    let sink: FrameSink
    let count: Int
    let length: Int
    let spacing: SimDuration
    private(set) var emitted = 0
    private(set) var id = ComponentID(rawValue: .max)
    private static let header: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xB5]

    init(simulator: Simulator, sink: FrameSink, count: Int, length: Int, spacing: SimDuration) {
        self.sink = sink
        self.count = count
        self.length = length
        self.spacing = spacing
        id = simulator.register(self, name: "benchmark source")
    }

    func start(simulator: Simulator) {
        if count > 0 { simulator.schedule(after: .zero, target: id, kind: 0) }
    }

    func handle(_ event: Event, simulator: Simulator) {
        let frames = simulator.frames
        let frame = frames.allocate()
        let start = frames.offset(of: frame)
        var sequence = UInt64(emitted)
        // One exclusive access for the 22 header bytes, as a NIC's DMA write would be; per-byte writes through the
        // class property would cost an exclusivity check each and dominate the measurement.
        frames.bytes.withUnsafeMutableBufferPointer { bytes in
            for i in 0..<Self.header.count { bytes[start + i] = Self.header[i] }
            for i in stride(from: 21, through: 14, by: -1) {
                bytes[start + i] = UInt8(truncatingIfNeeded: sequence)
                sequence >>= 8
            }
        }
        frames.setLength(length, of: frame)
        emitted += 1
        sink.accept(frame, simulator: simulator)
        if emitted < count { simulator.schedule(after: spacing, target: id, kind: 0) }
    }
}
