import SimCore
import Testing
import WireFormats

@testable import NetworkModel

private let gigabit: Int64 = 1_000_000_000
private let tenGigabit: Int64 = 10_000_000_000

/// A switch with every egress cabled to a collector, and a feeder on every ingress.
private struct World {
    let sim = Simulator(seed: 1)
    let fabric: EthernetSwitch
    var outputs: [Collector] = []
    var inputs: [Feeder] = []

    init(
        ports: Int = 3, rates: [Int64]? = nil, buffer: Int = 64 * 1024, latency: SimDuration = .zero,
        macTableCapacity: Int = 8192, cabled: Set<Int>? = nil
    ) {
        fabric = EthernetSwitch(
            simulator: sim, name: "sw", portCount: ports, portRates: rates ?? Array(repeating: gigabit, count: ports),
            bufferBytesPerPort: buffer, forwardingLatency: latency, macTableCapacity: macTableCapacity)
        for p in 0..<ports {
            let out = Collector()
            outputs.append(out)
            if cabled?.contains(p) ?? true { fabric.connectEgress(p, to: out) }
            inputs.append(Feeder(simulator: sim, sink: fabric.ingress(p), name: "in\(p)"))
        }
    }

    func send(_ bytes: [UInt8], on port: Int, at time: SimTime) {
        inputs[port].send(bytes, at: time, simulator: sim)
    }
}

/// Time from the first bit to the last FCS bit of an `length`-byte frame at 1 Gb/s, computed by hand:
/// (max(L, 60) + 4 FCS + 8 preamble) × 8 bits at 1 ns per bit.
private func gigabitLastBit(_ length: Int) -> SimDuration {
    .nanoseconds(Int64((max(length, 60) + 4 + 8) * 8))
}

@Suite struct EthernetSwitchTests {
    @Test func learnsThenForwardsToOnePortAndFloodsUnknownAndBroadcast() {
        let w = World()
        let aToB = ethernetFrame(to: macB, from: macA, length: 100, tag: 1)
        let bToA = ethernetFrame(to: macA, from: macB, length: 100, tag: 2)
        let aToB2 = ethernetFrame(to: macB, from: macA, length: 100, tag: 3)
        let broadcast = ethernetFrame(to: .broadcast, from: macC, length: 100, tag: 4)
        w.send(aToB, on: 0, at: .zero)  // B unknown: flooded to 1 and 2
        w.send(bToA, on: 1, at: .microseconds(10))  // A learned on 0: only port 0
        w.send(aToB2, on: 0, at: .microseconds(20))  // B learned on 1: only port 1
        w.send(broadcast, on: 2, at: .microseconds(30))  // flooded to 0 and 1
        w.sim.run()

        #expect(w.outputs[0].arrivals.map(\.bytes) == [bToA, broadcast])
        #expect(w.outputs[1].arrivals.map(\.bytes) == [aToB, aToB2, broadcast])
        #expect(w.outputs[2].arrivals.map(\.bytes) == [aToB])
        // Both flooded copies leave at the same instant, one serialization after arrival.
        #expect(w.outputs[1].times[0] == SimTime.zero + gigabitLastBit(100))
        #expect(w.outputs[2].times[0] == SimTime.zero + gigabitLastBit(100))
        let c = w.fabric.counters
        #expect(c.floodedFrames == 2)
        #expect(c.unknownUnicastFrames == 1)
        #expect(c.floodCopies == 2)
        #expect(c.macTableSize == 3)
        #expect(w.fabric.learnedPort(of: macA.rawValue) == 0)
        #expect(w.fabric.learnedPort(of: macB.rawValue) == 1)
        #expect(w.fabric.learnedPort(of: macC.rawValue) == 2)
        #expect(w.fabric.portCounters(0).framesIn == 2)
        #expect(w.fabric.portCounters(1).framesOut == 3)
        #expect(w.fabric.portCounters(1).bytesOut == 300)
        #expect(w.sim.frames.live == 0)
    }

