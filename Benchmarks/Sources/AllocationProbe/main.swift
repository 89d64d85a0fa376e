// Allocations per packet in steady state, for the whole-path worlds of the WholePath benchmark and the component
// rigs of the Components benchmark.
//
// Each world is measured by building it with N writes and with 2N writes and counting only the mallocs inside
// `world.run()` after the first write call (construction and the first call's setup are excluded). The difference
// divided by the difference in packets cancels per-run
// constants (lazy first-use allocations, ring and queue growth up to their high-water mark), so what remains is
// the allocation cost of one more packet. A rig is measured the same way: N operations, then 2N more, after a
// warm-up. STYLE.md requires 0.
//
//   AllocationProbe [N] [--check]
//
// With --check the probe exits 1 unless every figure is exactly 0 (the CI check, Scripts/test.sh).
//
// On Linux malloc is counted by ordo-one/malloc-interposer, which must be preloaded. When it is not, the probe
// re-executes itself with LD_PRELOAD pointing at libMallocInterposerSwift.so next to its own binary.

import MallocInterposerSwift
import BenchmarkRigs
import SimCore
import Scenarios

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `message` to standard error.
func fail(_ message: String) {
    var text = message
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

nonisolated(unsafe) var probeSink: UnsafeMutableRawPointer?

/// True when mallocs in this process are routed through the interposer (one counted malloc is seen).
func interposerIsActive() -> Bool {
    MallocInterposerSwift.reset()
    MallocInterposerSwift.hook()
    probeSink = malloc(48)  // stored in a global so the call cannot be optimized away
    MallocInterposerSwift.unhook()
    free(probeSink)
    probeSink = nil
    let counted = MallocInterposerSwift.getStatistics().mallocCount
    MallocInterposerSwift.reset()
    return counted > 0
}

#if os(Linux)
/// Replaces this process with itself, `libMallocInterposerSwift.so` preloaded. Returns only on failure.
func reexecWithInterposer() -> Never {
    var pathBuffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &pathBuffer, pathBuffer.count - 1)
    guard length > 0 else {
        fail("AllocationProbe: cannot read /proc/self/exe (errno \(errno))\n")
        exit(2)
    }
    let executable = String(decoding: pathBuffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let directory = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    let library = directory + "/libMallocInterposerSwift.so"
    guard access(library, R_OK) == 0 else {
        fail("AllocationProbe: \(library) not found; build with `swift build -c release` first\n")
        exit(2)
    }
    if let existing = getenv("LD_PRELOAD").map({ String(cString: $0) }), existing.contains(library) {
        fail("AllocationProbe: LD_PRELOAD=\(existing) is set but malloc is not being counted\n")
        exit(2)
    }
    let existing = getenv("LD_PRELOAD").map { String(cString: $0) } ?? ""
    setenv("LD_PRELOAD", existing.isEmpty ? library : library + ":" + existing, 1)
    let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
    execv(executable, arguments)
    fail("AllocationProbe: execv failed (errno \(errno))\n")
    exit(2)
}
#endif

struct RunCount {
    var packets: Int
    var datagrams: Int
    var mallocs: Int
    var mallocBytes: Int
    var frees: Int
}

/// Builds the world (not counted), then counts allocations of `world.run()` only.
func measure(_ name: String, writes: Int, build: (Int) throws -> World) -> RunCount {
    let world: World
    do {
        world = try build(writes)
    } catch {
        fail("AllocationProbe: \(name): world construction failed: \(error)\n")
        exit(2)
    }
    // The first write call (at 0) goes through uncounted: it creates the run's destinations (header templates and
    // per-destination arrays, whose growth steps depend on how much room malloc hands back, so they vary with the
    // heap's state between otherwise identical runs). Every later call is counted.
    world.simulator.run(until: SimTime(rawValue: WholePathWorkload.interval / 2))
    MallocInterposerSwift.reset()
    MallocInterposerSwift.hook()
    let outcome = world.run()
    MallocInterposerSwift.unhook()
    let stats = MallocInterposerSwift.getStatistics()
    guard outcome == .idle else {
        fail("AllocationProbe: \(name): run ended with \(outcome), expected .idle\n")
        exit(2)
    }
    return RunCount(packets: WholePathWorkload.packets(world), datagrams: WholePathWorkload.datagramsReceived(world),
                    mallocs: stats.mallocCount, mallocBytes: stats.mallocBytesCount, frees: stats.freeCount)
}

/// Counts the mallocs of `count` calls of `operation`.
func countMallocs(_ count: Int, _ operation: () throws -> Void) rethrows -> Int {
    MallocInterposerSwift.reset()
    MallocInterposerSwift.hook()
    defer { MallocInterposerSwift.unhook() }
    for _ in 0..<count { try operation() }
    return MallocInterposerSwift.getStatistics().mallocCount
}

func format(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return scaled == 0 && value == 0 ? "0" : "\(scaled)"
}

if !interposerIsActive() {
    #if os(Linux)
    reexecWithInterposer()
    #else
    fail("AllocationProbe: malloc is not being counted (run with DYLD_INSERT_LIBRARIES)\n")
    exit(2)
    #endif
}

let arguments = CommandLine.arguments.dropFirst()
let check = arguments.contains("--check")
let baseWrites = arguments.first { $0 != "--check" }.flatMap { Int($0) } ?? 100

let worlds: [(name: String, build: (Int) throws -> World)] = [
    ("zero-copy", { try WholePathWorkload.makeWorld(mode: .zeroCopy, writes: $0) }),
    ("copy", { try WholePathWorkload.makeWorld(mode: .copy, writes: $0) }),
    (
        "fanout-16 (every NIC and driver detail)",
        { try World(spec: WholePathWorkload.fanoutSpec(receivers: 16, writes: $0 * 10)) }
    ),
]

var headline: [String] = []
var failures: [String] = []
for w in worlds {
    // Warm-up right before the measured pair, at the measured size: pays lazy first-use allocations (type metadata,
    // runtime caches, code paths a short run does not reach) so they do not land in the N run only.
    _ = measure(w.name, writes: baseWrites, build: w.build)
    let small = measure(w.name, writes: baseWrites, build: w.build)
    let large = measure(w.name, writes: 2 * baseWrites, build: w.build)
    let extraPackets = large.packets - small.packets
    guard extraPackets > 0 else {
        fail("AllocationProbe: \(w.name): no more packets with \(2 * baseWrites) writes than with \(baseWrites)\n")
        exit(2)
    }
    let extraMallocs = large.mallocs - small.mallocs
    let perPacket = Double(extraMallocs) / Double(extraPackets)
    let bytesPerPacket = Double(large.mallocBytes - small.mallocBytes) / Double(extraPackets)
    for run in [small, large] {
        print("\(w.name): packets \(run.packets), datagrams received \(run.datagrams), "
              + "mallocs in run() \(run.mallocs) (\(run.mallocBytes) bytes), frees \(run.frees)")
    }
    headline.append("allocations per packet in steady state: \(format(perPacket)) "
                    + "(\(w.name); \(extraMallocs) mallocs for \(extraPackets) more packets, "
                    + "\(format(bytesPerPacket)) bytes per packet)")
    if extraMallocs != 0 { failures.append(w.name) }
}

// The component rigs: after a warm-up, N operations and then 2N must allocate the same (nothing).
@MainActor func probeRig(_ name: String, unit: String, warmUp: Int, operations: Int, _ operation: () throws -> Void) {
    do {
        for _ in 0..<warmUp { try operation() }
        let small = try countMallocs(operations, operation)
        let large = try countMallocs(2 * operations, operation)
        headline.append(
            "allocations per \(unit) in steady state: \(format(Double(large - small) / Double(operations))) "
                + "(\(name); \(small) mallocs in \(operations), \(large) in \(2 * operations))")
        if large != 0 || small != 0 { failures.append(name) }
    } catch {
        fail("AllocationProbe: \(name): \(error)\n")
        exit(2)
    }
}
do {
    let translation = try TranslationDMARig()
    probeRig("translation-dma", unit: "transfer", warmUp: 1000, operations: 10_000) { try translation.transfer() }
    let ring = try TxRingRig(destinations: 8, bytesPerEntry: 1472, segmentation: .driver)
    probeRig("tx-ring-cycle", unit: "write", warmUp: 200, operations: 1000) { try ring.cycle() }
    let segmenting = try TxRingRig(destinations: 8, bytesPerEntry: 64 * 1024, segmentation: .nic)
    probeRig("segmentation", unit: "write", warmUp: 20, operations: 100) { try segmenting.cycle() }
    let fabric = SwitchRig(destinations: 16)
    probeRig("switch-forwarding", unit: "burst", warmUp: 200, operations: 1000) { fabric.burst() }
} catch {
    fail("AllocationProbe: building a rig failed: \(error)\n")
    exit(2)
}

for line in headline { print(line) }
if check {
    if failures.isEmpty {
        print("allocation check passed: every figure is 0")
    } else {
        print("allocation check FAILED: \(failures.joined(separator: ", ")) allocate in steady state")
        exit(1)
    }
}
