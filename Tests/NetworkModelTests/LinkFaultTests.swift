import SimCore
import Testing

@testable import NetworkModel

/// The link's seam for fault injection (``LinkFrameFilter``): what the filter drops is released and counted, in
/// the direction it was told; the fault models themselves (a link down, bursts, Gilbert–Elliott) are the scenarios'
/// decorators (ScenariosTests' `LinkFaultFilterTests`).
@Suite struct LinkFaultTests {
    /// A link with `count` frames offered from side A, one every microsecond from 1 µs, each tagged with its index.
    final class Setup {
        let sim: Simulator
        let link: Link
        let sideA = Collector()
        let sideB = Collector()
        let toB: Feeder
        let toA: Feeder

        init(seed: UInt64 = 1) {
            sim = Simulator(seed: seed)
            link = Link(
                simulator: sim, name: "l", rateBitsPerSecond: 10_000_000_000, propagationDelay: .nanoseconds(100))
            link.attach(a: sideA, b: sideB)
            toB = Feeder(simulator: sim, sink: link.endA, name: "fa")
            toA = Feeder(simulator: sim, sink: link.endB, name: "fb")
        }

        func offer(_ count: Int, toB: Bool = true) {
            for i in 0..<count {
                let feeder = toB ? self.toB : toA
                feeder.send(ethernetFrame(to: macB, from: macA, length: 100, tag: UInt8(truncatingIfNeeded: i)),
                            at: .microseconds(Int64(i + 1)), simulator: sim)
            }
        }

        /// The tags of the frames that reached side B.
        var delivered: [Int] { sideB.arrivals.map { Int($0.bytes[14]) } }
    }

    /// A filter that drops every frame of its directions while `isDown`, and counts what it was offered.
    final class Cut: LinkFrameFilter {
        var isDown = false
        var fromA = true
        var fromB = true
        private(set) var offered = 0
        private(set) var dropped = 0
        func drops(fromA: Bool) -> Bool {
            offered += 1
            let drop = isDown && (fromA ? self.fromA : fromB)
            if drop { dropped += 1 }
            return drop
        }
    }

    @Test func framesTheFilterDropsInAWindowAreReleasedAndCountedAndOnlyThose() {
        let s = Setup()
        let cut = Cut()
        s.link.frameFilter = cut
        // Down from 5.5 µs to 10.5 µs: frames 5 … 9 (sent at 6 … 10 µs) are lost.
        let script = Script(simulator: s.sim)
        script.at(.nanoseconds(5_500)) { cut.isDown = true }
        script.at(.nanoseconds(10_500)) { cut.isDown = false }
        s.offer(20)
        s.sim.run()
        #expect(s.delivered == Array(0..<5) + Array(10..<20))
        #expect(s.link.aToB.faultDrops == 5)
        #expect(s.link.aToB.lostFrames == 0)
        #expect(s.link.aToB.offeredFrames == 20)
        #expect(cut.dropped == 5)
        #expect(cut.offered == 20)
        #expect(s.sim.frames.live == 0)
    }

    @Test func theFilterIsToldEachFramesDirection() {
        let s = Setup()
        let cut = Cut()
        cut.isDown = true
        cut.fromA = false
        s.link.frameFilter = cut
        s.offer(10, toB: true)
        s.offer(10, toB: false)
        s.sim.run()
        #expect(s.sideB.arrivals.count == 10)
        #expect(s.sideA.arrivals.isEmpty)
        #expect(s.link.bToA.faultDrops == 10)
        #expect(s.link.aToB.faultDrops == 0)
    }

    @Test func framesTheLinksOwnLossDropsAreNotOfferedToTheFilter() {
        let sim = Simulator(seed: 3)
        let link = Link(simulator: sim, name: "lossy", rateBitsPerSecond: 10_000_000_000,
                        propagationDelay: .nanoseconds(100), lossProbability: 0.3)
        let sideB = Collector()
        link.attach(a: Collector(), b: sideB)
        let cut = Cut()
        link.frameFilter = cut
        let feeder = Feeder(simulator: sim, sink: link.endA, name: "fa")
        for i in 0..<200 {
            feeder.send(ethernetFrame(to: macB, from: macA, length: 100, tag: UInt8(truncatingIfNeeded: i)),
                        at: .microseconds(Int64(i + 1)), simulator: sim)
        }
        sim.run()
        #expect(link.aToB.lostFrames > 0)
        #expect(cut.offered == 200 - link.aToB.lostFrames)
        #expect(sideB.arrivals.count == cut.offered)
    }
}

/// Runs closures at chosen virtual times.
private final class Script: EventHandler {
    private var actions: [() -> Void] = []
    private var id = ComponentID(rawValue: 0)
    private let simulator: Simulator

    init(simulator: Simulator) {
        self.simulator = simulator
        id = simulator.register(self, name: "script")
    }

    func at(_ time: SimTime, _ action: @escaping () -> Void) {
        actions.append(action)
        simulator.schedule(at: time, target: id, kind: 1, a: UInt64(actions.count - 1))
    }

    func handle(_ event: Event, simulator: Simulator) { actions[Int(event.a)]() }
}
