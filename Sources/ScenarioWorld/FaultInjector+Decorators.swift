import HostMemory
import NICModel
import NetworkModel
import SimCore

// The decorators fault injection installs around the models: one on a NIC's bus to memory (DMAFaultGate), one on a
// NIC's interrupt line (InterruptLineFaults), one on a link (LinkFaultFilter). The world installs one only on a
// component a scenario's fault targets, so a run without faults pays nothing for them; the NIC and the link know
// only the seams (`NIC.transferGate`, `NIC.interruptGate`, `Link.frameFilter`), which decide nothing themselves.
// None of them is a simulator component (a late interrupt message is the device's own event), so installing them
// registers nothing and every event keeps its target: a scenario's trajectory fingerprint is the one it had when
// faults lived inside the device and the link.

/// A fault a decorator holds and switches on and off with the fault's window.
public protocol WindowedFault: Sendable {
    /// Whether it acts now (the scenario's window). A decorator's copy is the one that counts: ``FaultDecorator``
    /// adds a fault inactive and changes this flag only through ``FaultDecorator/setFault(_:active:)``.
    var isActive: Bool { get set }
}

/// The bookkeeping every fault decorator shares: its faults in the order added, each started and stopped by index,
/// and how many are active, so that a decorator with none active passes everything without looking further.
public class FaultDecorator<Fault: WindowedFault> {
    /// The faults, in the order added; the decorators' `admit` and `drops` update their counts in place.
    var faults: [Fault] = []
    /// How many of ``faults`` are active.
    private(set) var activeFaults = 0

    /// A decorator with no faults.
    public init() {}

    /// Adds an inactive fault and returns its index for ``setFault(_:active:)`` and ``fault(_:)``.
    public func add(_ fault: Fault) -> Int {
        var fault = fault
        fault.isActive = false
        faults.append(fault)
        return faults.count - 1
    }

    /// Starts or stops a fault (its window opening or closing); an unknown index or no change does nothing.
    public func setFault(_ index: Int, active: Bool) {
        guard faults.indices.contains(index), faults[index].isActive != active else { return }
        faults[index].isActive = active
        activeFaults += active ? 1 : -1
    }

    /// A fault as it stands, with its counts.
    public func fault(_ index: Int) -> Fault? { faults.indices.contains(index) ? faults[index] : nil }
}

/// A fault injected into a device's DMA transfers: while active, each transfer of the chosen kinds is offered to
/// the trigger, and a transfer the trigger picks ends in a master abort (`MemoryFault.Code.masterAbort`),
/// which the device handles as any DMA fault (datasheet §8, §8.1).
public struct NICDMAFault: WindowedFault {
    /// The transfers it can hit.
    public var kinds: DMATransferKinds
    /// Which of them it hits; `FaultTrigger.fired` counts the transfers failed.
    public var trigger: FaultTrigger
    /// Whether it acts now (the scenario's window); the decorator holding it sets it.
    public var isActive = false
    /// An inactive fault on the transfers of `kinds` that `trigger` picks.
    public init(kinds: DMATransferKinds, trigger: FaultTrigger) {
        self.kinds = kinds
        self.trigger = trigger
    }
}

/// A fault on the interrupt line between a device and its host: while active, each interrupt message the device
/// sends is offered to the trigger, and a message the trigger picks is lost or delivered late (datasheet §8.1).
public struct NICInterruptFault: WindowedFault {
    /// What happens to a picked message.
    public enum Effect: Hashable, Sendable {
        /// The message never reaches the host.
        case lose
        /// The message reaches the host this much later (picoseconds of virtual time).
        case delay(SimDuration)
    }
    /// What happens to a picked message.
    public var effect: Effect
    /// Which messages it acts on; `FaultTrigger.fired` counts them.
    public var trigger: FaultTrigger
    /// Whether it acts now (the scenario's window); the decorator holding it sets it.
    public var isActive = false
    /// Delay added to the messages it made late, summed.
    public internal(set) var addedDelay = SimDuration.zero
    /// An inactive fault doing `effect` to the messages `trigger` picks.
    public init(effect: Effect, trigger: FaultTrigger) {
        self.effect = effect
        self.trigger = trigger
    }
}