    @Test func filtersFramesForTheIngressPortAndTracksStationMoves() {
        let w = World()
        let macD = MACAddress(rawValue: 0x0200_0000_000D)
        w.send(ethernetFrame(to: .broadcast, from: macA, length: 60), on: 0, at: .zero)
        w.send(ethernetFrame(to: macA, from: macD, length: 60), on: 0, at: .microseconds(1))  // filtered
        w.send(ethernetFrame(to: macD, from: macA, length: 60), on: 2, at: .microseconds(2))  // A moved to 2
        w.sim.run()
        let c = w.fabric.counters
        #expect(c.filteredFrames == 1)
        #expect(c.stationMoves == 1)
        #expect(w.fabric.learnedPort(of: macA.rawValue) == 2)
        #expect(w.outputs[0].arrivals.count == 1)  // the A→D frame, D being on port 0
        #expect(w.outputs[1].arrivals.count == 1)  // only the broadcast
        #expect(w.outputs[2].arrivals.count == 1)  // only the broadcast
        #expect(w.sim.frames.live == 0)
    }

    @Test func groupSourceAddressesAreNotLearned() {
        let w = World()
        let group = MACAddress(rawValue: 0x0100_5E00_0001)
        w.send(ethernetFrame(to: macA, from: group, length: 60), on: 0, at: .zero)
        w.sim.run()
        #expect(w.fabric.counters.macTableSize == 0)
        #expect(w.fabric.learnedPort(of: group.rawValue) == nil)
    }

    @Test(arguments: [SimDuration.zero, .nanoseconds(300)])
    func storeAndForwardTiming(latency: SimDuration) {
        let w = World(ports: 2, latency: latency)
        let arrival = SimTime.microseconds(1)
        w.send(ethernetFrame(to: macB, from: macA, length: 1000), on: 0, at: arrival)
        w.send(ethernetFrame(to: macB, from: macA, length: 1000), on: 0, at: arrival)
        w.send(ethernetFrame(to: macB, from: macA, length: 40), on: 0, at: arrival)
        w.sim.run()
        // (1000 + 4 + 8) × 8 = 8,096 bit times = 8,096 ns at 1 Gb/s; the next frame waits 96 ns of gap.
        let first = arrival + latency + .nanoseconds(8_096)
        let second = first + .nanoseconds(96) + .nanoseconds(8_096)
        // A 40-byte frame is padded to 60: (60 + 12) × 8 = 576 ns.
        let third = second + .nanoseconds(96) + .nanoseconds(576)
        #expect(w.outputs[1].times == [first, second, third])
        #expect(w.outputs[1].arrivals[2].bytes.count == 40, "padding is timing only; the frame is not changed")
        #expect(w.sim.frames.live == 0)
    }

