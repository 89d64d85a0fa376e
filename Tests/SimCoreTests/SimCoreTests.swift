import Testing
@testable import SimCore

final class Recorder: EventHandler {
    var seen: [(time: SimTime, a: UInt64)] = []
    var rescheduleUntil: SimTime = .zero
    func handle(_ event: Event, simulator: Simulator) {
        seen.append((simulator.now, event.a))
        if simulator.now < rescheduleUntil {
            simulator.schedule(after: .nanoseconds(10), target: event.target, kind: 0, a: event.a + 1000)
        }
    }
}

@Suite("SimCore")
struct SimCoreTests {
    @Test("events at equal times run in the order they were scheduled")
    func fifoAmongEqualTimes() {
        let sim = Simulator(seed: 1)
        let r = Recorder()
        let id = sim.register(r, name: "r")
        for i in 0..<100 { sim.schedule(at: .nanoseconds(Int64(5 - i % 3)), target: id, kind: 0, a: UInt64(i)) }
        #expect(sim.run() == .idle)
        #expect(r.seen.count == 100)
        for k in 1..<r.seen.count {
            let (p, q) = (r.seen[k - 1], r.seen[k])
            #expect(p.time < q.time || (p.time == q.time && p.a < q.a))
        }
    }

    @Test("the heap orders random times like a stable sort", arguments: [1, 2, 3, 99])
    func heapMatchesStableSort(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "heap")
        var queue = EventQueue()
        var reference: [(Int64, UInt64)] = []
        var popped: [(Int64, UInt64)] = []
        for i in 0..<5000 {
            let t = Int64(random.next() % 300)
            queue.push(
                Event(
                    time: SimTime(rawValue: t), sequence: UInt64(i), target: ComponentID(rawValue: 0), kind: 0, a: 0,
                    b: 0))
            reference.append((t, UInt64(i)))
            if random.next() % 3 == 0, let e = queue.pop() { popped.append((e.time.rawValue, e.sequence)) }
        }
        while let e = queue.pop() { popped.append((e.time.rawValue, e.sequence)) }
        #expect(popped.count == reference.count)
        // Every pop is the minimum of what was in the queue; check the popped stream against a replay.
        var pending: [(Int64, UInt64)] = []
        var random2 = RandomStream(seed: seed, name: "heap")
        var index = 0
        for i in 0..<5000 {
            let t = Int64(random2.next() % 300)
            pending.append((t, UInt64(i)))
            if random2.next() % 3 == 0 {
                let m = pending.indices.min { pending[$0] < pending[$1] }!
                #expect(pending[m] == popped[index])
                pending.remove(at: m)
                index += 1
            }
        }
        pending.sort { $0 < $1 }
        #expect(Array(popped[index...]).elementsEqual(pending) { $0 == $1 })
    }

    @Test("run(until:) stops at the time and resumes where it stopped")
    func runUntil() {
        let sim = Simulator(seed: 1)
        let r = Recorder()
        r.rescheduleUntil = .microseconds(1)
        let id = sim.register(r, name: "r")
        sim.schedule(at: .zero, target: id, kind: 0)
        #expect(sim.run(until: .nanoseconds(55)) == .reachedTime)
        #expect(sim.now == .nanoseconds(55))
        #expect(r.seen.count == 6)  // 0, 10, …, 50 ns
        #expect(sim.run() == .idle)
        #expect(r.seen.last?.time == .microseconds(1))
    }

    @Test("the event limit ends a runaway run")
    func eventLimit() {
        let sim = Simulator(seed: 1)
        let r = Recorder()
        r.rescheduleUntil = .never
        let id = sim.register(r, name: "r")
        sim.eventLimit = 1000
        sim.schedule(at: .zero, target: id, kind: 0)
        #expect(sim.run() == .eventLimitReached)
        #expect(sim.eventsProcessed == 1000)
    }

    @Test("random streams depend on seed and name only")
    func randomStreams() {
        var a = RandomStream(seed: 7, name: "link.rx1")
        var b = RandomStream(seed: 7, name: "link.rx1")
        var c = RandomStream(seed: 7, name: "link.rx2")
        var d = RandomStream(seed: 8, name: "link.rx1")
        let sa = (0..<16).map { _ in a.next() }
        #expect(sa == (0..<16).map { _ in b.next() })
        #expect(sa != (0..<16).map { _ in c.next() })
        #expect(sa != (0..<16).map { _ in d.next() })
        var u = RandomStream(seed: 1, name: "unit")
        let mean = (0..<10_000).map { _ in u.nextUnit() }.reduce(0, +) / 10_000
        #expect(abs(mean - 0.5) < 0.02)
    }

    @Test("serialization times are exact and rounded up", arguments: [
        (1538 * 8, 10_000_000_000, 1_230_400),  // a full frame on the wire at 10 Gb/s: 1,230.4 ns
        (8, 1_000_000_000, 8_000),
        (1, 3, 333_333_333_334),  // rounded up
        (12_304, 1_000_000_000, 12_304_000),
    ])
    func serialization(bits: Int64, rate: Int64, picoseconds: Int64) {
        #expect(SimDuration.serialization(bits: bits, bitsPerSecond: rate).rawValue == picoseconds)
    }

    @Test("frame store recycles slots and reports what is live")
    func frameStore() {
        let store = FrameStore(slotCapacity: 64, initialSlots: 2)
        let a = store.allocate()
        #expect(store.append([1, 2, 3], from: 0, count: 3, to: a))
        #expect(!store.append(Array(repeating: 0, count: 62), from: 0, count: 62, to: a), "does not fit")
        let b = store.duplicate(a)
        let c = store.allocate()  // grows
        #expect(store.contents(of: b) == [1, 2, 3])
        #expect(store.live == 3)
        store.release(a)
        store.release(b)
        store.release(c)
        #expect(store.live == 0)
        #expect(store.peakLive == 3)
        let again = store.allocate()
        #expect(store.length(of: again) == 0)
    }

    @Test("time prints in readable units")
    func description() {
        #expect(SimDuration.nanoseconds(1500).description == "1.500 us")
        #expect(SimDuration.picoseconds(12).description == "12 ps")
        #expect(SimTime.seconds(2).description == "2.000000 s")
    }
}
