import SimCore

/// A fault injected into a ``Link``: while active, frames offered to the chosen directions are dropped at the
/// link (released, counted in ``LinkDirectionCounters/faultDrops``) by one of three models.
///
/// A frame the link's own random loss already dropped is not offered to its faults.
public struct LinkFault: Sendable {
    /// How frames are chosen for dropping.
    public enum Model: Hashable, Sendable {
        /// The link is down: every frame is dropped (a flap, for the length of the window).
        case down
        /// Fixed bursts: when the trigger fires on a frame, that frame and the next `length − 1` are dropped; the
        /// trigger is not asked during a burst.
        case bursts(length: Int)
        /// A Gilbert–Elliott channel: a good and a bad state with a loss probability each; before each frame the
        /// state moves good → bad with `goodToBad` and bad → good with `badToGood`. Probabilities in parts per
        /// million. The channel starts good when the fault becomes active.
        case gilbertElliott(goodToBad: UInt32, badToGood: UInt32, lossInGood: UInt32, lossInBad: UInt32)
    }

    /// The directions a fault applies to.
    public struct Directions: OptionSet, Hashable, Sendable {
        /// One bit per direction.
        public var rawValue: UInt8
        /// Wraps bits.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Frames handed to ``Link/endA`` (travelling from side A to side B).
        public static let aToB = Directions(rawValue: 1)
        /// Frames handed to ``Link/endB``.
        public static let bToA = Directions(rawValue: 2)
        /// Both directions.
        public static let both: Directions = [.aToB, .bToA]
    }

    /// How frames are chosen for dropping.
    public var model: Model
    /// The directions it acts on.
    public var directions: Directions
    /// For ``Model/bursts(length:)``: when a burst starts. Its stream also draws the Gilbert–Elliott transitions.
    public var trigger: FaultTrigger
    /// Whether it acts now (the scenario's window).
    public internal(set) var isActive = false
    /// Frames offered while active, and those dropped.
    public internal(set) var offered = 0
    public internal(set) var dropped = 0
    /// Bursts started (fixed bursts), or transitions into the bad state (Gilbert–Elliott).
    public internal(set) var bursts = 0
    var burstLeft = 0
    var bad = false

    /// Creates an inactive fault.
    ///
    /// - Precondition: a burst length of at least 1 and probabilities of at most 1,000,000 parts per million.
    public init(model: Model, directions: Directions = .both, trigger: FaultTrigger) {
        switch model {
        case .down: break
        case .bursts(let length): precondition(length >= 1, "a burst drops at least one frame")
        case .gilbertElliott(let p, let r, let g, let b):
            precondition([p, r, g, b].allSatisfy { $0 <= 1_000_000 }, "probability above 1")
        }
        self.model = model
        self.directions = directions
        self.trigger = trigger
    }

    /// Offers one frame; returns whether it is dropped.
    mutating func drops() -> Bool {
        offered += 1
        let drop: Bool
        switch model {
        case .down:
            drop = true
        case .bursts(let length):
            if burstLeft == 0, trigger.fires() {
                burstLeft = length
                bursts += 1
            }
            drop = burstLeft > 0
            if drop { burstLeft -= 1 }
        case .gilbertElliott(let p, let r, let lossGood, let lossBad):
            if bad {
                if trigger.draw(partsPerMillion: r) { bad = false }
            } else if trigger.draw(partsPerMillion: p) {
                bad = true
                bursts += 1
            }
            drop = trigger.draw(partsPerMillion: bad ? lossBad : lossGood)
        }
        if drop { dropped += 1 }
        return drop
    }
}

extension Link {
    /// Adds an inactive fault and returns its index for ``setFault(_:active:)`` and ``fault(_:)``.
    public func addFault(_ fault: LinkFault) -> Int {
        var fault = fault
        fault.isActive = false
        faults.append(fault)
        return faults.count - 1
    }

    /// Starts or stops a fault (its window opening or closing). Starting resets a burst in progress and puts a
    /// Gilbert–Elliott channel in its good state.
    public func setFault(_ index: Int, active: Bool) {
        guard faults.indices.contains(index), faults[index].isActive != active else { return }
        faults[index].isActive = active
        faults[index].burstLeft = 0
        faults[index].bad = false
        activeFaults += active ? 1 : -1
    }

    /// A fault as it stands, with its counts.
    public func fault(_ index: Int) -> LinkFault? { faults.indices.contains(index) ? faults[index] : nil }

    /// Offers a frame travelling from side A (`fromA`) or B to the active faults of its direction; true when one
    /// of them drops it (each active fault of the direction sees every frame).
    func faultDrops(fromA: Bool) -> Bool {
        let direction: LinkFault.Directions = fromA ? .aToB : .bToA
        var drop = false
        for i in faults.indices where faults[i].isActive && faults[i].directions.contains(direction) {
            if faults[i].drops() { drop = true }
        }
        return drop
    }
}