    @Test func idlePortStartsAfterTheGapOfItsLastFrame() {
        let w = World(ports: 2)
        w.send(ethernetFrame(to: macB, from: macA, length: 1000), on: 0, at: .zero)
        // Arrives 50 ns after the first frame's last bit left, inside the 96 ns gap.
        w.send(ethernetFrame(to: macB, from: macA, length: 100), on: 0, at: .nanoseconds(8_096 + 50))
        w.sim.run()
        #expect(
            w.outputs[1].times == [SimTime.nanoseconds(8_096), SimTime.nanoseconds(8_096 + 96) + gigabitLastBit(100)])
    }

    @Test func tailDropWhenTheBufferIsFull() {
        let w = World(ports: 2, buffer: 3000)
        w.send(ethernetFrame(to: macA, from: macB, length: 60), on: 1, at: .zero)  // learn B on port 1
        for i in 0..<5 {
            w.send(ethernetFrame(to: macB, from: macA, length: 1000, tag: UInt8(i)), on: 0, at: .microseconds(1))
        }
        w.sim.run()
        let port = w.fabric.portCounters(1)
        #expect(port.tailDrops == 2)  // 1000 + 1000 + 1000 fit exactly; the 4th and 5th do not
        #expect(port.framesOut == 3)
        #expect(port.peakOccupancyBytes == 3000)
        #expect(port.peakOccupancyTime == .microseconds(1))
        #expect(port.occupancyBytes == 0)
        #expect(port.occupancyFrames == 0)
        #expect(w.outputs[1].arrivals.map { $0.bytes[14] } == [0, 1, 2])
        #expect(w.sim.frames.live == 0)
    }

    @Test func tailDropCountForAStreamFasterThanThePort() {
        // 21 frames of 1,000 bytes arrive back to back at 10 Gb/s (every (1000 + 24) × 8 / 10 = 819.2 ns) into
        // a 1 Gb/s port with room for 3. The port sends one every 8,192 ns, the first leaving at 8,096 ns.
        // Frames 0–2 fit; 3–9 arrive before the first leaves (dropped); frame 10 (8,192 ns) fits; 11–19 arrive
        // before the second leaves at 16,288 ns (dropped); frame 20 (16,384 ns) fits: 5 sent, 16 dropped.
        let w = World(ports: 2, rates: [tenGigabit, gigabit], buffer: 3000)
        for i in 0..<21 {
            w.send(
                ethernetFrame(to: macB, from: macA, length: 1000, tag: UInt8(i)), on: 0,
                at: .picoseconds(Int64(i) * 819_200))
        }
        w.sim.run()
        let port = w.fabric.portCounters(1)
        #expect(port.tailDrops == 16)
        #expect(port.framesOut == 5)
        #expect(w.outputs[1].arrivals.map { $0.bytes[14] } == [0, 1, 2, 10, 20])
        #expect(w.sim.frames.live == 0)
    }

    /// REFERENCE.md "Switch buffering": k back-to-back frames of size S at rate C into a port draining at r < C
    /// peak at about k·S·(1 − r/C).
    @Test(arguments: [10, 25, 64, 100, 101])
    func peakOccupancyFollowsTheFluidModel(k: Int) throws {
        let size = 1500
        let w = World(ports: 2, rates: [tenGigabit, gigabit], buffer: 1 << 20, cabled: [1])
        let spacing = EthernetWireTiming.wireTime(frameLength: size, bitsPerSecond: tenGigabit)
        #expect(spacing == .picoseconds(1_219_200))
        for i in 0..<k {
            w.send(ethernetFrame(to: macB, from: macA, length: size), on: 0, at: .zero + spacing * Int64(i))
        }
        w.sim.run()
        let port = w.fabric.portCounters(1)
        let fluid = k * size * Int(tenGigabit - gigabit) / Int(tenGigabit)
        #expect(abs(port.peakOccupancyBytes - fluid) <= size, "peak \(port.peakOccupancyBytes), fluid \(fluid)")
        // The peak is first reached at an arrival, no earlier than one drain time before the last arrival (a frame
        // may leave between the last two arrivals and leave the peak where it was).
        let lastArrival = SimTime.zero + spacing * Int64(k - 1)
        #expect(port.peakOccupancyTime.rawValue % spacing.rawValue == 0)
        #expect(port.peakOccupancyTime <= lastArrival)
        #expect(lastArrival - port.peakOccupancyTime < .nanoseconds(12_192))
        #expect(port.framesOut == k)
        #expect(port.tailDrops == 0)
        let last = try #require(w.outputs[1].times.last)
        #expect(last == SimTime.nanoseconds(12_096 + Int64(k - 1) * 12_192))
        #expect(w.sim.frames.live == 0)
    }

    @Test func floodCopiesOnlyWherethereIsRoomAndCountsTheRest() {
        let w = World(buffer: 1500)
        w.send(ethernetFrame(to: .broadcast, from: macB, length: 60), on: 1, at: .zero)  // learn B; 1 copy
        w.send(ethernetFrame(to: macB, from: macA, length: 1000), on: 0, at: .microseconds(10))
        w.send(ethernetFrame(to: .broadcast, from: macA, length: 1000), on: 0, at: .microseconds(10))
        w.sim.run()
        #expect(w.fabric.portCounters(1).tailDrops == 1)
        #expect(w.outputs[1].arrivals.count == 1)
        #expect(w.outputs[2].arrivals.count == 2)
        #expect(w.fabric.counters.floodCopies == 1)  // the second flood reached one port: no copy needed
        #expect(w.sim.frames.live == 0)
    }

    @Test func floodToNoPortReleasesTheFrame() {
        let w = World(ports: 2, cabled: [0])
        w.send(ethernetFrame(to: .broadcast, from: macA, length: 60), on: 0, at: .zero)
        w.sim.run()
        #expect(w.fabric.counters.floodedFrames == 1)
        #expect(w.sim.frames.live == 0)
    }

    @Test func unicastToAnUncabledPortIsDroppedAndCounted() {
        let w = World(ports: 2, cabled: [0])
        w.send(ethernetFrame(to: macA, from: macB, length: 60), on: 1, at: .zero)  // B learned on uncabled port 1
        w.send(ethernetFrame(to: macB, from: macA, length: 60), on: 0, at: .microseconds(1))
        w.sim.run()
        #expect(w.fabric.portCounters(1).unconnectedDrops == 1)
        #expect(w.outputs[0].arrivals.count == 1)
        #expect(w.sim.frames.live == 0)
    }

    @Test func runtsShorterThanAnEthernetHeaderAreDropped() {
        let w = World(ports: 2)
        w.send([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], on: 0, at: .zero)
        w.sim.run()
        #expect(w.fabric.counters.malformedFrames == 1)
        #expect(w.outputs[1].arrivals.isEmpty)
        #expect(w.sim.frames.live == 0)
    }

    @Test func fullMACTableStopsLearningAndKeepsFlooding() {
        let w = World(macTableCapacity: 2)
        w.send(ethernetFrame(to: .broadcast, from: macA, length: 60), on: 0, at: .zero)
        w.send(ethernetFrame(to: .broadcast, from: macB, length: 60), on: 1, at: .microseconds(1))
        w.send(ethernetFrame(to: .broadcast, from: macC, length: 60), on: 2, at: .microseconds(2))
        w.send(ethernetFrame(to: macC, from: macA, length: 60), on: 0, at: .microseconds(3))
        w.sim.run()
        let c = w.fabric.counters
        #expect(c.macTableSize == 2)
        #expect(c.learningFailures == 1)
        #expect(c.unknownUnicastFrames == 1)
        #expect(w.outputs[1].arrivals.count == 3)  // A's and C's broadcasts, and the flooded A→C
        #expect(w.sim.frames.live == 0)
    }

    @Test func queueFrameLimitDropsShortFramesBeforeTheByteLimit() {
        let sim = Simulator(seed: 1)
        let fabric = EthernetSwitch(
            simulator: sim, name: "sw", portCount: 2, portRates: [gigabit, gigabit], bufferBytesPerPort: 10_000,
            queueFramesPerPort: 4)
        #expect(fabric.queueFramesPerPort == 4)
        let out = Collector()
        fabric.connectEgress(1, to: out)
        let feeder = Feeder(simulator: sim, sink: fabric.ingress(0))
        for _ in 0..<6 { feeder.send(ethernetFrame(to: macB, from: macA, length: 60), at: .zero, simulator: sim) }
        sim.run()
        #expect(fabric.portCounters(1).queueFullDrops == 2)
        #expect(fabric.portCounters(1).tailDrops == 0)
        #expect(out.arrivals.count == 4)
        #expect(sim.frames.live == 0)
    }
}
