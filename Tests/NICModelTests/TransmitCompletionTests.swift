import HostMemory
import NICModel
import SimCore
import Testing

/// When a transmit packet is done (datasheet §4.5): in the packet buffer by default (I210 §7.2.2.1), on the wire with
/// `RPS` (82544), write-backs batched by `TXDCTL.WTHRESH` and replaced by head write-back with `TDWBAL` (82576/I210).
///
/// Times are worked out by hand from datasheet §5 with the defaults: D = 500 ns, B = 3,938 MB/s, R = 10 Gb/s.
/// Every read crosses the link as completions of at most MPS = 256 bytes with 20 overhead bytes each (§5): n
/// descriptors are 16·n + 20·⌈16·n / 256⌉ bytes, a 100-byte buffer 120 bytes, a 1,514-byte one 1,514 + 6·20.
/// Transfers round up to a whole picosecond: 36 B = 9,142 ps, 52 B = 13,205 ps, 68 B = 17,268 ps, 116 B = 29,457 ps,
/// 120 B = 30,473 ps, 1,634 B = 414,932 ps.
@Suite("Transmit completion: packet buffer, RPS, WTHRESH, head write-back")
struct TransmitCompletionTests {
    static let length = 100

    /// TXDCTL of queue 0 with `ENABLE` and `WTHRESH` = `n`.
    static func enableWithThreshold(_ bench: Bench, _ n: UInt32) {
        bench.write(.transmitQueue(0, NICRegister.QueueOffset.control),
                    NICRegister.QueueOffset.enableBit | n << NICRegister.QueueOffset.writeBackThresholdShift)
    }

    /// The completion of packet `k` of `count` 100-byte single-descriptor packets posted with one doorbell at 0 on an
    /// idle NIC: the batch of `count` descriptors arrives at t1 = D + (16·count + 20·⌈16·count / 256⌉)/B; packet k's
    /// fetch is issued at t1 + k·(120/B) (the bus is busy with the ones before) and arrives D + 120/B later.
    static func done(_ k: Int, of count: Int, _ c: NICConfiguration) -> SimTime {
        let descriptorBytes = 16 * count + 20 * ((16 * count + 255) / 256)
        let t1 = SimTime.zero + c.dmaReadLatency + picoseconds(descriptorBytes, atPerSecond: c.dmaBytesPerSecond)
        return t1 + c.dmaReadLatency + picoseconds(length + 20, atPerSecond: c.dmaBytesPerSecond) * Int64(k + 1)
    }

    @Test("DD and TDH at doorbell + 2·D + (16 + f)/B: the packet is in the packet buffer, its bytes still there")
    func doneInPacketBuffer() throws {
        // One 1,514-byte packet, doorbell at 0: done at 2·500 ns + (16 + 20) B / 3,938 MB/s + (1,514 + 6·20) B /
        // 3,938 MB/s = 1,000 ns + 9.142 ns + 414.932 ns = 1,424.074 ns; its last bit (8 + 1,514 + 4)·8 = 12,208 bits
        // / 10 Gb/s = 1,220.8 ns later, at 2,644.874 ns.
        let bench = try Bench()
        let c = bench.nic.configuration
        bench.program(mask: .txDescriptorWritten)
        let indices = try bench.post(packetBytes(count: 1514, tag: 1), report: .last)
        bench.doorbell()
        let done = SimTime.zero + c.dmaReadLatency * 2 + picoseconds(16 + 20, atPerSecond: c.dmaBytesPerSecond)
            + picoseconds(1514 + 6 * 20, atPerSecond: c.dmaBytesPerSecond)
        #expect(done == .picoseconds(1_424_074))
        #expect(bench.run(until: SimTime(rawValue: done.rawValue - 1)) == .reachedTime)
        #expect(try bench.status(indices[0]) == [])
        #expect(bench.head == 0)
        #expect(bench.run(until: done) == .reachedTime)
        #expect(try bench.status(indices[0]) == .descriptorDone)
        #expect(bench.head == 1)
        #expect(bench.interrupts.times == [done])
        #expect(bench.wire.times.isEmpty)
        // TDH = TDT but the frame is still in the packet buffer: a head write is refused until it has left.
        bench.write(.tctl, 0)
        bench.write(.tdh, 0)
        #expect(bench.head == 1)
        #expect(bench.run() == .idle)
        #expect(bench.wire.times == [.picoseconds(2_644_874)])
    }

