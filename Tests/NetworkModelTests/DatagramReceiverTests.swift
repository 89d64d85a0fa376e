import SimCore
import Testing
import WireFormats

@testable import NetworkModel

@Suite struct DatagramReceiverTests {
    @Test func fnv1aMatchesPublishedVectorsAndIsIncremental() {
        var empty = FNV1a64()
        empty.add([])
        #expect(empty.value == 0xcbf2_9ce4_8422_2325)
        var a = FNV1a64()
        a.add(Array("a".utf8))
        #expect(a.value == 0xaf63_dc4c_8601_ec8c)
        var foobar = FNV1a64()
        foobar.add(Array("foo".utf8))
        foobar.add(Array("xbarx".utf8), from: 1, count: 3)
        #expect(foobar.value == 0x8594_4171_f739_67e8)
        #expect(foobar.value == stableHash("foobar"))
    }

    @Test func digestCoversPayloadsInArrivalOrder() {
        let sim = Simulator(seed: 1)
        let rx = DatagramReceiver(simulator: sim, name: "stb", mac: macB, keepPayload: true)
        let feeder = Feeder(simulator: sim, sink: rx)
        let payloads: [[UInt8]] = [
            (0..<1316).map { UInt8(truncatingIfNeeded: $0 * 7) },
            [1, 2, 3, 4, 5],  // frame padded to 60 bytes; the padding is not payload
            [],
            (0..<300).map { UInt8(truncatingIfNeeded: 255 - $0) },
        ]
        for (i, p) in payloads.enumerated() {
            let frame = udpFrame(to: i == 3 ? .broadcast : macB, identification: UInt16(i), payload: p)
            feeder.send(frame, at: .microseconds(Int64(i + 1)), simulator: sim)
        }
        sim.run()
        let all = payloads.flatMap { $0 }
        #expect(rx.digest == referenceStripe64(all))
        #expect(rx.payload == all)
        #expect(rx.counters.datagrams == 4)
        #expect(rx.counters.payloadBytes == all.count)
        #expect(rx.counters.firstArrival == .microseconds(1))
        #expect(rx.counters.lastArrival == .microseconds(4))
        #expect(sim.frames.live == 0)
    }

    @Test func classifiesEveryFrameOnceAndReleasesIt() {
        let sim = Simulator(seed: 1)
        let rx = DatagramReceiver(simulator: sim, name: "stb", mac: macB)
        let payload: [UInt8] = Array(repeating: 0x47, count: 188)
        var arp = ethernetFrame(to: .broadcast, from: macA, length: 60)
        arp[12] = 0x08
        arp[13] = 0x06
        var truncated = udpFrame(to: macB, payload: payload)
        truncated.removeLast(10)
        var tcp = udpFrame(to: macB, payload: payload)
        tcp[14 + 9] = 6
        let frames: [[UInt8]] = [
            udpFrame(to: macB, payload: payload),  // accepted
            udpFrame(to: macB, payload: payload, udpChecksum: false),  // accepted: checksum 0 means none
            udpFrame(to: macC, payload: payload),  // other host
            udpFrame(to: MACAddress(rawValue: 0x0100_5E00_0001), payload: payload),  // multicast: other host
            arp,  // not UDP
            tcp,  // not UDP (protocol 6)
            truncated,  // malformed
            [0x02, 0, 0, 0, 0],  // shorter than a header: malformed
            udpFrame(to: macB, payload: payload, corruptIPChecksum: true),
            udpFrame(to: macB, payload: payload, corruptUDPChecksum: true),
        ]
        let feeder = Feeder(simulator: sim, sink: rx)
        for f in frames { feeder.send(f, at: .zero, simulator: sim) }
        sim.run()
        let c = rx.counters
        #expect(c.datagrams == 2)
        #expect(c.payloadBytes == 376)
        #expect(c.framesForOtherHosts == 2)
        #expect(c.nonUDPFrames == 2)
        #expect(c.malformedFrames == 2)
        #expect(c.badIPChecksums == 1)
        #expect(c.badUDPChecksums == 1)
        #expect(rx.digest == referenceStripe64(payload + payload))
        #expect(rx.payload.isEmpty, "payload is kept only on request")
        #expect(sim.frames.live == 0)
    }

