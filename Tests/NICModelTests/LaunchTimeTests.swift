import HostMemory
import NICModel
import SimCore
import Testing
import WireFormats

@Suite("Launch time (context descriptor LT)")
struct LaunchTimeTests {
    static let length = 100

    static func wireTime(_ length: Int, _ c: NICConfiguration) -> SimDuration {
        picoseconds(
            (EthernetFraming.preambleBytes + max(length, EthernetFraming.minimumFrameBytes) + EthernetFraming.fcsBytes)
                * 8,
            atPerSecond: c.lineRate)
    }

    @Test(
        "on an idle NIC the first bit leaves exactly at the launch time",
        arguments: [2_000, 50_000, 1_000_000] as [UInt64])
    func onTime(launchNanoseconds: UInt64) throws {
        let bench = try Bench()
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        try bench.appendContext(Bench.launchContext(nanoseconds: launchNanoseconds))
        let data = try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        let launch = SimTime.nanoseconds(Int64(launchNanoseconds))
        #expect(firstBits.times == [launch])
        #expect(bench.wire.times == [launch + Self.wireTime(Self.length, bench.nic.configuration)])
        #expect(bench.wire.frames == [packetBytes(count: Self.length, tag: 1)])
        #expect(try bench.status(data[0]) == .descriptorDone)
        #expect(bench.read(.latec) == 0)
        #expect(bench.nic.counters.launchTimedFrames == 1)
        #expect(bench.nic.counters.lateFrames == 0)
        #expect(bench.interrupts.times == bench.wire.times)
    }

