import HostMemory
import NICModel
@testable import NICSimTesting
import SimCore
import Testing
import WireFormats

/// One row of the transmit moderation table: a driver's actions in virtual time and the interrupts they must cause.
///
/// Every packet is 100 bytes in one descriptor with `IDE` set. Expected interrupt times are written by hand from the
/// rules of `InterruptModeration.md`, anchored at packet completions (the packet is in the transmit packet buffer,
/// datasheet §4.5) or at absolute times.
struct TxModerationCase: Sendable, CustomTestStringConvertible {
    enum Step: Sendable {
        /// Post one packet (RS when `report`) and ring the doorbell at `ns`.
        case post(ns: Int64, report: Bool)
        /// Write TIDV with FPD (bit 31) at `ns`.
        case flush(ns: Int64)
        /// Read ICR (read-to-clear) at `ns`.
        case readICR(ns: Int64)
    }

    enum At: Sendable {
        /// Completion of packet `k` plus `ns` nanoseconds.
        case completion(Int, plus: Int64)
        /// An absolute virtual time in nanoseconds.
        case time(Int64)
    }

    var name: String
    var itr: UInt32 = 0
    var tidv: UInt32 = 0
    var tadv: UInt32 = 0
    var txft: UInt32 = 0
    var steps: [Step]
    var expected: [At]
    var testDescription: String { name }

    /// `count` packets with RS, every `every` µs from `from` µs.
    static func posts(count: Int, every: Int64, from: Int64 = 0) -> [Step] {
        (0..<count).map { .post(ns: (from + Int64($0) * every) * 1_000, report: true) }
    }

    static func c(_ k: Int, _ plus: Int64 = 0) -> At { .completion(k, plus: plus) }
}

@Suite("Interrupt moderation through the NIC: registers, IDE descriptors, interrupt times")
struct ModerationThroughNICTests {
    static let length = 100

    /// Doorbell to last bit of a lone 100-byte packet on an idle NIC (datasheet timing model): two DMA round trips,
    /// one descriptor and the buffer across the bus, each in one completion TLP of 20 overhead bytes (16 + 20 and
    /// 100 + 20 link bytes), then preamble + frame + FCS on the wire.
    static func doorbellToLastBit(_ c: NICConfiguration) -> SimDuration {
        c.dmaReadLatency * 2 + picoseconds(TxDescriptor.size + 20, atPerSecond: c.dmaBytesPerSecond)
            + picoseconds(length + 20, atPerSecond: c.dmaBytesPerSecond)
            + picoseconds((EthernetFraming.preambleBytes + length + EthernetFraming.fcsBytes) * 8,
                          atPerSecond: c.lineRate)
    }

    /// Doorbell to completion of a lone 100-byte packet on an idle NIC (datasheet §4.5, §5): two DMA round trips,
    /// one descriptor and the buffer across the bus, each read one completion TLP with 20 overhead bytes:
    /// 2·500 ns + (16 + 20) B / 3,938 MB/s + (100 + 20) B / 3,938 MB/s ≈ 1.040 µs by default.
    static func doorbellToDone(_ c: NICConfiguration) -> SimDuration {
        c.dmaReadLatency * 2 + picoseconds(TxDescriptor.size + 20, atPerSecond: c.dmaBytesPerSecond)
            + picoseconds(length + 20, atPerSecond: c.dmaBytesPerSecond)
    }

