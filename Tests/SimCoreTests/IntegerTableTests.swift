import Testing
@testable import SimCore

@Suite("IntegerTable")
struct IntegerTableTests {
    @Test("random inserts, updates and removals agree with a dictionary", arguments: [1, 7, 64, 1000])
    func matchesDictionary(capacity: Int) {
        var random = RandomStream(seed: UInt64(capacity), name: "table")
        var table = IntegerTable(capacity: capacity)
        var oracle: [UInt64: Int32] = [:]
        // Few distinct keys relative to the slots, so probe runs collide, wrap and get shifted back on removal.
        let keySpace = UInt64(max(2, capacity * 2))
        for step in 0..<20_000 {
            let key = random.next() % keySpace &* 0x1_0000_0001  // spread, but with shared low bits
            let value = Int32(truncatingIfNeeded: random.next())
            switch random.next() % 3 {
            case 0, 1:
                let stored = table.set(value, for: key)
                if oracle[key] != nil || oracle.count < capacity {
                    #expect(stored, "step \(step)")
                    oracle[key] = value
                } else {
                    #expect(!stored, "a full table refuses a new key (step \(step))")
                }
            default:
                let removed = table.remove(key)
                let expected = oracle.removeValue(forKey: key)
                #expect(removed == expected, "step \(step)")
            }
            let count = table.count
            #expect(count == oracle.count)
        }
        for (key, value) in oracle {
            let found = table.value(for: key)
            #expect(found == value)
        }
    }

    @Test("a zero-capacity table holds nothing")
    func zeroCapacity() {
        var table = IntegerTable(capacity: 0)
        let stored = table.set(1, for: 42)
        let removed = table.remove(42)
        #expect(!stored)
        #expect(table.value(for: 42) == nil)
        #expect(removed == nil)
    }
}

@Suite("Reserved sequence numbers")
struct ReservedSequenceTests {
    final class Chain: EventHandler {
        var seen: [UInt64] = []
        var next: [UInt64: (SimTime, UInt64)] = [:]
        func handle(_ event: Event, simulator: Simulator) {
            seen.append(event.a)
            if let (time, sequence) = next[event.a] {
                simulator.schedule(at: time, reservedSequence: sequence, target: event.target, kind: 0, a: event.a + 1)
            }
        }
    }

    /// A series scheduled one at a time with reserved numbers interleaves with other events exactly as the same
    /// series scheduled all at once.
    @Test func lazySeriesRunsInTheSameOrderAsAnEagerOne() {
        func run(lazy: Bool) -> [UInt64] {
            let sim = Simulator(seed: 1)
            let chain = Chain()
            let id = sim.register(chain, name: "chain")
            let times = (0..<20).map { SimTime.nanoseconds(Int64($0 / 2 * 10)) }  // pairs of equal times
            if lazy {
                let first = sim.reserveSequenceNumbers(times.count)
                for k in 0..<times.count - 1 { chain.next[UInt64(k)] = (times[k + 1], first + UInt64(k + 1)) }
                sim.schedule(at: times[0], reservedSequence: first, target: id, kind: 0, a: 0)
            } else {
                for (k, t) in times.enumerated() { sim.schedule(at: t, target: id, kind: 0, a: UInt64(k)) }
            }
            // Other events at the same times, scheduled after the series: they must run after its members.
            for k in 0..<20 { sim.schedule(at: .nanoseconds(Int64(k * 5)), target: id, kind: 0, a: 1000 + UInt64(k)) }
            sim.run()
            return chain.seen
        }
        let eager = run(lazy: false)
        let lazy = run(lazy: true)
        #expect(eager.count == 40)
        #expect(lazy == eager)
    }

    @Test("insertGrowing doubles a full table and keeps every key")
    func insertGrowingKeepsKeys() {
        var table = IntegerTable(capacity: 0)
        for k in 0..<1_000 { table.insertGrowing(Int32(k), for: UInt64(k) &* 0x9E37_79B9) }
        #expect(table.count == 1_000)
        #expect(table.capacity >= 1_000)
        for k in 0..<1_000 where table.value(for: UInt64(k) &* 0x9E37_79B9) != Int32(k) { Issue.record("key \(k)") }
        table.insertGrowing(-1, for: 0)  // an update never grows
        #expect(table.value(for: 0) == -1 && table.count == 1_000)
    }
}
