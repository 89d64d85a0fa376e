import Foundation
import SimCore
import Testing
import WireFormats

@testable import MediaStreams

@Suite("Set-top box")
struct SetTopBoxTests {
    /// 1316 bytes every 10 ms: 1,052,800 b/s.
    static let rate: Int64 = 1_052_800

    static func box(
        encapsulation: SetTopBox.Configuration.Encapsulation = .rawUDP,
        payload: SetTopBox.Configuration.Payload = .opaque, startupDelay: SimDuration = .milliseconds(100),
        capacity: Int = 1 << 20, rate: Int64 = rate
    ) throws -> SetTopBox {
        try SetTopBox(
            .init(
                name: "stb", mac: FrameFeeder.boxMAC, udpPort: 5004, encapsulation: encapsulation, payload: payload,
                drainBitsPerSecond: rate, startupDelay: startupDelay, bufferCapacityBytes: capacity))
    }

    static let chunk = [UInt8](repeating: 0xAB, count: 1316)

    @Test("underflows are counted exactly for constructed gaps, with the starved time")
    func underflow() throws {
        let simulator = Simulator(seed: 1)
        let box = try Self.box()
        let feeder = FrameFeeder(simulator: simulator, sink: box, rtp: nil)
        // Playout starts at 100 ms and drains one datagram per 10 ms.
        // 0 … 490 ms: one datagram each 10 ms; after the one at 490 ms the buffer holds 11 datagrams, so it runs
        // dry at 600 ms. The next arrives at 700 ms: underflow 1, starved 100 ms, draining resumes at 700 ms.
        // 710 ms: exactly empty again, not an underflow. 725 ms: dry since 720 ms: underflow 2, starved 5 ms.
        // 735 and 745 ms: exactly on time.
        let times = (0..<50).map { $0 * 10 } + [700, 710, 725, 735, 745]
        for time in times { feeder.send(Self.chunk[...], at: .milliseconds(Int64(time))) }
        simulator.run()
        let counters = box.counters
        #expect(counters.datagrams == 55)
        #expect(counters.playoutStart == .milliseconds(100))
        #expect(counters.underflows == 2)
        #expect(counters.starvedTime == .milliseconds(105))
        #expect(counters.overflows == 0)
        #expect(counters.peakBufferBytes == 11 * 1316)
        #expect(simulator.frames.live == 0)
        #expect(box.bufferLevel(at: .milliseconds(745)) == 1316)
        #expect(box.bufferLevel(at: .milliseconds(760)) == 0)
    }

    @Test("a full buffer drops and counts overflows")
    func overflow() throws {
        let simulator = Simulator(seed: 1)
        let box = try Self.box(capacity: 5 * 1316)
        let feeder = FrameFeeder(simulator: simulator, sink: box, rtp: nil)
        for index in 0..<30 { feeder.send(Self.chunk[...], at: .milliseconds(Int64(index * 10))) }
        simulator.run()
        // Five fit; those at 50 … 90 ms and the one at 100 ms (playout starts then, nothing drained yet) do not;
        // from 110 ms each arrival finds exactly one datagram's room.
        let counters = box.counters
        #expect(counters.overflows == 6)
        #expect(counters.overflowBytes == 6 * 1316)
        #expect(counters.peakBufferBytes == 5 * 1316)
        #expect(counters.underflows == 0)
    }

