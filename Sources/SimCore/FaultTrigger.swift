/// Decides, event by event, whether an injected fault acts: on every event, on every n-th, or with a probability
/// drawn from a seeded ``RandomStream``.
///
/// Components that can be made to fail (a NIC's DMA, its interrupt line, a link) hold one trigger per fault and ask
/// ``fires()`` once per event they offer it (a DMA transfer, an interrupt message, a frame) while the fault is
/// active. The answers depend only on the rule, the stream's seed and name, and the order of the questions, so the
/// same scenario and seed fail the same events.
public struct FaultTrigger: Sendable {
    /// When the fault acts on an event it is offered.
    public enum Rule: Hashable, Sendable {
        /// On every event.
        case always
        /// On the n-th, 2n-th, … event offered (n ≥ 1; 1 is every event).
        case everyNth(Int)
        /// Independently per event, with this probability in parts per million (0 … 1,000,000).
        case probability(partsPerMillion: UInt32)
    }

    /// The rule.
    public let rule: Rule
    /// Events offered so far.
    public private(set) var offered: UInt64 = 0
    /// Events the fault acted on so far.
    public private(set) var fired: UInt64 = 0
    var random: RandomStream

    /// Creates a trigger; `random` is used only by ``Rule/probability(partsPerMillion:)``.
    ///
    /// - Precondition: an every-n-th rule has n ≥ 1 and a probability is at most 1,000,000 parts per million
    ///   (scenario parsing refuses others first).
    public init(rule: Rule, random: RandomStream) {
        switch rule {
        case .always: break
        case .everyNth(let n): precondition(n >= 1, "every-n-th needs n >= 1")
        case .probability(let ppm): precondition(ppm <= 1_000_000, "probability above 1")
        }
        self.rule = rule
        self.random = random
    }

    /// Offers one event; returns whether the fault acts on it, counting both.
    public mutating func fires() -> Bool {
        offered &+= 1
        let hit: Bool
        switch rule {
        case .always: hit = true
        case .everyNth(let n): hit = offered % UInt64(n) == 0
        case .probability(let ppm): hit = random.next() % 1_000_000 < UInt64(ppm)
        }
        if hit { fired &+= 1 }
        return hit
    }

    /// Draws one Bernoulli outcome with `partsPerMillion` from the trigger's stream, without counting it (for
    /// state machines such as a Gilbert–Elliott channel that need more than one draw per event).
    public mutating func draw(partsPerMillion: UInt32) -> Bool {
        random.next() % 1_000_000 < UInt64(partsPerMillion)
    }
}
