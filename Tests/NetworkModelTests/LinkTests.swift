import SimCore
import Testing

@testable import NetworkModel

@Suite struct LinkTests {
    @Test func deliversExactlyAfterThePropagationDelayInBothDirections() {
        let sim = Simulator(seed: 1)
        let delay = SimDuration.nanoseconds(500) + .picoseconds(7)
        let link = Link(simulator: sim, name: "l", rateBitsPerSecond: 1_000_000_000, propagationDelay: delay)
        let sideA = Collector()
        let sideB = Collector()
        link.attach(a: sideA, b: sideB)
        let toB = Feeder(simulator: sim, sink: link.endA, name: "fa")
        let toA = Feeder(simulator: sim, sink: link.endB, name: "fb")
        toB.send(ethernetFrame(to: macB, from: macA, length: 100, tag: 1), at: .nanoseconds(10), simulator: sim)
        toB.send(ethernetFrame(to: macB, from: macA, length: 100, tag: 2), at: .microseconds(5), simulator: sim)
        toA.send(ethernetFrame(to: macA, from: macB, length: 64, tag: 3), at: .nanoseconds(123), simulator: sim)
        sim.run()

        #expect(sideB.times == [SimTime.nanoseconds(10) + delay, SimTime.microseconds(5) + delay])
        #expect(sideA.times == [SimTime.nanoseconds(123) + delay])
        #expect(sideB.arrivals.map { $0.bytes[20] } == [1 &+ 6, 2 &+ 6])
        #expect(link.aToB.deliveredFrames == 2)
        #expect(link.aToB.deliveredBytes == 200)
        #expect(link.bToA.offeredFrames == 1)
        #expect(link.bToA.offeredBytes == 64)
        #expect(link.lostFrames == 0)
        #expect(link.aToB.overlappingFrames == 0)
        #expect(sim.frames.live == 0)
    }

    @Test func zeroDelayDeliversAtTheSameTime() {
        let sim = Simulator(seed: 1)
        let link = Link(simulator: sim, name: "l", rateBitsPerSecond: 1_000_000_000, propagationDelay: .zero)
        let sideB = Collector()
        link.attach(a: Collector(), b: sideB)
        Feeder(simulator: sim, sink: link.endA).send(
            ethernetFrame(to: macB, from: macA, length: 60), at: .nanoseconds(42), simulator: sim)
        sim.run()
        #expect(sideB.times == [.nanoseconds(42)])
    }

    /// Runs `count` frames through a lossy link and returns the indices (payload tags) that arrived.
    private func survivors(seed: UInt64, probability: Double, count: Int, name: String = "lossy") -> ([Int], Link) {
        let sim = Simulator(seed: seed)
        let link = Link(
            simulator: sim, name: name, rateBitsPerSecond: 1_000_000_000, propagationDelay: .nanoseconds(100),
            lossProbability: probability)
        let sideB = Collector()
        link.attach(a: Collector(), b: sideB)
        let feeder = Feeder(simulator: sim, sink: link.endA)
        for i in 0..<count {
            var bytes = ethernetFrame(to: macB, from: macA, length: 64)
            bytes[14] = UInt8(i >> 8)
            bytes[15] = UInt8(i & 0xFF)
            feeder.send(bytes, at: .microseconds(Int64(i)), simulator: sim)
        }
        sim.run()
        #expect(sim.frames.live == 0)
        return (sideB.arrivals.map { Int($0.bytes[14]) << 8 | Int($0.bytes[15]) }, link)
    }

    @Test func seededLossIsDeterministicAndNearTheRate() {
        let (first, link) = survivors(seed: 42, probability: 0.1, count: 10_000)
        let (again, _) = survivors(seed: 42, probability: 0.1, count: 10_000)
        let (other, _) = survivors(seed: 43, probability: 0.1, count: 10_000)
        #expect(first == again)
        #expect(first != other)
        #expect(link.lostFrames == 10_000 - first.count)
        #expect(link.aToB.lostFrames + link.aToB.deliveredFrames == 10_000)
        // Binomial(10,000, 0.1): standard deviation 30; ±250 is more than eight deviations.
        #expect((750...1_250).contains(link.lostFrames))
        #expect(first == first.sorted(), "a constant delay keeps frames in order")
    }

    @Test func lossStreamIsNamedAfterTheLink() {
        let (x, _) = survivors(seed: 42, probability: 0.5, count: 200, name: "x")
        let (y, _) = survivors(seed: 42, probability: 0.5, count: 200, name: "y")
        #expect(x != y)
    }

    @Test(arguments: [0.0, 1.0])
    func lossProbabilityEdges(probability: Double) {
        let (arrived, link) = survivors(seed: 7, probability: probability, count: 100)
        #expect(arrived.count == (probability == 0 ? 100 : 0))
        #expect(link.lostFrames == (probability == 0 ? 0 : 100))
    }

    @Test func unattachedFarSideReleasesAndCounts() {
        let sim = Simulator(seed: 1)
        let link = Link(simulator: sim, name: "l", rateBitsPerSecond: 1_000_000_000, propagationDelay: .nanoseconds(5))
        Feeder(simulator: sim, sink: link.endA).send(
            ethernetFrame(to: macB, from: macA, length: 60), at: .zero, simulator: sim)
        sim.run()
        #expect(link.aToB.undeliverableFrames == 1)
        #expect(link.aToB.deliveredFrames == 0)
        #expect(sim.frames.live == 0)
    }

    @Test func framesHandedOverFasterThanTheRateAreCountedAsOverlapping() {
        let sim = Simulator(seed: 1)
        let rate: Int64 = 1_000_000_000
        let link = Link(simulator: sim, name: "l", rateBitsPerSecond: rate, propagationDelay: .nanoseconds(5))
        link.attach(a: Collector(), b: Collector())
        let feeder = Feeder(simulator: sim, sink: link.endA)
        let spacing = EthernetWireTiming.timeToLastBit(frameLength: 1000, bitsPerSecond: rate)
        feeder.send(ethernetFrame(to: macB, from: macA, length: 1000), at: .zero, simulator: sim)
        // Exactly one serialization time later: first bit right at the previous last bit (allowed).
        feeder.send(ethernetFrame(to: macB, from: macA, length: 1000), at: .zero + spacing, simulator: sim)
        // One picosecond too soon.
        feeder.send(
            ethernetFrame(to: macB, from: macA, length: 1000),
            at: .zero + spacing + spacing + .picoseconds(-1), simulator: sim)
        sim.run()
        #expect(link.aToB.overlappingFrames == 1)
        #expect(link.aToB.deliveredFrames == 3)
    }
}