    /// RFC 4445 delay factor for a bursty sender.
    ///
    /// Stream: 1316-byte datagrams, media rate MR = 1,052,800 b/s = 131,600 B/s (100 datagrams/s). The sender
    /// sends 10 datagrams back to back every 100 ms, 10 µs apart (t = 100 ms × b + 10 µs × j, j = 0 … 9).
    /// Interval: 1 s from the first arrival, so each interval holds 10 bursts.
    ///
    /// Within the interval, before the j-th datagram of burst b:
    ///   VB(pre)  = 1316 × (10b + j) − 131,600 × (0.1 b + 0.00001 j) = 1316 j − 1.316 j = 1314.684 j bytes
    ///   VB(post) = VB(pre) + 1316
    /// so min VB(pre) = 0 (j = 0) and max VB(post) = 1314.684 × 9 + 1316 = 13,148.156 bytes (j = 9).
    ///   DF = (13,148.156 − 0) / 131,600 B/s = 0.099910 s = 99.910 ms.
    /// A paced sender (one datagram every 10 ms) gives VB(pre) = 0, VB(post) = 1316: DF = 10 ms.
    @Test("MDI delay factor of 10 back-to-back datagrams every 100 ms is 99.910 ms")
    func delayFactor() throws {
        let simulator = Simulator(seed: 1)
        let box = try Self.box(encapsulation: .rtp)
        let feeder = FrameFeeder(simulator: simulator, sink: box, rtp: .init(ssrc: 1))
        var sequence: UInt16 = 0
        for burst in 0..<20 {
            for j in 0..<10 {
                let time = SimTime.milliseconds(Int64(burst * 100)) + .microseconds(Int64(j * 10))
                feeder.send(Self.chunk[...], at: time, sequence: sequence, timestamp: UInt32(sequence) * 900)
                sequence &+= 1
            }
        }
        simulator.run()
        let counters = box.counters
        #expect(counters.mdiIntervals == 2)
        #expect(counters.maxDelayFactor == .microseconds(99_910))
        #expect(counters.lastDelayFactor == .microseconds(99_910))
        #expect(counters.maxMediaLossRate == 0)
        #expect(counters.mediaDeliveryIndex == "99.910:0")
        #expect(counters.rtpPacketsLost == 0)

        let paced = Simulator(seed: 1)
        let pacedBox = try Self.box()
        let pacedFeeder = FrameFeeder(simulator: paced, sink: pacedBox, rtp: nil)
        for index in 0..<200 { pacedFeeder.send(Self.chunk[...], at: .milliseconds(Int64(index * 10))) }
        paced.run()
        #expect(pacedBox.counters.maxDelayFactor == .milliseconds(10))
        #expect(pacedBox.counters.interarrivalJitter == .zero)
    }

    @Test("RTP loss, reordering and duplicates across the sequence wrap; MLR counts TS packets")
    func rtpSequence() throws {
        let simulator = Simulator(seed: 1)
        let box = try Self.box(encapsulation: .rtp, payload: .transportStream)
        let feeder = FrameFeeder(simulator: simulator, sink: box, rtp: .init(ssrc: 9))
        // Null packets, so that continuity plays no part.
        var nulls = [UInt8](repeating: 0xFF, count: 1316)
        for index in 0..<7 { TSPacket(pid: 0x1FFF, continuityCounter: 0).encodeHeader(into: &nulls, at: index * 188) }
        let order: [UInt16] = [65_533, 65_534, 65_535, 1, 0, 2, 2, 3, 6]
        for (index, sequence) in order.enumerated() {
            feeder.send(nulls[...], at: .milliseconds(Int64(index * 10)), sequence: sequence)
        }
        simulator.run()
        let counters = box.counters
        // Highest extended sequence 65,536 + 6; expected = 70,542 − 65,533 + 1 = 10; unique received 8.
        #expect(counters.rtpPacketsExpected == 10)
        #expect(counters.rtpPacketsLost == 2)
        #expect(counters.rtpReordered == 1)
        #expect(counters.rtpDuplicates == 1)
        // MLR: the gap before 1 (1 datagram), the late 0 (1), the gap before 6 (2): 4 datagrams of 7 TS packets.
        #expect(counters.mediaPacketsLost == 28)
        #expect(counters.maxMediaPacketsLostPerInterval == 28)
        #expect(counters.mediaDeliveryIndex.hasSuffix(":28"))
        #expect(counters.tsPackets == 63)
        #expect(counters.continuityErrors == 0)
    }

