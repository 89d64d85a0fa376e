import SimCore
import Testing

@Suite("Fault triggers")
struct FaultTriggerTests {
    static func answers(_ rule: FaultTrigger.Rule, count: Int, seed: UInt64 = 1) -> [Bool] {
        var trigger = FaultTrigger(rule: rule, random: RandomStream(seed: seed, name: "t"))
        return (0..<count).map { _ in trigger.fires() }
    }

    @Test("always fires on every event; every-n-th on the n-th, 2n-th, …", arguments: [1, 2, 5])
    func deterministicRules(n: Int) {
        #expect(Self.answers(.always, count: 7) == Array(repeating: true, count: 7))
        let every = Self.answers(.everyNth(n), count: 20)
        #expect(every == (1...20).map { $0 % n == 0 })
    }

    @Test("a probability fires at about its rate, the same way for the same seed")
    func probability() {
        let a = Self.answers(.probability(partsPerMillion: 250_000), count: 4000)
        #expect(a == Self.answers(.probability(partsPerMillion: 250_000), count: 4000))
        #expect(a != Self.answers(.probability(partsPerMillion: 250_000), count: 4000, seed: 2))
        let fired = a.filter { $0 }.count
        #expect(fired > 850 && fired < 1150)
        #expect(!Self.answers(.probability(partsPerMillion: 0), count: 100).contains(true))
        #expect(!Self.answers(.probability(partsPerMillion: 1_000_000), count: 100).contains(false))
    }

    @Test("offered and fired count the questions and the yeses")
    func counts() {
        var trigger = FaultTrigger(rule: .everyNth(3), random: RandomStream(seed: 1, name: "t"))
        for _ in 0..<10 { _ = trigger.fires() }
        #expect(trigger.offered == 10)
        #expect(trigger.fired == 3)
    }
}
