// Allocations per packet in steady state, for the whole-path world of the WholePath benchmark.
//
// Each mode is measured by building a world with N writes and one with 2N writes and counting only the
// mallocs inside `world.run()` (construction is excluded). The difference divided by the difference in packets
// cancels per-run constants (lazy first-use allocations, ring and queue growth up to their high-water mark), so
// what remains is the allocation cost of one more packet. A zero-copy figure of 0 is the STYLE.md requirement.
//
// On Linux malloc is counted by ordo-one/malloc-interposer, which must be preloaded. When it is not, the probe
// re-executes itself with LD_PRELOAD pointing at libMallocInterposerSwift.so next to its own binary.

import MallocInterposerSwift
import Scenarios
import WholePathWorkload

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
func measure(mode: DriverMode, writes: Int) -> RunCount {
    let world: World
    do {
        world = try WholePathWorkload.makeWorld(mode: mode, writes: writes)
    } catch {
        fail("AllocationProbe: world construction failed: \(error)\n")
        exit(1)
    }
    MallocInterposerSwift.reset()
    MallocInterposerSwift.hook()
    let outcome = world.run()
    MallocInterposerSwift.unhook()
    let stats = MallocInterposerSwift.getStatistics()
    guard outcome == .idle else {
        fail("AllocationProbe: run ended with \(outcome), expected .idle\n")
        exit(1)
    }
    return RunCount(packets: WholePathWorkload.packets(world), datagrams: WholePathWorkload.datagramsReceived(world),
                    mallocs: stats.mallocCount, mallocBytes: stats.mallocBytesCount, frees: stats.freeCount)
}

func format(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return scaled == 0 ? "0" : "\(scaled)"
}

if !interposerIsActive() {
    #if os(Linux)
    reexecWithInterposer()
    #else
    fail("AllocationProbe: malloc is not being counted (run with DYLD_INSERT_LIBRARIES)\n")
    exit(2)
    #endif
}

let baseWrites = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 100

// Warm-up: pays the process's one-time lazy allocations (type metadata, first-use caches) before either measured
// run, so they do not land in the N run only and bias the difference downwards.
_ = measure(mode: .zeroCopy, writes: 4)
_ = measure(mode: .copy, writes: 4)

var headline: [String] = []
for mode in [DriverMode.zeroCopy, .copy] {
    let small = measure(mode: mode, writes: baseWrites)
    let large = measure(mode: mode, writes: 2 * baseWrites)
    let extraPackets = large.packets - small.packets
    guard extraPackets > 0 else {
        fail("AllocationProbe: no more packets with \(2 * baseWrites) writes than with \(baseWrites)\n")
        exit(1)
    }
    let perPacket = Double(large.mallocs - small.mallocs) / Double(extraPackets)
    let bytesPerPacket = Double(large.mallocBytes - small.mallocBytes) / Double(extraPackets)
    for (writes, run) in [(baseWrites, small), (2 * baseWrites, large)] {
        print("\(mode.rawValue) \(writes) writes: packets \(run.packets), datagrams received \(run.datagrams), "
              + "mallocs in run() \(run.mallocs) (\(run.mallocBytes) bytes), frees \(run.frees)")
    }
    headline.append("allocations per packet in steady state: \(format(perPacket)) "
                    + "(\(mode.rawValue); \(format(bytesPerPacket)) bytes per packet)")
}
for line in headline { print(line) }