    /// RFC 3550 jitter for transit times alternating between 0 and 1 ms: |D| = 1 ms from the second packet on, so
    /// J after n differences is 1 ms × (1 − (15/16)^n) (the integer form rounds within picoseconds).
    @Test("interarrival jitter follows J += (|D| − J)/16")
    func jitter() throws {
        let simulator = Simulator(seed: 1)
        let box = try Self.box(encapsulation: .rtp)
        let feeder = FrameFeeder(simulator: simulator, sink: box, rtp: .init(ssrc: 3))
        let base: UInt32 = 0xFFFF_0000  // the timestamps wrap on the way
        for index in 0..<40 {
            let time = SimTime.milliseconds(Int64(index * 10)) + (index % 2 == 1 ? .milliseconds(1) : .zero)
            feeder.send(Self.chunk[...], at: time, sequence: UInt16(index), timestamp: base &+ UInt32(index * 900))
        }
        simulator.run()
        let counters = box.counters
        let expected = 1e-3 * (1 - pow(15.0 / 16.0, 39))
        #expect(abs(counters.interarrivalJitter.seconds - expected) < 1e-9)
        #expect(counters.interarrivalJitterTimestampUnits == UInt32(expected * 90_000))
        // 39 gaps alternating 11 ms and 9 ms.
        #expect(counters.gapCount == 39)
        #expect(counters.gapMaxNanoseconds == 11_000_000)
        #expect(abs(Double(counters.gapP50Nanoseconds) - 11e6) <= 11e3)
        #expect(abs(Double(counters.gapP99Nanoseconds) - 11e6) <= 11e3)
    }

    @Test("gap percentiles come from the histogram, the maximum exactly")
    func gapPercentiles() throws {
        let simulator = Simulator(seed: 1)
        let box = try Self.box()
        let feeder = FrameFeeder(simulator: simulator, sink: box, rtp: nil)
        // 100 gaps: 98 of 10 ms, one of 30 ms, one of 123.456789 ms.
        var time = SimTime.zero
        feeder.send(Self.chunk[...], at: time)
        for index in 0..<100 {
            time += index == 40 ? .milliseconds(30) : index == 70 ? .nanoseconds(123_456_789) : .milliseconds(10)
            feeder.send(Self.chunk[...], at: time)
        }
        simulator.run()
        let counters = box.counters
        #expect(counters.gapCount == 100)
        #expect(counters.gapMaxNanoseconds == 123_456_789)
        #expect(abs(Double(counters.gapP50Nanoseconds) - 10e6) <= 10e3)
        #expect(abs(Double(counters.gapP99Nanoseconds) - 30e6) <= 30e3)
    }

    @Test("TS continuity and PCR interval agree with the analyzer when a datagram is lost")
    func transportStream() throws {
        let source = try StreamSource(generating: .init(bitsPerSecond: 2_000_000), duration: .seconds(3))
        let simulator = Simulator(seed: 1)
        let box = try Self.box(payload: .transportStream, rate: 2_000_000)
        let feeder = FrameFeeder(simulator: simulator, sink: box, rtp: nil)
        var delivered: [UInt8] = []
        for index in 0..<source.datagramCount where index != 100 && index != 200 {
            let range = try #require(source.byteRange(ofDatagram: index))
            let due = try #require(source.dueTime(ofDatagram: index))
            feeder.send(source.bytes[range], at: SimTime.zero + due)
            delivered += source.bytes[range]
        }
        simulator.run()
        let reference = try TSAnalyzer.analyze(delivered)
        let counters = box.counters
        #expect(reference.continuityErrors >= 2)
        #expect(counters.continuityErrors == reference.continuityErrors)
        #expect(counters.mediaPacketsLost == reference.pids.reduce(0) { $0 + $1.missingPackets })
        #expect(counters.tsPackets == reference.packetCount)
        #expect(counters.pcrCount == reference.pcr?.count)
        #expect(counters.maxPCRInterval == reference.pcr?.maxInterval)
        // The lost datagrams took PCRs with them: the gap they leave is seen by both.
        #expect(counters.maxPCRInterval > .milliseconds(20))
        #expect(counters.tsDamagedPackets == 0)
        #expect(simulator.frames.live == 0)
    }