    // Units: ITR 256 ns, TIDV/TADV 1.024 µs. ITR 40 = 10.24 µs, TIDV 10 = 10.24 µs, TADV 32 = 32.768 µs.
    static let cases: [TxModerationCase] = {
        typealias C = TxModerationCase
        return [
            C(name: "all off: one interrupt per packet at its completion",
              steps: [0, 5, 10, 12].map { .post(ns: $0 * 1_000, report: true) },
              expected: [C.c(0), C.c(1), C.c(2), C.c(3)]),
            C(name: "RS only on the last packet: one interrupt at its completion",
              steps: [0, 3, 6, 9].map { .post(ns: $0 * 1_000, report: $0 == 9) },
              expected: [C.c(3)]),
            C(name: "ITR 10.24 µs, completions every 1 µs: the first at once, then one per interval",
              itr: 40, steps: C.posts(count: 21, every: 1),
              expected: [C.c(0), C.c(0, 10_240), C.c(0, 20_480)]),
            C(name: "TIDV 10.24 µs re-armed every 2 µs: starvation, one interrupt after the load stops",
              tidv: 10, steps: C.posts(count: 50, every: 2),
              expected: [C.c(49, 10_240)]),
            C(name: "TIDV 10.24 µs + TADV 32.768 µs under the same load: bounded every TADV",
              tidv: 10, tadv: 32, steps: C.posts(count: 50, every: 2),
              // Batches open at completions 0, 17 (34 µs > 32.768), 34 (68 µs > 66.768).
              expected: [C.c(0, 32_768), C.c(17, 32_768), C.c(34, 32_768)]),
            C(name: "TADV alone: owed TADV after the batch's first completion",
              tadv: 32, steps: C.posts(count: 30, every: 2),
              expected: [C.c(0, 32_768), C.c(17, 32_768)]),
            C(name: "TXFT 4 with TIDV 5.12 µs: at the 4th and 8th completion, the tail by the timer",
              tidv: 5, txft: 4, steps: C.posts(count: 10, every: 1),
              expected: [C.c(3), C.c(7), C.c(9, 5_120)]),
            C(name: "TXFT 4 alone strands the tail until a flush (TIDV.FPD) at 20 µs",
              txft: 4, steps: C.posts(count: 10, every: 1) + [.flush(ns: 20_000)],
              expected: [C.c(3), C.c(7), .time(20_000)]),
            C(name: "a flush cuts a long TIDV short",
              tidv: 100, steps: C.posts(count: 2, every: 2) + [.flush(ns: 10_000)],
              expected: [.time(10_000)]),
            C(name: "a flush with nothing waiting does nothing",
              tidv: 10, steps: C.posts(count: 1, every: 1) + [.flush(ns: 30_000)],
              expected: [C.c(0, 10_240)]),
            C(name: "ITR 10.24 µs with TXFT 2: the first owed interrupt at once, the next at the interval's end",
              itr: 40, txft: 2, steps: C.posts(count: 4, every: 1),
              expected: [C.c(1), C.c(1, 10_240)]),
            C(name: "ICR read before the ITR-postponed interrupt: nothing left to report, none sent",
              itr: 40, steps: C.posts(count: 2, every: 2) + [.readICR(ns: 5_000)],
              expected: [C.c(0)]),
            C(name: "ICR read, then a new completion inside the window: sent at the window's end",
              itr: 40,
              steps: C.posts(count: 2, every: 2) + [.readICR(ns: 5_000), .post(ns: 6_000, report: true)],
              expected: [C.c(0), C.c(0, 10_240)]),
            // The completion's TXDW is held on the TX path until TIDV expires (datasheet §6.1 rule 1): the poll
            // at 3 µs reads 0 and clears nothing, so each batch interrupts at its delay's end.
            C(name: "ICR polled while TIDV runs reads nothing (the cause is held); each batch interrupts",
              tidv: 10,
              steps: [.post(ns: 0, report: true), .readICR(ns: 3_000), .post(ns: 20_000, report: true)],
              expected: [C.c(0, 10_240), C.c(1, 10_240)]),
        ]
    }()