    @Test("frames behind a launch-timed frame on its queue wait for it; each starts no earlier than its own time")
    func orderedLaunches() throws {
        let bench = try Bench(ringSize: 32)
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        let launches: [UInt64] = [10_000, 10_500, 30_000]
        for (i, t) in launches.enumerated() {
            try bench.appendContext(Bench.launchContext(nanoseconds: t))
            try bench.post(packetBytes(count: Self.length, tag: i), report: .none)
        }
        try bench.post(packetBytes(count: Self.length, tag: 9), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        let c = bench.nic.configuration
        let gapAfter = Self.wireTime(Self.length, c)
            + picoseconds(EthernetFraming.interPacketGapBytes * 8, atPerSecond: c.lineRate)
        let expected: [SimTime] = [.nanoseconds(10_000), .nanoseconds(10_500), .nanoseconds(30_000),
                                   .nanoseconds(30_000) + gapAfter]
        #expect(firstBits.times == expected)
        #expect(bench.nic.counters.lateFrames == 0)
    }

    @Test("a launch time already past: sent at once, counted late (LATEC, lateFrames), written back DD without LATE")
    func lateSent() throws {
        let bench = try Bench()
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        bench.run(until: .microseconds(10))
        try bench.appendContext(Bench.launchContext(nanoseconds: 5_000))
        let data = try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        let c = bench.nic.configuration
        // As without a launch time: one round trip for both descriptors (32 bytes in one completion TLP: 32 + 20
        // link bytes), one for the 100-byte buffer (one completion: 100 + 20).
        let sent = SimTime.microseconds(10) + c.dmaReadLatency * 2
            + picoseconds(2 * TxDescriptor.size + 20, atPerSecond: c.dmaBytesPerSecond)
            + picoseconds(Self.length + 20, atPerSecond: c.dmaBytesPerSecond)
        #expect(firstBits.times == [sent])
        #expect(bench.wire.frames.count == 1)
        // Datasheet §10 rule 3: a late packet that is sent is written back as any good packet.
        #expect(try bench.status(data[0]) == .descriptorDone)
        #expect(bench.read(.latec) == 1)
        #expect(bench.read(.latec) == 0)
        #expect(bench.nic.counters.lateFrames == 1)
        #expect(bench.nic.counters.lateFramesDropped == 0)
        #expect(bench.read(.gptc) == 1)
    }

    @Test("LTCTL.DROPLATE: a late packet is dropped with DD|LATE, counted, and the next packet still goes")
    func lateDropped() throws {
        let bench = try Bench()
        bench.program()
        bench.write(.ltctl, 1)
        #expect(bench.read(.ltctl) == 1)
        bench.run(until: .microseconds(10))
        try bench.appendContext(Bench.launchContext(nanoseconds: 1_000))
        let late = try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        try bench.appendContext(Bench.launchContext(nanoseconds: 20_000))
        let onTime = try bench.post(packetBytes(count: Self.length, tag: 2), report: .last)
        let plain = try bench.post(packetBytes(count: Self.length, tag: 3), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [packetBytes(count: Self.length, tag: 2), packetBytes(count: Self.length, tag: 3)])
        #expect(try bench.status(late[0]).rawValue == 0x81)
        #expect(try bench.status(onTime[0]) == .descriptorDone)
        #expect(try bench.status(plain[0]) == .descriptorDone)
        #expect(bench.read(.latec) == 1)
        #expect(bench.read(.gptc) == 2)
        #expect(bench.read(.tdec) == 0)
        #expect(bench.nic.counters.lateFrames == 1)
        #expect(bench.nic.counters.lateFramesDropped == 1)
        #expect(bench.nic.counters.launchTimedFrames == 2)
        #expect(bench.head == bench.next)
    }

    @Test("DROPLATE drops every segment of a late TSE packet; LATEC counts it once")
    func lateSegmentedDropped() throws {
        let bench = try Bench()
        bench.program()
        bench.write(.ltctl, 1)
        bench.run(until: .microseconds(10))
        let template = Templates.udp
        let payload = packetBytes(count: 3000, tag: 1)
        var header = [UInt8](repeating: 0, count: template.headerLength)
        template.render(into: &header, at: 0, payloadLength: payload.count, identification: 1, checksum: .none)
        try bench.appendContext(TxContextDescriptor(launchTimeNanoseconds: 1_000, headerLength: 42, ipOffset: 14,
                                                    udpOffset: 34, flags: [.segment, .launchTime], mss: 1000))
        let late = try bench.post(header + payload, pieces: 2, report: .last)
        let next = try bench.post(packetBytes(count: Self.length, tag: 2), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [packetBytes(count: Self.length, tag: 2)])
        #expect(try bench.status(late.last!) == [.descriptorDone, .late])
        #expect(try bench.status(next[0]) == .descriptorDone)
        #expect(bench.read(.latec) == 1)
        #expect(bench.nic.counters.lateFramesDropped == 1)
        #expect(bench.head == bench.next)
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("a far-future packet on queue 1 does not hold up queue 0")
    func queuesIndependent() throws {
        let bench = try Bench()
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        let q1 = try bench.addTransmitQueue(1)
        #expect(bench.read(.transmitQueue(1, NICRegister.QueueOffset.control)) == NICRegister.QueueOffset.enableBit)
        try q1.append(Bench.launchContext(nanoseconds: 200_000).asDescriptor)
        let held = try q1.post(packetBytes(count: Self.length, tag: 100))
        q1.doorbell()
        for i in 0..<5 { try bench.post(packetBytes(count: Self.length, tag: i), report: .last) }
        bench.doorbell()
        #expect(bench.run(until: .microseconds(100)) == .reachedTime)
        #expect(bench.wire.frames == (0..<5).map { packetBytes(count: Self.length, tag: $0) })
        #expect(bench.head == 5)
        #expect(try q1.status(held) == [])
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.last == packetBytes(count: Self.length, tag: 100))
        #expect(firstBits.times.last == .microseconds(200))
        #expect(try q1.status(held) == .descriptorDone)
        #expect(bench.nic.counters.txFramesPerQueue.prefix(2) == [5, 1])
        #expect(bench.nic.counters.lateFrames == 0)
    }
}