    @Test("frames for others, other ports, non-UDP, bad checksums and bad RTP are counted and released")
    func filtering() throws {
        let simulator = Simulator(seed: 1)
        let box = try Self.box(encapsulation: .rtp)
        let good = FrameFeeder(simulator: simulator, sink: box, rtp: .init(ssrc: 1))
        let otherPort = FrameFeeder(simulator: simulator, sink: box, rtp: .init(ssrc: 1), port: 6000)
        let noRTP = FrameFeeder(simulator: simulator, sink: box, rtp: nil)
        good.send(Self.chunk[...], at: .milliseconds(1))
        otherPort.send(Self.chunk[...], at: .milliseconds(2))
        noRTP.send([0x00, 0x01][...], at: .milliseconds(3))  // 2 bytes: too short for RTP
        let frames = simulator.frames
        func raw(_ bytes: [UInt8]) {
            let frame = frames.allocate()
            precondition(frames.append(bytes, from: 0, count: bytes.count, to: frame))
            box.accept(frame, simulator: simulator)
        }
        raw([UInt8](repeating: 0, count: 10))  // shorter than Ethernet
        var other = [UInt8](repeating: 0, count: 60)
        NetworkBytes.setMAC(&other, 0, MACAddress(0x02, 0, 0, 0, 0, 0x99))
        raw(other)  // another host
        var arp = other
        NetworkBytes.setMAC(&arp, 0, .broadcast)
        NetworkBytes.setUInt16(&arp, 12, 0x0806)
        raw(arp)  // not UDP
        simulator.run()
        let counters = box.counters
        #expect(counters.datagrams == 1)
        #expect(counters.datagramsForOtherPorts == 1)
        #expect(counters.malformedRTP == 1)
        #expect(counters.malformedFrames == 1)
        #expect(counters.framesForOtherHosts == 1)
        #expect(counters.nonUDPFrames == 1)
        #expect(frames.live == 0)
    }

    @Test("bad configurations throw")
    func invalid() {
        let mac = FrameFeeder.boxMAC
        let bad: [SetTopBox.Configuration] = [
            .init(name: "a", mac: mac, drainBitsPerSecond: 0),
            .init(name: "b", mac: mac, drainBitsPerSecond: 1, startupDelay: .milliseconds(-1)),
            .init(name: "c", mac: mac, drainBitsPerSecond: 1, bufferCapacityBytes: 0),
            .init(name: "d", mac: mac, drainBitsPerSecond: 1, mdiInterval: .zero),
        ]
        for configuration in bad { #expect(throws: MediaError.self) { try SetTopBox(configuration) } }
    }

    @Test("seeded fuzz: random frames never crash the box and are all released")
    func fuzz() throws {
        let simulator = Simulator(seed: 1)
        let box = try Self.box(encapsulation: .rtp, payload: .transportStream)
        let feeder = FrameFeeder(simulator: simulator, sink: box, rtp: .init(ssrc: 5))
        var random = RandomStream(seed: 99, name: "stb-fuzz")
        let frames = simulator.frames
        for round in 0..<3_000 {
            if round % 2 == 0 {
                let payload = (0..<Int(random.next() % 1_400)).map { index in
                    index % 188 == 0 && random.next() % 4 != 0 ? 0x47 : UInt8(truncatingIfNeeded: random.next())
                }
                feeder.send(
                    payload[...], at: .microseconds(Int64(round * 100)),
                    sequence: UInt16(truncatingIfNeeded: random.next()),
                    timestamp: UInt32(truncatingIfNeeded: random.next()))
            } else {
                simulator.run(until: .microseconds(Int64(round * 100)))
                let frame = frames.allocate()
                var bytes = (0..<Int(random.next() % 1_500)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if bytes.count >= 14, random.next() % 2 == 0 {
                    NetworkBytes.setMAC(&bytes, 0, FrameFeeder.boxMAC)
                    NetworkBytes.setUInt16(&bytes, 12, 0x0800)
                }
                _ = frames.append(bytes, from: 0, count: bytes.count, to: frame)
                box.accept(frame, simulator: simulator)
            }
        }
        simulator.run()
        #expect(frames.live == 0)
        #expect(box.counters.datagrams > 0)
    }
}
