import HostMemory
import NICModel
import SimCore
import Testing
import WireFormats

@Suite("TX timing in virtual time")
struct TimingTests {
    static let configurations: [NICConfiguration] = [
        NICConfiguration(),
        NICConfiguration(lineRate: 1_000_000_000, dmaReadLatency: .nanoseconds(300), dmaBytesPerSecond: 1_000_000_000),
        NICConfiguration(lineRate: 25_000_000_000, dmaReadLatency: .picoseconds(777_777),
                         dmaBytesPerSecond: 7_877_000_000),
    ]

    @Test("a 1,514-byte frame's last bit = doorbell + descriptor and buffer round trips and transfers + wire time",
          arguments: configurations)
    func singleFrame(configuration: NICConfiguration) throws {
        let bench = try Bench(configuration: configuration)
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program(mask: .txDescriptorWritten)
        // Let some virtual time pass so that the doorbell is not at zero.
        #expect(bench.run(until: .microseconds(5)) == .idle)
        let doorbell = bench.simulator.now
        #expect(doorbell == .microseconds(5))

        let length = 1514
        try bench.post(packetBytes(count: length, tag: 1), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)

        // Revision 2: one round trip for the descriptor batch (here the one descriptor posted), then one for the
        // buffer, each followed by its link bytes at the bus bandwidth (datasheet §5): the descriptor's 16 bytes
        // come in one completion TLP (16 + 20 = 36 link bytes), the 1,514-byte buffer in ⌈1,514 / 256⌉ = 6 MPS-sized
        // completions (1,514 + 6 × 20 = 1,634 link bytes).
        let fetched = doorbell + configuration.dmaReadLatency * 2
            + picoseconds(TxDescriptor.size + 20, atPerSecond: configuration.dmaBytesPerSecond)
            + picoseconds(length + 6 * 20, atPerSecond: configuration.dmaBytesPerSecond)
        let wireBits = (EthernetFraming.preambleBytes + length + EthernetFraming.fcsBytes) * 8
        let lastBit = fetched + picoseconds(wireBits, atPerSecond: configuration.lineRate)
        #expect(bench.wire.times == [lastBit])
        #expect(firstBits.times == [fetched])
        // RS: the packet is done, and the interrupt goes out, when it is in the packet buffer (datasheet §4.5,
        // I210 §7.2.2.1): doorbell + 2·D + (16 + f)/B, the instant its first bit starts on an idle NIC.
        #expect(bench.interrupts.times == [fetched])
    }

    @Test("with RPS the same frame is done, and interrupts, at its last bit", arguments: configurations)
    func singleFrameReportSent(configuration: NICConfiguration) throws {
        let bench = try Bench(configuration: configuration)
        bench.program(mask: .txDescriptorWritten)
        #expect(bench.run(until: .microseconds(5)) == .idle)
        let doorbell = bench.simulator.now
        let length = 1514
        let indices = try bench.post(packetBytes(count: length, tag: 1), report: .last, first: .reportPacketSent)
        bench.doorbell()
        // Done on the wire (datasheet §4.5): doorbell + 2·D + (16 + 20)/B + (f + 6·20)/B + (8 + f + 4)·8/R (the
        // descriptor in one completion TLP, the buffer in six, 20 overhead bytes each, §5); before that TDH and the
        // status byte have not moved. Defaults: 5 µs + 1.000 µs + 9.142 ns + 414.932 ns + 1.2208 µs ≈ 7.645 µs.
        let fetched = doorbell + configuration.dmaReadLatency * 2
            + picoseconds(TxDescriptor.size + 20, atPerSecond: configuration.dmaBytesPerSecond)
            + picoseconds(length + 6 * 20, atPerSecond: configuration.dmaBytesPerSecond)
        let lastBit = fetched + picoseconds((EthernetFraming.preambleBytes + length + EthernetFraming.fcsBytes) * 8,
                                            atPerSecond: configuration.lineRate)
        #expect(bench.run(until: SimTime(rawValue: lastBit.rawValue - 1)) == .reachedTime)
        #expect(bench.head == 0)
        #expect(try bench.status(indices[0]) == [])
        #expect(bench.run() == .idle)
        #expect(bench.wire.times == [lastBit])
        #expect(bench.interrupts.times == [lastBit])
        #expect(bench.head == 1)
        #expect(try bench.status(indices[0]) == .descriptorDone)
    }

    /// The TLP split of a 1,514-byte fetch with the defaults (MPS 256, MRRS 512, 20 overhead bytes per TLP): one
    /// read of 3 requests (⌈1,514 / 512⌉), answered by 6 completions (⌈1,514 / 256⌉: five of 256 bytes and one of
    /// 234), 1,634 link bytes; the descriptor before it is 1 completion, 36 link bytes. At 3,938 MB/s those take
    /// ⌈36 / 3.938 ns⌉ = 9,142 ps and ⌈1,634 / 3.938 ns⌉ = 414,932 ps; with two 500 ns round trips the first bit
    /// leaves 1,000,000 + 9,142 + 414,932 = 1,424,074 ps after the doorbell (1.389 µs before TLP overhead).
    @Test("TLP split and time of a 1,514-byte fetch")
    func tlpSplitOfAFetch() throws {
        let c = NICConfiguration()
        #expect(c.maxPayloadBytes == 256 && c.maxReadRequestBytes == 512 && c.tlpOverheadBytes == 20)
        #expect(c.readRequests(1_514) == 3)
        #expect(c.dataTLPs(1_514) == 6)
        #expect(c.linkBytes(1_514) == 1_634)
        #expect(c.linkBytes(TxDescriptor.size) == 36)
        #expect(c.dataTLPs(0) == 0 && c.dataTLPs(256) == 1 && c.dataTLPs(257) == 2)
        let bench = try Bench(configuration: c)
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program(mask: .txDescriptorWritten)
        try bench.post(packetBytes(count: 1_514, tag: 3), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(firstBits.times == [.picoseconds(1_424_074)])
    }

    @Test("back-to-back frames are spaced by preamble + frame + FCS + gap", arguments: [60, 42, 333, 1514])
    func backToBack(length: Int) throws {
        let configuration = NICConfiguration()
        let bench = try Bench(ringSize: 64, configuration: configuration)
        bench.program(mask: .txDescriptorWritten)
        let count = 40  // more than the 16 KiB packet buffer holds at 1,514 bytes
        for i in 0..<count { try bench.post(packetBytes(count: length, tag: i), report: .none) }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.count == count)

        let onWire =
            EthernetFraming.preambleBytes + max(length, EthernetFraming.minimumFrameBytes) + EthernetFraming.fcsBytes
        let spacing = picoseconds(
            (onWire + EthernetFraming.interPacketGapBytes) * 8, atPerSecond: configuration.lineRate)
        let times = bench.wire.times
        // The pipeline is full from the second frame on: the DMA of frame i+1 overlaps the wire time of frame i.
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        #expect(gaps == Array(repeating: spacing, count: count - 1))
        #expect(bench.simulator.frames.live == 0)
    }
}
