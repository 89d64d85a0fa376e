import HostMemory
import NICModel
@testable import NICSimTesting
import SimCore
import Testing
import WireFormats

/// The receive packet buffer (datasheet §11.2–11.3), RXDMT0 (§6.1) and the destination address filter (§11.4).
///
/// Figures with the defaults: D = 500 ns, B = 3,938 MB/s, 10 Gb/s; transfer times rounded up to a picosecond.
/// Every receive DMA also pays 20 overhead bytes per TLP (§5, MPS 256): one completion of the descriptor read, one
/// write-back, and ⌈length / 256⌉ writes of the frame.
/// A 1,514-byte frame: 12,304 bits on the wire with preamble, FCS and gap = 1,230,400 ps; its DMA (1,514 + 32 bytes
/// + 8 TLPs × 20) 1,706 / B = 433,215 ps. A 60-byte frame: 672 bits = 67,200 ps; DMA of 92 + 3 × 20 = 152 bytes =
/// 38,599 ps. A 500-byte frame: DMA of 532 + 4 × 20 = 612 bytes = 155,409 ps.
@Suite("Receive in order: packet buffer, RXO/MPC, RXDMT0, address filter")
struct ReceiveOrderTests {
    static func udpFrame(length: Int, tag: Int) -> [UInt8] { ReceivePathTests.udpFrame(length: length, tag: tag) }