    @Test("interrupt times for a table of driver actions and moderation registers", arguments: cases)
    func table(_ row: TxModerationCase) throws {
        let bench = try Bench(ringSize: 64)
        bench.program(mask: [.txDescriptorWritten, .txDescriptorError])
        bench.moderate(itr: row.itr, tidv: row.tidv, tadv: row.tadv, txft: row.txft)
        let script = Script(simulator: bench.simulator)
        var postTimes: [SimTime] = []
        var tag = 0
        for step in row.steps {
            switch step {
            case .post(let ns, let report):
                postTimes.append(.nanoseconds(ns))
                let packet = packetBytes(count: Self.length, tag: tag)
                tag += 1
                script.add(at: .nanoseconds(ns)) {
                    _ = try? bench.post(packet, report: report ? .last : .none, first: .interruptDelay)
                    bench.doorbell()
                }
            case .flush(let ns):
                script.add(at: .nanoseconds(ns)) { bench.write(.tidv, 1 << 31 | row.tidv) }
            case .readICR(let ns):
                script.add(at: .nanoseconds(ns)) { _ = bench.read(.icr) }
            }
        }
        #expect(bench.run() == .idle)

        // Each packet meets an idle NIC, so it completes (and later leaves) a fixed time after its doorbell.
        let completions = postTimes.map { $0 + Self.doorbellToDone(bench.nic.configuration) }
        #expect(bench.wire.times == postTimes.map { $0 + Self.doorbellToLastBit(bench.nic.configuration) })
        let expected = row.expected.map { at -> SimTime in
            switch at {
            case .completion(let k, let plus): completions[k] + .nanoseconds(plus)
            case .time(let ns): .nanoseconds(ns)
            }
        }
        #expect(bench.interrupts.times == expected)
        #expect(bench.nic.counters.interrupts == UInt64(expected.count))
    }

    @Test("TIDV delays a lone IDE packet's interrupt; the same packet without IDE interrupts at once")
    func ideSelectsDelay() throws {
        for ide in [true, false] {
            let bench = try Bench()
            bench.program(mask: [.txDescriptorWritten, .txDescriptorError])
            bench.moderate(tidv: 10)
            try bench.post(packetBytes(count: Self.length, tag: 1), report: .last, first: ide ? .interruptDelay : [])
            bench.doorbell()
            #expect(bench.run() == .idle)
            let done = SimTime.zero + Self.doorbellToDone(bench.nic.configuration)
            #expect(bench.interrupts.times == [ide ? done + .nanoseconds(10_240) : done])
        }
    }

    @Test("a driver that reads ICR in its handler sees each batch's causes once, and ICR is clear after")
    func handlerReadsICR() throws {
        let bench = try Bench(ringSize: 64)
        bench.program(mask: [.txDescriptorWritten, .txDescriptorError])
        bench.moderate(itr: 40)
        var seen: [InterruptCause] = []
        bench.interrupts.onInterrupt = { seen.append(InterruptCause(rawValue: bench.read(.icr))) }
        let script = Script(simulator: bench.simulator)
        for i in 0..<5 {
            script.add(at: .microseconds(Int64(i))) {
                _ = try? bench.post(packetBytes(count: Self.length, tag: i), report: .last, first: .interruptDelay)
                bench.doorbell()
            }
        }
        #expect(bench.run() == .idle)
        let first = SimTime.zero + Self.doorbellToDone(bench.nic.configuration)
        #expect(bench.interrupts.times == [first, first + .nanoseconds(10_240)])
        // The last packet emptied the ring: TXQE is in ICR though masked.
        #expect(
            seen == [
                [.txDescriptorWritten, .interruptAsserted], [.txDescriptorWritten, .txQueueEmpty, .interruptAsserted],
            ])
        #expect(bench.read(.icr) == 0)
    }

    @Test("a masked TXQE does not make an IDE completion interrupt at once")
    func maskedQueueEmptyDoesNotDefeatDelay() throws {
        let bench = try Bench()
        bench.program(mask: .txDescriptorWritten)
        bench.moderate(tidv: 4)
        try bench.post(packetBytes(count: Self.length, tag: 0), report: .last, first: .interruptDelay)
        bench.doorbell()
        #expect(bench.run() == .idle)
        let done = SimTime.zero + Self.doorbellToDone(bench.nic.configuration)
        #expect(bench.interrupts.times == [done + .nanoseconds(4_096)])
        #expect(InterruptCause(rawValue: bench.read(.icr)) == [.txDescriptorWritten, .txQueueEmpty, .interruptAsserted])
    }

    @Test("an enabled TXQE may not wait: it takes the delayed completion along at once")
    func enabledQueueEmptyIsImmediate() throws {
        let bench = try Bench()
        bench.program(mask: [.txDescriptorWritten, .txQueueEmpty])
        bench.moderate(tidv: 4)
        try bench.post(packetBytes(count: Self.length, tag: 0), report: .last, first: .interruptDelay)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.interrupts.times == [SimTime.zero + Self.doorbellToDone(bench.nic.configuration)])
    }
}