    @Test("a packet after an RPS packet is written back only after the RPS packet's last bit (ring order)")
    func reportSentHoldsLaterPackets() throws {
        // Packet 0 (100 B, RS|RPS) and packet 1 (100 B, RS), one doorbell. Packet 1 is fetched at done(1, of: 2) ≈
        // 1,074.151 ns, while packet 0 is on the wire; packet 0's last bit: done(0, of: 2) = 1,043.678 ns + (8 + 100
        // + 4)·8 bits / 10 Gb/s = 1,043.678 + 89.6 = 1,133.278 ns. Both are written back then, one interrupt.
        let bench = try Bench()
        let c = bench.nic.configuration
        bench.program(mask: .txDescriptorWritten)
        let a = try bench.post(packetBytes(count: Self.length, tag: 0), report: .last, first: .reportPacketSent)
        let b = try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        bench.doorbell()
        let lastBit0 = Self.done(0, of: 2, c) + .picoseconds(89_600)
        #expect(lastBit0 == .picoseconds(1_133_278))
        #expect(bench.run(until: SimTime(rawValue: lastBit0.rawValue - 1)) == .reachedTime)
        #expect(bench.head == 0)
        #expect(try bench.status(b[0]) == [])
        #expect(bench.run() == .idle)
        #expect(try bench.status(a[0]) == .descriptorDone)
        #expect(try bench.status(b[0]) == .descriptorDone)
        #expect(bench.interrupts.times == [lastBit0])
        #expect(bench.head == 2)
    }

