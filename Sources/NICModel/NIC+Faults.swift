import HostMemory
import SimCore

/// The kinds of DMA transfer the device makes, for choosing which of them an injected fault hits.
///
/// Not a register: a test harness's view of the device's bus traffic (datasheet §8.1).
public struct DMATransferKinds: OptionSet, Hashable, Sendable {
    /// One bit per kind.
    public var rawValue: UInt8
    /// Wraps bits.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Reads of transmit descriptors (one transfer per descriptor of a batch, §4.2).
    public static let descriptorFetch = DMATransferKinds(rawValue: 1 << 0)
    /// Reads of transmit packet buffers (one transfer per data descriptor, §4.3).
    public static let payload = DMATransferKinds(rawValue: 1 << 1)
    /// Status writes: a transmit descriptor's `DD` (§4.5) and a receive descriptor's write-back (§11.2).
    public static let writeBack = DMATransferKinds(rawValue: 1 << 2)
    /// Receive buffer transfers: the buffer address read and the frame's write into the buffer (§11.2).
    public static let receive = DMATransferKinds(rawValue: 1 << 3)
    /// Every kind.
    public static let all: DMATransferKinds = [.descriptorFetch, .payload, .writeBack, .receive]
}

/// A fault injected into the device's DMA transfers: while active, each transfer of the chosen kinds is offered to
/// the trigger, and a transfer the trigger picks ends in a master abort (`HostMemory`'s `MemoryFault.Code.masterAbort`),
/// which the device handles as any DMA fault (datasheet §8, §8.1).
public struct NICDMAFault: Sendable {
    /// The transfers it can hit.
    public var kinds: DMATransferKinds
    /// Which of them it hits; `FaultTrigger.fired` counts the transfers failed.
    public var trigger: FaultTrigger
    /// Whether it acts now (the scenario's window).
    public var isActive = false
    /// An inactive fault on the transfers of `kinds` that `trigger` picks.
    public init(kinds: DMATransferKinds, trigger: FaultTrigger) {
        self.kinds = kinds
        self.trigger = trigger
    }
}

/// A fault on the interrupt line between the device and the host: while active, each interrupt message the device
/// sends is offered to the trigger, and a message the trigger picks is lost or delivered late (datasheet §8.1).
public struct NICInterruptFault: Sendable {
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
    /// Whether it acts now (the scenario's window).
    public var isActive = false
    /// Delay added to the messages it made late, summed.
    public internal(set) var addedDelay = SimDuration.zero
    /// An inactive fault doing `effect` to the messages `trigger` picks.
    public init(effect: Effect, trigger: FaultTrigger) {
        self.effect = effect
        self.trigger = trigger
    }
}

extension NIC {
    // MARK: DMA faults

    /// Adds an inactive DMA fault and returns its index for ``setDMAFault(_:active:)`` and ``dmaFault(_:)``.
    public func addDMAFault(_ fault: NICDMAFault) -> Int {
        var fault = fault
        fault.isActive = false
        dmaFaults.append(fault)
        return dmaFaults.count - 1
    }

    /// Starts or stops a DMA fault (its window opening or closing).
    public func setDMAFault(_ index: Int, active: Bool) {
        guard dmaFaults.indices.contains(index), dmaFaults[index].isActive != active else { return }
        dmaFaults[index].isActive = active
        activeDMAFaults += active ? 1 : -1
    }

    /// A DMA fault as it stands, with its counts.
    public func dmaFault(_ index: Int) -> NICDMAFault? { dmaFaults.indices.contains(index) ? dmaFaults[index] : nil }

    /// Offers a transfer of `kind` to the active DMA faults; throws the master abort when one of them picks it.
    ///
    /// Every active fault that covers the kind sees the transfer (so each keeps its own every-n-th count).
    @inline(__always)
    func injectDMAFault(_ kind: DMATransferKinds, at address: UInt64, length: Int) throws(MemoryFault) {
        guard activeDMAFaults > 0 else { return }
        var hit = false
        for i in dmaFaults.indices where dmaFaults[i].isActive && dmaFaults[i].kinds.contains(kind) {
            if dmaFaults[i].trigger.fires() { hit = true }
        }
        guard hit else { return }
        _counters.dmaFaultsInjected += 1
        throw MemoryFault(code: .masterAbort, address: address, length: length)
    }

    // MARK: Interrupt-line faults

    /// Adds an inactive interrupt-line fault and returns its index.
    public func addInterruptFault(_ fault: NICInterruptFault) -> Int {
        var fault = fault
        fault.isActive = false
        interruptFaults.append(fault)
        return interruptFaults.count - 1
    }

    /// Starts or stops an interrupt-line fault.
    public func setInterruptFault(_ index: Int, active: Bool) {
        guard interruptFaults.indices.contains(index), interruptFaults[index].isActive != active else { return }
        interruptFaults[index].isActive = active
        activeInterruptFaults += active ? 1 : -1
    }

    /// An interrupt-line fault as it stands, with its counts.
    public func interruptFault(_ index: Int) -> NICInterruptFault? {
        interruptFaults.indices.contains(index) ? interruptFaults[index] : nil
    }

    /// Hands an interrupt message to the host, unless an active interrupt-line fault loses or delays it. The first
    /// active fault whose trigger picks the message decides; later ones do not see it.
    func deliverInterrupt(vector: Int) {
        if activeInterruptFaults > 0 {
            for i in interruptFaults.indices where interruptFaults[i].isActive {
                guard interruptFaults[i].trigger.fires() else { continue }
                switch interruptFaults[i].effect {
                case .lose:
                    _counters.interruptsLost += 1
                case .delay(let delay):
                    _counters.interruptsDelayed += 1
                    interruptFaults[i].addedDelay = interruptFaults[i].addedDelay + delay
                    simulator.schedule(after: delay, target: id, kind: EventKind.delayedInterrupt.rawValue,
                                       a: UInt64(vector), b: generation)
                }
                return
            }
        }
        interruptSink?.interruptRaised(vector: vector)
    }
}
