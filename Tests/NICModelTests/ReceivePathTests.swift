import HostMemory
import NICModel
@testable import NICSimTesting
import SimCore
import Testing
import WireFormats

@Suite("Receive path: RX ring, write-back, drops, moderation")
struct ReceivePathTests {
    /// A good UDP frame of `length` bytes (42-byte header + payload) with correct checksums.
    static func udpFrame(length: Int, tag: Int) -> [UInt8] {
        Templates.frame(Templates.udp, payload: packetBytes(count: length - 42, tag: tag)[...],
                        identification: UInt16(truncatingIfNeeded: tag))
    }

    static func wireTime(_ length: Int, _ c: NICConfiguration) -> SimDuration {
        picoseconds(
            (EthernetFraming.preambleBytes + max(length, EthernetFraming.minimumFrameBytes) + EthernetFraming.fcsBytes
                + EthernetFraming.interPacketGapBytes) * 8, atPerSecond: c.lineRate)
    }

    /// Schedules `frames` back to back at line rate (each arrives one wire time plus gap after the one before).
    static func deliverBackToBack(_ bench: Bench, _ frames: [[UInt8]], from start: SimTime = .microseconds(1))
        -> [SimTime]
    {
        let script = Script(simulator: bench.simulator)
        var t = start
        var times: [SimTime] = []
        for frame in frames {
            t += wireTime(frame.count, bench.nic.configuration)
            times.append(t)
            script.add(at: t) { bench.deliver(frame) }
        }
        return times
    }

    static let good: RxStatus = [.descriptorDone, .endOfPacket, .ipChecksumChecked, .udpChecksumChecked]

    /// The bytes a frame's receive DMA puts on the bus (datasheet §11.2, §5): length + 32·k + 20·t, with t TLPs of 20
    /// overhead bytes each (MPS 256): ⌈16·k / 256⌉ completions of the descriptor read, k write-backs, and ⌈c / 256⌉
    /// writes for each buffer's share c of the frame.
    static func busBytes(length: Int, bufferSize: Int = 2048) -> Int {
        let k = (length + bufferSize - 1) / bufferSize
        var t = (16 * k + 255) / 256 + k
        for i in 0..<k { t += (min(bufferSize, length - i * bufferSize) + 255) / 256 }
        return length + 2 * RxDescriptor.size * k + 20 * t
    }

    /// When frames' DMAs complete (datasheet §11.2 step 3, §5): frame i is issued at the later of its last bit and
    /// the moment the previous frame's bytes have crossed the bus, and lands D + ``busBytes(length:bufferSize:)`` / B
    /// after that.
    static func inOrderLandings(_ arrivals: [SimTime], lengths: [Int], bufferSize: Int = 2048, _ c: NICConfiguration)
        -> [SimTime]
    {
        var busFree = SimTime.zero
        return zip(arrivals, lengths).map { arrival, length in
            let issued = max(arrival, busFree)
            let transfer = picoseconds(
                busBytes(length: length, bufferSize: bufferSize), atPerSecond: c.dmaBytesPerSecond)
            busFree = issued + transfer
            return issued + c.dmaReadLatency + transfer
        }
    }

    /// When a lone frame's DMA completes (datasheet §11.2 step 3): its last bit + D + ``busBytes(length:bufferSize:)``
    /// / B.
    static func landing(_ arrival: SimTime, length: Int, bufferSize: Int = 2048, _ c: NICConfiguration) -> SimTime {
        arrival + c.dmaReadLatency
            + picoseconds(busBytes(length: length, bufferSize: bufferSize), atPerSecond: c.dmaBytesPerSecond)
    }