    @Test func withoutDigestEveryDatagramIsStillCheckedAndCounted() {
        let sim = Simulator(seed: 1)
        let rx = DatagramReceiver(simulator: sim, name: "stb", mac: macB, digestsPayload: false)
        let payload: [UInt8] = (0..<300).map { UInt8(truncatingIfNeeded: $0) }
        let feeder = Feeder(simulator: sim, sink: rx)
        feeder.send(udpFrame(to: macB, payload: payload), at: .zero, simulator: sim)
        feeder.send(udpFrame(to: macB, payload: payload, corruptUDPChecksum: true), at: .zero, simulator: sim)
        sim.run()
        let datagrams = rx.counters.datagrams
        let bad = rx.counters.badUDPChecksums
        let bytes = rx.counters.payloadBytes
        #expect(datagrams == 1)
        #expect(bad == 1)
        #expect(bytes == 300)
        #expect(rx.digest == StripeHash64.empty, "no byte was digested")
        #expect(sim.frames.live == 0)
    }

    @Test func noDatagramsLeavesTheOffsetBasisAndNoArrivalTimes() {
        let rx = DatagramReceiver(simulator: Simulator(seed: 1), name: "stb", mac: macB)
        #expect(rx.digest == StripeHash64.empty)
        #expect(rx.counters.firstArrival == nil)
        #expect(rx.counters == ReceiverCounters())
    }

    /// Server → link → switch → link → receiver, with times checked end to end.
    @Test func endToEndThroughLinksAndSwitch() {
        let sim = Simulator(seed: 9)
        let rate: Int64 = 1_000_000_000
        let uplink = Link(simulator: sim, name: "up", rateBitsPerSecond: rate, propagationDelay: .nanoseconds(250))
        let downlink = Link(simulator: sim, name: "down", rateBitsPerSecond: rate, propagationDelay: .nanoseconds(750))
        let fabric = EthernetSwitch(
            simulator: sim, name: "sw", portCount: 2, portRates: [rate, rate], bufferBytesPerPort: 100_000)
        let server = Collector()
        let rx = DatagramReceiver(simulator: sim, name: "stb", mac: macB)
        uplink.attach(a: server, b: fabric.ingress(0))
        fabric.connectEgress(0, to: uplink.endB)
        fabric.connectEgress(1, to: downlink.endA)
        downlink.attach(a: fabric.ingress(1), b: rx)
        let feeder = Feeder(simulator: sim, sink: uplink.endA)
        var payloads: [[UInt8]] = []
        let frameLength = 14 + 20 + 8 + 1316
        let spacing = EthernetWireTiming.wireTime(frameLength: frameLength, bitsPerSecond: rate)
        for i in 0..<20 {
            let p = (0..<1316).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            payloads.append(p)
            feeder.send(
                udpFrame(to: macB, identification: UInt16(i), payload: p), at: .zero + spacing * Int64(i),
                simulator: sim)
        }
        sim.run()
        #expect(rx.counters.datagrams == 20)
        #expect(rx.digest == referenceStripe64(payloads.flatMap { $0 }))
        // First frame: 250 ns up, (1358 + 12) × 8 ns serialization in the switch, 750 ns down.
        #expect(rx.counters.firstArrival == SimTime.nanoseconds(250 + 1370 * 8 + 750))
        // Arriving at line rate, the frames leave at line rate: no queue builds beyond one frame.
        #expect(rx.counters.lastArrival == SimTime.nanoseconds(250 + 1370 * 8 + 750) + spacing * 19)
        #expect(fabric.portCounters(1).peakOccupancyBytes == frameLength)
        #expect(server.arrivals.count == 0)
        #expect(uplink.aToB.overlappingFrames == 0 && downlink.aToB.overlappingFrames == 0)
        #expect(sim.frames.live == 0)
    }
}