    @Test("WTHRESH 4: six RS packets are written back four at the 4th completion, the last two when the queue is idle")
    func writeBackThreshold() throws {
        // Six 100-byte RS packets, one doorbell at 0. Completions done(k, of: 6) = 500 + 29.457 + 500 + (k + 1)·30.473
        // ns: the 4th (k = 3) at 1,151.349 ns, the 6th at 1,212.295 ns. Nothing is written before the 4th; then DD on
        // descriptors 0–3 and one interrupt; the 6th empties the queue, which writes 4 and 5 back (TXDW with TXQE).
        let bench = try Bench(ringSize: 16)
        let c = bench.nic.configuration
        bench.program(mask: .txDescriptorWritten, enable: false)
        Self.enableWithThreshold(bench, 4)
        bench.write(.tctl, TransmitControl.enable.rawValue)
        #expect(bench.read(.transmitQueue(0, NICRegister.QueueOffset.control))
                == NICRegister.QueueOffset.enableBit | 4 << 16)
        for i in 0..<6 { try bench.post(packetBytes(count: Self.length, tag: i), report: .last) }
        bench.doorbell()
        let fourth = Self.done(3, of: 6, c)
        let sixth = Self.done(5, of: 6, c)
        #expect(fourth == .picoseconds(1_151_349))
        #expect(sixth == .picoseconds(1_212_295))
        #expect(bench.run(until: SimTime(rawValue: fourth.rawValue - 1)) == .reachedTime)
        for i in 0..<3 { #expect(try bench.status(i) == []) }
        // TDH moves as packets complete; only their write-back waits.
        #expect(bench.head == 3)
        #expect(bench.run(until: fourth) == .reachedTime)
        for i in 0..<4 { #expect(try bench.status(i) == .descriptorDone) }
        #expect(try bench.status(4) == [])
        #expect(bench.run(until: SimTime(rawValue: sixth.rawValue - 1)) == .reachedTime)
        #expect(try bench.status(4) == [])
        #expect(bench.run() == .idle)
        for i in 0..<6 { #expect(try bench.status(i) == .descriptorDone) }
        #expect(bench.interrupts.times == [fourth, sixth])
        #expect(bench.nic.counters.descriptorsWrittenBack == 6)
    }

    @Test("WTHRESH 2 keeps RS: only report points are written back and counted")
    func writeBackThresholdKeepsReportStatus() throws {
        // Packets RS, none, RS (100 B each): the two report points are held and go out together at the third's
        // completion, done(2, of: 3) = 500 + 17.268 + 500 + 3·30.473 = 1,108.687 ns; descriptor 1 is never written.
        let bench = try Bench()
        let c = bench.nic.configuration
        bench.program(mask: .txDescriptorWritten, enable: false)
        Self.enableWithThreshold(bench, 2)
        bench.write(.tctl, TransmitControl.enable.rawValue)
        try bench.post(packetBytes(count: Self.length, tag: 0), report: .last)
        try bench.post(packetBytes(count: Self.length, tag: 1), report: .none)
        try bench.post(packetBytes(count: Self.length, tag: 2), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(Self.done(2, of: 3, c) == .picoseconds(1_108_687))
        #expect(bench.interrupts.times == [Self.done(2, of: 3, c)])
        #expect(try bench.status(0) == .descriptorDone)
        #expect(try bench.status(1) == [])
        #expect(try bench.status(2) == .descriptorDone)
    }

    @Test("held write-backs go out with any interrupt message (here an ICS write), TXDW with them")
    func heldWriteBacksFlushWithInterrupt() throws {
        // WTHRESH 8; two RS packets, then a descriptor without EOP (so the queue is never idle). Both packets are
        // done by done(1, of: 3) = 500 + 12.189 + 500 + 2·25.394 = 1,062.977 ns but held; then nothing happens. The
        // driver writes ICS = LSC: the message carries the write-backs, ICR shows TXDW and LSC.
        let bench = try Bench()
        bench.program(mask: [.txDescriptorWritten, .linkStatusChange], enable: false)
        Self.enableWithThreshold(bench, 8)
        bench.write(.tctl, TransmitControl.enable.rawValue)
        try bench.post(packetBytes(count: Self.length, tag: 0), report: .last)
        try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        try bench.append(TxDescriptor(bufferAddress: bench.bufferAddress(2).rawValue, length: 64, command: .insertFCS))
        bench.doorbell()
        #expect(bench.run() == .idle)
        let now = bench.simulator.now
        #expect(bench.wire.frames.count == 2)
        #expect(bench.head == 2)
        #expect(try bench.status(0) == [])
        #expect(bench.interrupts.count == 0)
        var icr: UInt32 = 0
        bench.interrupts.onInterrupt = { icr = bench.read(.icr) }
        bench.write(.ics, InterruptCause.linkStatusChange.rawValue)
        #expect(bench.interrupts.times == [now])
        #expect(InterruptCause(rawValue: icr) == [.txDescriptorWritten, .linkStatusChange, .interruptAsserted])
        #expect(try bench.status(0) == .descriptorDone)
        #expect(try bench.status(1) == .descriptorDone)
    }

    @Test("head write-back: the head index, 32-bit little-endian, at TDWBAL's address when DD would have been written")
    func headWriteBack() throws {
        // Two 100-byte RS packets, one doorbell at 0: done(0, of: 2) = 500 + 13.205 + 500 + 30.473 = 1,043.678 ns
        // writes 1, done(1, of: 2) = 1,074.151 ns writes 2. The descriptors' STA bytes stay 0.
        let bench = try Bench()
        let c = bench.nic.configuration
        let area = try bench.memory.allocateContiguous(bytes: 64)
        try bench.memory.writeUInt32LE(area, 0xFFFF_FFFF)
        bench.program(mask: .txDescriptorWritten)
        bench.write(
            .transmitQueue(0, NICRegister.QueueOffset.headWriteBackHigh),
            UInt32(truncatingIfNeeded: area.rawValue >> 32))
        bench.write(
            .transmitQueue(0, NICRegister.QueueOffset.headWriteBackLow), UInt32(truncatingIfNeeded: area.rawValue) | 1)
        #expect(bench.read(.transmitQueue(0, NICRegister.QueueOffset.headWriteBackLow))
                == UInt32(truncatingIfNeeded: area.rawValue) | 1)
        try bench.post(packetBytes(count: Self.length, tag: 0), report: .last)
        try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        bench.doorbell()
        let first = Self.done(0, of: 2, c)
        let second = Self.done(1, of: 2, c)
        #expect(first == .picoseconds(1_043_678) && second == .picoseconds(1_074_151))
        #expect(bench.run(until: SimTime(rawValue: first.rawValue - 1)) == .reachedTime)
        #expect(try bench.memory.readUInt32LE(area) == 0xFFFF_FFFF)
        #expect(bench.run(until: first) == .reachedTime)
        #expect(try bench.memory.readUInt32LE(area) == 1)
        #expect(bench.run() == .idle)
        #expect(try bench.memory.readUInt32LE(area) == 2)
        #expect(try bench.status(0) == [])
        #expect(try bench.status(1) == [])
        #expect(bench.interrupts.times == [first, second])
        #expect(bench.wire.frames.count == 2)
    }

    @Test("head write-back to an address that faults: the write is lost, the head register moves, frames still go")
    func headWriteBackFault() throws {
        let bench = try Bench()
        bench.program(mask: .txDescriptorWritten)
        bench.write(.transmitQueue(0, NICRegister.QueueOffset.headWriteBackHigh), 0xFFFF)
        bench.write(.transmitQueue(0, NICRegister.QueueOffset.headWriteBackLow), 0x1000 | 1)
        try bench.post(packetBytes(count: Self.length, tag: 0), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.head == 1)
        #expect(bench.wire.frames.count == 1)
        #expect(bench.interrupts.count == 1)
        #expect(bench.nic.counters.descriptorsWrittenBack == 0)
    }

    @Test(
        "status and command bits: DD on bit 0, nicsim's own errors on the 8254x's reserved bits 4-7, RPS on CMD bit 4")
    func statusBits() {
        #expect(TxStatus.descriptorDone.rawValue == 1 << 0)
        #expect([TxStatus.dmaError, .lengthError, .formatError, .late].map(\.rawValue) == [16, 32, 64, 128])
        #expect(TxCommand.reportPacketSent.rawValue == 1 << 4)
        #expect(TxCommand.reportStatus.rawValue == 1 << 3)
    }
}
