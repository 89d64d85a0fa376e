import SimCore
import Testing

@testable import NetworkModel

/// Injected link faults: a link down for a window, fixed loss bursts, a Gilbert–Elliott channel.
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
            link = Link(simulator: sim, name: "l", rateBitsPerSecond: 10_000_000_000, propagationDelay: .nanoseconds(100))
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

    static func trigger(_ rule: FaultTrigger.Rule, seed: UInt64 = 1) -> FaultTrigger {
        FaultTrigger(rule: rule, random: RandomStream(seed: seed, name: "burst"))
    }

    @Test func aLinkDownDropsEveryFrameOfItsWindowAndOnlyThose() {
        let s = Setup()
        let fault = s.link.addFault(LinkFault(model: .down, trigger: Self.trigger(.always)))
        // Down from 5.5 µs to 10.5 µs: frames 5 … 9 (sent at 6 … 10 µs) are lost.
        let script = Script(simulator: s.sim)
        script.at(.nanoseconds(5_500)) { s.link.setFault(fault, active: true) }
        script.at(.nanoseconds(10_500)) { s.link.setFault(fault, active: false) }
        s.offer(20)
        s.sim.run()
        #expect(s.delivered == Array(0..<5) + Array(10..<20))
        #expect(s.link.aToB.faultDrops == 5)
        #expect(s.link.aToB.lostFrames == 0)
        #expect(s.link.fault(fault)?.dropped == 5)
        #expect(s.link.fault(fault)?.offered == 5)
        #expect(s.sim.frames.live == 0)
    }

    @Test func aFaultOnOneDirectionLeavesTheOtherAlone() {
        let s = Setup()
        let fault = s.link.addFault(LinkFault(model: .down, directions: .bToA, trigger: Self.trigger(.always)))
        s.link.setFault(fault, active: true)
        s.offer(10, toB: true)
        s.offer(10, toB: false)
        s.sim.run()
        #expect(s.sideB.arrivals.count == 10)
        #expect(s.sideA.arrivals.isEmpty)
        #expect(s.link.bToA.faultDrops == 10)
        #expect(s.link.aToB.faultDrops == 0)
    }

    @Test(arguments: [1, 3, 7])
    func fixedBurstsDropTheirLengthFromEveryTriggeringFrame(length: Int) {
        let s = Setup()
        // A burst starts at every 10th frame the trigger is asked about (it is not asked during a burst).
        let fault = s.link.addFault(LinkFault(model: .bursts(length: length), trigger: Self.trigger(.everyNth(10))))
        s.link.setFault(fault, active: true)
        s.offer(100)
        s.sim.run()
        let lost = Set(0..<100).subtracting(s.delivered).sorted()
        // The trigger sees frames outside bursts only: bursts start at frames 9, 19 + (length − 1), …
        var expected: [Int] = []
        var asked = 0
        var frame = 0
        while frame < 100 {
            asked += 1
            if asked % 10 == 0 {
                expected.append(contentsOf: frame..<min(100, frame + length))
                frame += length
            } else {
                frame += 1
            }
        }
        #expect(lost == expected)
        #expect(s.link.fault(fault)?.bursts == (expected.count + length - 1) / length)
        #expect(s.link.aToB.faultDrops == expected.count)
    }

    @Test func gilbertElliottIsSeededAndLosesInRuns() {
        func lost(seed: UInt64) -> [Int] {
            let s = Setup(seed: seed)
            let fault = s.link.addFault(LinkFault(
                model: .gilbertElliott(goodToBad: 50_000, badToGood: 250_000, lossInGood: 0, lossInBad: 1_000_000),
                trigger: Self.trigger(.always, seed: seed)))
            s.link.setFault(fault, active: true)
            s.offer(250)
            s.sim.run()
            #expect(s.link.aToB.faultDrops == 250 - s.delivered.count)
            return Set(0..<250).subtracting(s.delivered).sorted()
        }
        let a = lost(seed: 1)
        #expect(a == lost(seed: 1))
        #expect(a != lost(seed: 2))
        // Loss comes in runs: more consecutive pairs than independent loss at the same rate would give.
        let pairs = zip(a, a.dropFirst()).filter { $1 == $0 + 1 }.count
        #expect(a.count > 10)
        #expect(Double(pairs) > Double(a.count) * 0.4)
    }

    @Test func anInactiveFaultIsNotOffered() {
        let s = Setup()
        let fault = s.link.addFault(LinkFault(model: .down, trigger: Self.trigger(.always)))
        s.offer(5)
        s.sim.run()
        #expect(s.delivered.count == 5)
        #expect(s.link.fault(fault)?.offered == 0)
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