    @Test("back-to-back frames of mixed sizes land byte-exact in arrival order, length and status written back")
    func landsInArrivalOrder() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 16)
        rx.program(tail: 15)
        let lengths = [1514, 60, 1514, 64, 200, 1000, 60, 60, 1514, 333]
        let frames = lengths.enumerated().map { Self.udpFrame(length: $1, tag: $0) }
        let arrivals = Self.deliverBackToBack(bench, frames)
        #expect(bench.run() == .idle)
        // Datasheet §11.2: frames are written one after another in arrival order. Each on its own DMA, a short frame
        // right behind a long one would have landed first: this sequence has such pairs, and they stay in order.
        let alone = zip(arrivals, lengths).map { Self.landing($0, length: $1, bench.nic.configuration) }
        #expect(alone != alone.sorted())
        let landings = Self.inOrderLandings(arrivals, lengths: lengths, bench.nic.configuration)
        #expect(landings == landings.sorted())
        for (i, frame) in frames.enumerated() {
            let d = try rx.descriptor(i)
            #expect(Int(d.length) == frame.count, "descriptor \(i)")
            #expect(d.status == Self.good, "descriptor \(i)")
            #expect(d.errors == [], "descriptor \(i)")
            #expect(try rx.buffer(i, count: frame.count) == frame, "buffer \(i)")
        }
        // Descriptor 10 was posted but not used.
        #expect(try rx.descriptor(10).status == [])
        #expect(rx.head == frames.count)
        #expect(bench.read(.gprc) == UInt32(frames.count))
        #expect(bench.read(.gprc) == 0)
        #expect(bench.read(.gorcl) == UInt32(lengths.reduce(0, +)))
        #expect(bench.read(.gorch) == 0)
        #expect(bench.read(.gorcl) == 0)
        #expect(bench.read(.mpc) == 0)
        #expect(bench.nic.counters.framesReceived == UInt64(frames.count))
        #expect(bench.nic.counters.rxFramesPerQueue.first == UInt64(frames.count))
        // RXT0 without moderation: one interrupt per frame, as it lands.
        #expect(bench.interrupts.times == landings)
        // Ten frames in a ring of 16 with 15 posted leave 5 free: the crossing of 16/2 = 8 raised RXDMT0 (masked).
        #expect(InterruptCause(rawValue: bench.read(.icr)) == [.rxTimer, .rxDescriptorsExhausted, .interruptAsserted])
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("a lone frame lands one DMA round trip plus its bytes and two descriptor transfers after its last bit")
    func landingTime() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 8)
        rx.program(tail: 7)
        let frame = Self.udpFrame(length: 1000, tag: 1)
        Script(simulator: bench.simulator).add(at: .microseconds(3)) { bench.deliver(frame) }
        #expect(bench.run() == .idle)
        let c = bench.nic.configuration
        // TLPs: the descriptor read's completion, ⌈1,000 / 256⌉ = 4 frame writes, the write-back: 6 × 20 bytes.
        let landed = SimTime.microseconds(3) + c.dmaReadLatency
            + picoseconds(frame.count + 2 * RxDescriptor.size + 6 * 20, atPerSecond: c.dmaBytesPerSecond)
        #expect(bench.interrupts.times == [landed])
        #expect(try rx.buffer(0, count: frame.count) == frame)
    }

    enum Corruption: CaseIterable, Sendable { case ipHeader, udpPayload, both, notUDP }

    @Test("bad checksums are delivered with IPE / TCPE; non-UDP frames without checksum status",
          arguments: Corruption.allCases)
    func checksumErrors(_ corruption: Corruption) throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 8)
        rx.program(tail: 7)
        var frame = Self.udpFrame(length: 300, tag: 2)
        let expected: (RxStatus, RxErrors)
        switch corruption {
        case .ipHeader:
            frame[24] ^= 0x01
            expected = (Self.good, .ipChecksum)
        case .udpPayload:
            frame[200] ^= 0x40
            expected = (Self.good, .l4Checksum)
        case .both:
            frame[24] ^= 0x01
            frame[200] ^= 0x40
            expected = (Self.good, [.ipChecksum, .l4Checksum])
        case .notUDP:
            frame[12] = 0x08
            frame[13] = 0x06  // ARP
            expected = ([.descriptorDone, .endOfPacket], [])
        }
        bench.deliver(frame)
        #expect(bench.run() == .idle)
        let d = try rx.descriptor(0)
        #expect(d.status == expected.0)
        #expect(d.errors == expected.1)
        #expect(Int(d.length) == frame.count)
        #expect(try rx.buffer(0, count: frame.count) == frame)
        #expect(bench.nic.counters.rxChecksumErrors == (corruption == .notUDP ? 0 : 1))
    }

    @Test("good frames have IPCS and UDPCS and no errors")
    func goodChecksums() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 8)
        rx.program(tail: 7)
        bench.deliver(Self.udpFrame(length: 60, tag: 0))
        #expect(bench.run() == .idle)
        #expect(try rx.descriptor(0).status == Self.good)
        #expect(try rx.descriptor(0).errors == [])
    }

    @Test(
        "no buffers posted (RDT == RDH): frames wait in the packet buffer, no MPC, no RXO; posting writes them in order"
    )
    func noBuffers() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 16)
        rx.program(tail: 0, mask: [.rxTimer, .rxOverrun])
        let frames = (0..<5).map { Self.udpFrame(length: 500, tag: $0) }
        _ = Self.deliverBackToBack(bench, frames)
        #expect(bench.run() == .idle)
        // Five 500-byte frames take 5 × 528 bytes of the 48 KiB packet buffer: nothing is missed.
        #expect(bench.read(.mpc) == 0)
        #expect(bench.nic.counters.rxDroppedNoBuffer == 0)
        #expect(bench.read(.gprc) == 0)
        #expect(try rx.descriptor(0).status == [])
        #expect(bench.interrupts.count == 0)
        #expect(InterruptCause(rawValue: bench.read(.icr)) == [])

        rx.setTail(3)
        let more = (0..<5).map { Self.udpFrame(length: 500, tag: 10 + $0) }
        _ = Self.deliverBackToBack(bench, more, from: bench.simulator.now)
        #expect(bench.run() == .idle)
        // The oldest three take the three descriptors; the other seven wait.
        for i in 0..<3 { #expect(try rx.buffer(i, count: 500) == frames[i]) }
        #expect(bench.read(.gprc) == 3)
        #expect(bench.read(.mpc) == 0)
        #expect(rx.head == 3)
        rx.setTail(10)
        #expect(bench.run() == .idle)
        for i in 3..<5 { #expect(try rx.buffer(i, count: 500) == frames[i]) }
        for i in 5..<10 { #expect(try rx.buffer(i, count: 500) == more[i - 5]) }
        #expect(bench.read(.gprc) == 7)
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("under load with fewer buffers than frames: the first ones land, the rest wait in the packet buffer")
    func partialBuffers() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 16)
        rx.program(tail: 8)
        let frames = (0..<20).map { Self.udpFrame(length: 60 + 70 * $0, tag: $0) }
        _ = Self.deliverBackToBack(bench, frames)
        #expect(bench.run() == .idle)
        for i in 0..<8 { #expect(try rx.buffer(i, count: frames[i].count) == frames[i]) }
        #expect(bench.read(.gprc) == 8)
        #expect(bench.read(.mpc) == 0)
        #expect(rx.head == 8)
        rx.setTail(0)
        #expect(bench.run() == .idle)
        for i in 8..<16 { #expect(try rx.buffer(i, count: frames[i].count) == frames[i]) }
        #expect(bench.read(.gprc) == 8)
    }

    @Test("BSIZE 256: a frame spans ceil(length / 256) descriptors, EOP and checksum status on the last",
          arguments: [60, 255, 256, 257, 600, 1514])
    func smallBuffers(length: Int) throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 16)
        rx.program(tail: 15, bufferSizeCode: 3)
        let frame = Self.udpFrame(length: length, tag: 1)
        let next = Self.udpFrame(length: 100, tag: 2)
        // The next frame comes after the first has landed, so it takes the descriptors after it.
        let script = Script(simulator: bench.simulator)
        script.add(at: .microseconds(1)) { bench.deliver(frame) }
        script.add(at: .microseconds(5)) { bench.deliver(next) }
        #expect(bench.run() == .idle)
        let n = (length + 255) / 256
        var gathered: [UInt8] = []
        for k in 0..<n {
            let d = try rx.descriptor(k)
            let chunk = min(256, length - 256 * k)
            #expect(Int(d.length) == chunk)
            #expect(d.status == (k == n - 1 ? Self.good : .descriptorDone))
            gathered += try rx.buffer(k, count: chunk)
        }
        #expect(gathered == frame)
        #expect(try rx.descriptor(n).status == Self.good)
        #expect(try rx.buffer(n, count: next.count) == next)
        #expect(rx.head == n + 1)
        #expect(bench.read(.gprc) == 2)
        #expect(bench.interrupts.count == 2)
    }

    @Test("BSIZE 256: a short frame right behind a three-descriptor frame takes the descriptor after it")
    func noOvertakeAcrossDescriptors() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 16)
        rx.program(tail: 15, bufferSizeCode: 3)
        let long = Self.udpFrame(length: 600, tag: 1)
        let short = Self.udpFrame(length: 100, tag: 2)
        let arrivals = Self.deliverBackToBack(bench, [long, short])
        #expect(bench.run() == .idle)
        let c = bench.nic.configuration
        // Each on its own DMA the short frame would land first; in order it lands after the long one.
        #expect(Self.landing(arrivals[1], length: 100, bufferSize: 256, c)
                    < Self.landing(arrivals[0], length: 600, bufferSize: 256, c))
        #expect(bench.interrupts.times
                    == Self.inOrderLandings(arrivals, lengths: [600, 100], bufferSize: 256, c))
        let chunks = [256, 256, 88]
        var gathered: [UInt8] = []
        for (k, chunk) in chunks.enumerated() {
            let d = try rx.descriptor(k)
            #expect(Int(d.length) == chunk)
            #expect(d.status == (k == 2 ? Self.good : .descriptorDone))
            gathered += try rx.buffer(k, count: chunk)
        }
        #expect(gathered == long)
        #expect(try rx.descriptor(3).status == Self.good)
        #expect(try rx.buffer(3, count: short.count) == short)
        #expect(rx.head == 4)
    }

    @Test("RCTL.EN clear: frames dropped and counted, nothing written")
    func disabled() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 8)
        rx.program(tail: 7, enable: false)
        for i in 0..<3 { bench.deliver(Self.udpFrame(length: 100, tag: i)) }
        #expect(bench.run() == .idle)
        #expect(bench.nic.counters.rxDroppedDisabled == 3)
        #expect(bench.read(.gprc) == 0)
        #expect(bench.read(.mpc) == 0)
        #expect(try rx.descriptor(0).status == [])
        #expect(bench.interrupts.count == 0)
        #expect(bench.simulator.frames.live == 0)
    }

    /// (RDTR, RADV, RXFT, frames, spacing µs) → interrupts as (frame index, ns after its landing).
    static let moderation: [(UInt32, UInt32, UInt32, Int, Int64, [(Int, Int64)])] = [
        (0, 0, 0, 3, 5, [(0, 0), (1, 0), (2, 0)]),
        (10, 0, 0, 30, 2, [(29, 10_240)]),  // starvation
        (10, 32, 0, 30, 2, [(0, 32_768), (17, 32_768)]),
        (5, 0, 4, 10, 1, [(3, 0), (7, 0), (9, 5_120)]),
    ]

    @Test("receive moderation: RDTR re-armed per frame starves, RADV bounds it, RXFT counts frames",
          arguments: moderation)
    func receiveModeration(rdtr: UInt32, radv: UInt32, rxft: UInt32, count: Int, every: Int64,
                           expected: [(Int, Int64)]) throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 64)
        rx.program(tail: 63)
        bench.write(.rdtr, rdtr)
        bench.write(.radv, radv)
        bench.write(.rxft, rxft)
        #expect(bench.read(.rdtr) == rdtr && bench.read(.radv) == radv && bench.read(.rxft) == rxft)
        let script = Script(simulator: bench.simulator)
        let frame = Self.udpFrame(length: 200, tag: 0)
        for i in 0..<count { script.add(at: .microseconds(Int64(i) * every)) { bench.deliver(frame) } }
        #expect(bench.run() == .idle)
        let c = bench.nic.configuration
        let landing = { (i: Int) in
            // TLPs: descriptor-read completion, one frame write (200 bytes), write-back: 3 × 20 bytes.
            SimTime.microseconds(Int64(i) * every) + c.dmaReadLatency
                + picoseconds(frame.count + 2 * RxDescriptor.size + 3 * 20, atPerSecond: c.dmaBytesPerSecond)
        }
        #expect(bench.interrupts.times == expected.map { landing($0.0) + .nanoseconds($0.1) })
        #expect(bench.read(.gprc) == UInt32(count))
    }

    @Test("RDTR.FPD flushes waiting receive interrupts")
    func receiveFlush() throws {
        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 8)
        rx.program(tail: 7)
        bench.write(.rdtr, 1_000)
        let script = Script(simulator: bench.simulator)
        script.add(at: .microseconds(1)) { bench.deliver(Self.udpFrame(length: 100, tag: 0)) }
        script.add(at: .microseconds(20)) { bench.write(.rdtr, 1 << 31 | 1_000) }
        #expect(bench.run() == .idle)
        #expect(bench.interrupts.times == [.microseconds(20)])
    }
}