    @Test("a short frame right behind a long one is written after it: one receive DMA at a time, in arrival order")
    func shortAfterLong() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 16)
        rx.program(tail: 15)
        let long = Self.udpFrame(length: 1514, tag: 1)
        let short = Self.udpFrame(length: 60, tag: 2)
        let arrivals = ReceivePathTests.deliverBackToBack(bench, [long, short])
        #expect(bench.run() == .idle)
        // Long: last bit at 1 µs + 1,230,400 ps = 2,230,400 ps; its DMA is issued then, its bytes have crossed at
        // 2,230,400 + 433,215 = 2,663,615 ps, it lands at 2,230,400 + 500,000 + 433,215 = 3,163,615 ps.
        // Short: last bit 67,200 ps later (2,297,600 ps) but issued only when the long one's bytes have crossed
        // (2,663,615 ps): lands at 2,663,615 + 500,000 + 38,599 = 3,202,214 ps. (Each on its own, as before, the
        // short one would have landed at 2,297,600 + 538,599 = 2,836,199 ps, before the long one.)
        #expect(arrivals == [.picoseconds(2_230_400), .picoseconds(2_297_600)])
        #expect(bench.interrupts.times == [.picoseconds(3_163_615), .picoseconds(3_202_214)])
        #expect(Int(try rx.descriptor(0).length) == 1514)
        #expect(try rx.buffer(0, count: 1514) == long)
        #expect(Int(try rx.descriptor(1).length) == 60)
        #expect(try rx.buffer(1, count: 60) == short)
        #expect(rx.head == 2)
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("a frame waiting for descriptors stays in the packet buffer and is written when RDT moves; no RXO, no MPC")
    func waitsForDescriptors() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 16)
        rx.program(tail: 0, mask: [.rxTimer, .rxOverrun])
        let a = Self.udpFrame(length: 500, tag: 1)
        let b = Self.udpFrame(length: 500, tag: 2)
        let script = Script(simulator: bench.simulator)
        script.add(at: .microseconds(1)) { bench.deliver(a) }
        script.add(at: .microseconds(2)) { bench.deliver(b) }
        script.add(at: .microseconds(10)) { rx.setTail(1) }
        script.add(at: .microseconds(20)) { rx.setTail(2) }
        #expect(bench.run() == .idle)
        // RDT = 1 at 10 µs frees one descriptor: A is issued then and lands 500,000 + 155,409 ps later; B, behind
        // it, waits for RDT = 2 at 20 µs and lands at 20 µs + 655,409 ps.
        #expect(bench.interrupts.times == [.picoseconds(10_655_409), .picoseconds(20_655_409)])
        #expect(try rx.buffer(0, count: 500) == a)
        #expect(try rx.buffer(1, count: 500) == b)
        #expect(bench.read(.mpc) == 0)
        #expect(bench.nic.counters.rxDroppedNoBuffer == 0)
        #expect(!InterruptCause(rawValue: bench.read(.icr)).contains(.rxOverrun))
        #expect(bench.read(.gprc) == 2)
        #expect(rx.head == 2)
    }

    @Test("RXO and MPC only when the 48 KiB packet buffer has no room: 32 full frames fit, the 33rd is missed")
    func overflow() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 64)
        rx.program(tail: 0, mask: [.rxOverrun])
        // The handler reads ICR, as a driver does: each RXO is a message of its own.
        bench.interrupts.onInterrupt = { _ = bench.read(.icr) }
        let full = (0..<33).map { Self.udpFrame(length: 1514, tag: $0) }
        let small = Self.udpFrame(length: 60, tag: 99)
        let arrivals = ReceivePathTests.deliverBackToBack(bench, full + [small])
        Script(simulator: bench.simulator).add(at: .microseconds(100)) { rx.setTail(63) }
        #expect(bench.run() == .idle)
        // A 1,514-byte frame takes (1,514 + 4 FCS) rounded up to 16 = 1,520, plus a 16-byte header = 1,536 bytes;
        // 32 of them fill 49,152 = 48 KiB exactly. Frame 33 (last bit at 1 µs + 33 × 1,230,400 ps = 41,603,200 ps)
        // finds no room: RXO at once. The 60-byte frame behind it needs (64 rounded to 16) + 16 = 80 bytes: no room
        // either, RXO at 41,603,200 + 67,200 = 41,670,400 ps. Nothing is missed before the buffer is full.
        #expect(arrivals[32] == .picoseconds(41_603_200))
        #expect(bench.interrupts.times == [.picoseconds(41_603_200), .picoseconds(41_670_400)])
        #expect(bench.read(.mpc) == 2)
        #expect(bench.nic.counters.rxDroppedNoBuffer == 2)
        // RDT = 63 at 100 µs: the 32 frames go in arrival order, one every 433,215 ps; the last is issued at
        // 100 µs + 31 × 433,215 ps and lands 933,215 ps later: 100,000,000 + 13,862,880 + 500,000 = 114,362,880 ps.
        for i in 0..<32 { #expect(try rx.buffer(i, count: 1514) == full[i], "descriptor \(i)") }
        #expect(bench.read(.gprc) == 32)
        #expect(rx.head == 32)
        #expect(bench.simulator.now == .picoseconds(114_362_880))
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("the packet buffer counts what it stores per frame: frame + FCS rounded to 16 bytes, plus 16")
    func perFrameStorage() throws {
        // 1,536 (a 1,514-byte frame) + 80 (a 60-byte frame) = 1,616 bytes: room for exactly those two.
        let bench = try Bench(configuration: NICConfiguration(rxPacketBufferBytes: 1_616))
        let rx = try RxRingDriver(bench: bench, ringSize: 8)
        rx.program(tail: 0, mask: [.rxOverrun])
        let frames = [Self.udpFrame(length: 1514, tag: 1), Self.udpFrame(length: 60, tag: 2),
                      Self.udpFrame(length: 60, tag: 3)]
        let arrivals = ReceivePathTests.deliverBackToBack(bench, frames)
        #expect(bench.run() == .idle)
        #expect(bench.interrupts.times == [arrivals[2]])
        #expect(bench.read(.mpc) == 1)
        rx.setTail(7)
        #expect(bench.run() == .idle)
        #expect(try rx.buffer(0, count: 1514) == frames[0])
        #expect(try rx.buffer(1, count: 60) == frames[1])
        #expect(bench.read(.gprc) == 2)
    }

    /// RCTL.RDMTS → the crossing frame's number and time. Ring of 16, RDT = 15: 15 free descriptors; frame n
    /// (60 bytes, last bit at n µs, one descriptor) leaves 15 − n free. The threshold is 16/2 = 8 (n = 7), 16/4 = 4
    /// (n = 11), 16/8 = 2 (n = 13); RDMTS = 11 is reserved: never.
    static let thresholds: [(UInt32, [Int64])] = [(0, [7]), (1, [11]), (2, [13]), (3, [])]

    @Test("RXDMT0 when a queue's free descriptors fall to the RDMTS fraction of the ring, once per crossing",
          arguments: thresholds)
    func descriptorThreshold(rdmts: UInt32, expected: [Int64]) throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 16)
        rx.program(tail: 15, mask: .rxDescriptorsExhausted)
        bench.write(.rctl, bench.read(.rctl) | rdmts << 8)
        // The handler reads ICR, as a driver does, so the RXT0 causes that follow (masked) interrupt no more.
        bench.interrupts.onInterrupt = { _ = bench.read(.icr) }
        let script = Script(simulator: bench.simulator)
        let frame = Self.udpFrame(length: 60, tag: 0)
        for n in 1...14 { script.add(at: .microseconds(Int64(n))) { bench.deliver(frame) } }
        #expect(bench.run() == .idle)
        // The cause is raised when the crossing frame's descriptors are reserved, at its last bit (DMA idle).
        #expect(bench.interrupts.times == expected.map { .microseconds($0) })
        #expect(bench.read(.gprc) == 14)
        #expect(bench.read(.mpc) == 0)
    }

    struct FilterCase: Sendable, CustomTestStringConvertible {
        var name: String
        var destination: [UInt8]
        var control: ReceiveControl
        /// Register writes (offset, value) before the frame arrives.
        var writes: [(UInt32, UInt32)] = []
        var accepted: Bool
        var testDescription: String { name }
    }

    static let station: [UInt8] = [0x02, 0, 0, 0, 0, 0x02]
    static let other: [UInt8] = [0x02, 0, 0, 0, 0, 0x03]
    static let broadcast: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    static let group: [UInt8] = [0x01, 0x00, 0x5E, 0x7F, 0xAB, 0xCD]
    static let av: UInt32 = 1 << 31

    /// MTA hash of 01:00:5E:7F:AB:CD (byte 4 = 0xAB, byte 5 = 0xCD) by MO, as (MTA register, bit):
    /// 00: (0xAB >> 4 | 0xCD << 4) & 0xFFF = 0xCDA → register 102, bit 26;
    /// 01: (0xAB >> 3 | 0xCD << 5) & 0xFFF = 0x9B5 → register 77, bit 21;
    /// 10: (0xAB >> 2 | 0xCD << 6) & 0xFFF = 0x36A → register 27, bit 10;
    /// 11: (0xAB | 0xCD << 8) & 0xFFF = 0xDAB → register 109, bit 11.
    static let mtaBits: [(UInt32, UInt32)] = [(102, 26), (77, 21), (27, 10), (109, 11)]
    static func mta(_ mo: Int) -> (UInt32, UInt32) { (0x5200 + 4 * mtaBits[mo].0, 1 << mtaBits[mo].1) }

    static let filterCases: [FilterCase] = [
        FilterCase(
            name: "station address (RAL0/RAH0 loaded at reset)", destination: station, control: [], accepted: true),
        FilterCase(name: "another unicast address", destination: other, control: [], accepted: false),
        FilterCase(
            name: "another unicast address, UPE", destination: other, control: .unicastPromiscuous, accepted: true),
        FilterCase(
            name: "another unicast address, MPE", destination: other, control: .multicastPromiscuous, accepted: false),
        FilterCase(
            name: "unicast in RAL5/RAH5 with AV", destination: other, control: [],
            writes: [(0x5428, 0x0000_0002), (0x542C, 0x0300 | av)], accepted: true),
        FilterCase(
            name: "unicast in RAL5/RAH5 without AV", destination: other, control: [],
            writes: [(0x5428, 0x0000_0002), (0x542C, 0x0300)], accepted: false),
        FilterCase(
            name: "unicast in RAL5/RAH5 with AV, AS = 01 (source)", destination: other, control: [],
            writes: [(0x5428, 0x0000_0002), (0x542C, 0x0300 | 1 << 16 | av)], accepted: false),
        FilterCase(
            name: "station address after the driver cleared RAH0.AV", destination: station, control: [],
            writes: [(0x5404, 0x0200)], accepted: false),
        FilterCase(name: "broadcast", destination: broadcast, control: [], accepted: false),
        FilterCase(name: "broadcast, BAM", destination: broadcast, control: .broadcastAccept, accepted: true),
        FilterCase(name: "broadcast, MPE", destination: broadcast, control: .multicastPromiscuous, accepted: true),
        FilterCase(name: "broadcast, UPE", destination: broadcast, control: .unicastPromiscuous, accepted: false),
        FilterCase(name: "multicast", destination: group, control: [], accepted: false),
        FilterCase(name: "multicast, MPE", destination: group, control: .multicastPromiscuous, accepted: true),
        FilterCase(name: "multicast, UPE", destination: group, control: .unicastPromiscuous, accepted: false),
        FilterCase(name: "multicast, BAM", destination: group, control: .broadcastAccept, accepted: false),
        FilterCase(
            name: "multicast in RAL1/RAH1", destination: group, control: [],
            writes: [(0x5408, 0x7F5E_0001), (0x540C, 0xCDAB | av)], accepted: true),
        FilterCase(
            name: "multicast, MTA bit for MO = 00", destination: group, control: [], writes: [mta(0)],
            accepted: true),
        FilterCase(
            name: "multicast, MTA bit for MO = 01", destination: group, control: ReceiveControl(rawValue: 1 << 12),
            writes: [mta(1)], accepted: true),
        FilterCase(
            name: "multicast, MTA bit for MO = 10", destination: group, control: ReceiveControl(rawValue: 2 << 12),
            writes: [mta(2)], accepted: true),
        FilterCase(
            name: "multicast, MTA bit for MO = 11", destination: group, control: ReceiveControl(rawValue: 3 << 12),
            writes: [mta(3)], accepted: true),
        FilterCase(
            name: "multicast, MO = 00 but the MTA bit of MO = 11", destination: group, control: [],
            writes: [mta(3)], accepted: false),
    ]

    @Test("destination address filter: RAL/RAH with AV, MTA by MO, UPE, MPE, BAM", arguments: filterCases)
    func addressFilter(_ c: FilterCase) throws {
        let bench = try Bench(configuration: NICConfiguration(stationAddress: MACAddress(0x02, 0, 0, 0, 0, 0x02)))
        // The station address is in entry 0 with AV from reset: 02:00:00:00:00:02, first byte in RAL bits 7:0.
        #expect(bench.read(.ral) == 0x0000_0002)
        #expect(bench.read(.rah) == 0x8000_0200)
        let rx = try RxRingDriver(bench: bench, ringSize: 8)
        rx.program(tail: 7, filter: c.control)
        for (offset, value) in c.writes { bench.write(NICRegister(rawValue: offset), value) }
        #expect(bench.read(.raec) == 0)
        var frame = Self.udpFrame(length: 100, tag: 1)
        frame.replaceSubrange(0..<6, with: c.destination)
        bench.deliver(frame)
        #expect(bench.run() == .idle)
        #expect(bench.nic.counters.framesReceived == (c.accepted ? 1 : 0))
        #expect(bench.nic.counters.rxDroppedFiltered == (c.accepted ? 0 : 1))
        #expect(bench.read(.mpc) == 0)
        if c.accepted { #expect(try rx.buffer(0, count: frame.count) == frame) }
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("reset reloads the station address into entry 0 and clears the other entries and the multicast table")
    func resetReloadsStationAddress() throws {
        let bench = try Bench(
            configuration: NICConfiguration(stationAddress: MACAddress(0x02, 0x11, 0x22, 0x33, 0x44, 0x55)))
        #expect(bench.read(.ral) == 0x3322_1102)
        #expect(bench.read(.rah) == 0x8000_5544)
        bench.write(.ral, 0xDEAD_BEEF)
        bench.write(.receiveAddressHigh(3), 0xFFFF_FFFF)
        bench.write(.multicastTable(127), 0x1234_5678)
        // RAH stores bits 31, 17:16 and 15:0 only.
        #expect(bench.read(.receiveAddressHigh(3)) == 0x8003_FFFF)
        #expect(bench.read(.multicastTable(127)) == 0x1234_5678)
        bench.write(.ctrl, 1 << 26)
        #expect(bench.read(.ral) == 0x3322_1102)
        #expect(bench.read(.rah) == 0x8000_5544)
        #expect(bench.read(.receiveAddressHigh(3)) == 0)
        #expect(bench.read(.multicastTable(127)) == 0)
        // Without a station address (a blank EEPROM) entry 0 is 0 and not valid.
        let blank = try Bench()
        #expect(blank.read(.ral) == 0 && blank.read(.rah) == 0)
        #expect(blank.read(.raec) == 0 && bench.read(.raec) == 0)
    }
}
