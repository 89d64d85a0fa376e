import SimCore
import Testing

/// A component that keeps its simulator, as every real one does.
private final class Holder: EventHandler {
    let simulator: Simulator
    var handled = 0
    init(simulator: Simulator) { self.simulator = simulator }
    func handle(_ event: Event, simulator: Simulator) { handled += 1 }
}

@Suite("Simulator tear-down")
struct TearDownTests {
    @Test func tearingDownFreesTheSimulatorAndItsComponents() {
        weak var weakSimulator: Simulator?
        weak var weakHolder: Holder?
        do {
            let simulator = Simulator(seed: 1)
            let holder = Holder(simulator: simulator)
            let id = simulator.register(holder, name: "holder")
            simulator.schedule(after: .nanoseconds(5), target: id, kind: 0)
            simulator.schedule(after: .nanoseconds(9), target: id, kind: 0)
            #expect(simulator.run(until: SimTime.zero + .nanoseconds(6)) == .reachedTime)
            #expect(holder.handled == 1)
            weakSimulator = simulator
            weakHolder = holder
            simulator.tearDown()
            #expect(simulator.pendingEvents == 0)
        }
        #expect(weakSimulator == nil)
        #expect(weakHolder == nil)
    }

    @Test func withoutTearDownTheCycleKeepsBothAlive() {
        weak var weakSimulator: Simulator?
        do {
            let simulator = Simulator(seed: 1)
            _ = simulator.register(Holder(simulator: simulator), name: "holder")
            weakSimulator = simulator
        }
        // The cycle this API exists for; break it so the test leaks nothing.
        let kept = weakSimulator
        #expect(kept != nil)
        kept?.tearDown()
    }
}