/// The decorator on a NIC's bus to memory: the NIC offers it each DMA transfer (`DMATransferGate`), and it
/// fails those its active faults pick.
/// A gate with no faults is installed as `nic.transferGate`.
public final class DMAFaultGate: FaultDecorator<NICDMAFault>, DMATransferGate {
    /// Transfers ended in a master abort (datasheet §8.1).
    public private(set) var injected: UInt64 = 0

    /// Offers the transfer to the active faults that cover its kind (each sees it, so each keeps its own every-n-th
    /// count); throws the master abort when one of them picks it.
    public func admit(_ kind: DMATransferKinds, at address: UInt64, length: Int) throws(MemoryFault) {
        guard activeFaults > 0 else { return }
        var hit = false
        for i in faults.indices where faults[i].isActive && faults[i].kinds.contains(kind) {
            if faults[i].trigger.fires() { hit = true }
        }
        guard hit else { return }
        injected += 1
        throw MemoryFault(code: .masterAbort, address: address, length: length)
    }
}

/// The decorator on a NIC's interrupt line: the device offers it each message it sends
/// (`InterruptLineGate`), and it loses or delays those its active faults pick. A late message travels as
/// the device's own event, so the device drops it when it is reset meanwhile, as it drops its other events.
/// A decorator with no faults is installed as `nic.interruptGate`.
public final class InterruptLineFaults: FaultDecorator<NICInterruptFault>, InterruptLineGate {
    /// Messages lost, and those delivered late.
    public private(set) var lost: UInt64 = 0
    public private(set) var delayed: UInt64 = 0

    /// A message from the device: the first active fault whose trigger picks it decides; later ones do not see it.
    public func admit(vector: Int) -> InterruptLineVerdict {
        guard activeFaults > 0 else { return .deliver }
        for i in faults.indices where faults[i].isActive {
            guard faults[i].trigger.fires() else { continue }
            switch faults[i].effect {
            case .lose:
                lost += 1
                return .lose
            case .delay(let delay):
                delayed += 1
                faults[i].addedDelay = faults[i].addedDelay + delay
                return .delay(delay)
            }
        }
        return .deliver
    }
}

/// A fault injected into a `Link`: while active, frames offered to the chosen directions are dropped at
/// the link (released, counted in `LinkDirectionCounters.faultDrops`) by one of three models.
///
/// A frame the link's own random loss already dropped is not offered to its faults.
public struct LinkFault: WindowedFault {
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
        /// Frames handed to the link's `endA` (travelling from side A to side B).
        public static let aToB = Directions(rawValue: 1)
        /// Frames handed to the link's `endB`.
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
    /// Whether it acts now (the scenario's window). A change either way ends a burst in progress and puts a
    /// Gilbert–Elliott channel in its good state.
    public var isActive = false {
        didSet {
            guard isActive != oldValue else { return }
            burstLeft = 0
            bad = false
        }
    }
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

/// The decorator on a link: the link offers it each frame its own loss kept (`LinkFrameFilter`), and it
/// drops those its active faults pick.
/// A filter with no faults is installed as `link.frameFilter`. Starting or stopping a fault resets a burst in
/// progress and puts a Gilbert–Elliott channel in its good state (``LinkFault/isActive``).
public final class LinkFaultFilter: FaultDecorator<LinkFault>, LinkFrameFilter {
    /// Offers a frame travelling from side A (`fromA`) or B to the active faults of its direction; true when one
    /// of them drops it (each active fault of the direction sees every frame).
    public func drops(fromA: Bool) -> Bool {
        guard activeFaults > 0 else { return false }
        let direction: LinkFault.Directions = fromA ? .aToB : .bToA
        var drop = false
        for i in faults.indices where faults[i].isActive && faults[i].directions.contains(direction) {
            if faults[i].drops() { drop = true }
        }
        return drop
    }
}
