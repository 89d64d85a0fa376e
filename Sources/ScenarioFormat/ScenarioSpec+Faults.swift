/// A fault the scenario injects into the run: the `faults` section (`Fixtures/scenarios/README.md`, "Faults").
///
/// Every fault has a kind, a target where it applies, a window of virtual time, and the parameters its kind uses;
/// the others keep their defaults. All randomness comes from the scenario's seed.
public struct FaultSpec: Hashable, Sendable {
    /// What goes wrong.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// DMA transfers of the target's NIC end in a master abort (datasheet §8.1).
        case dmaError = "dma-error"
        /// The server's IOTLB is flushed every `period`, or (without one) misses on every translation.
        case iotlbMissStorm = "iotlb-miss-storm"
        /// Interrupt messages of the target's NIC never reach its host.
        case lostInterrupt = "lost-interrupt"
        /// Interrupt messages of the target's NIC reach its host `delay` late.
        case lateInterrupt = "late-interrupt"
        /// The target link is down for the window: every frame on it is dropped.
        case linkFlap = "link-flap"
        /// The target link drops frames in bursts (fixed length, or a Gilbert–Elliott channel).
        case lossBurst = "loss-burst"
        /// The server's application makes `calls` extra write calls in the window, far more than the ring holds.
        case ringFullStorm = "ring-full-storm"
        /// The vde_switch behind the VDE port is sent a signal at `at` (its pid read from `pid-file`).
        case vdeSwitchKill = "vde-switch-kill"
    }

    /// Where a fault applies.
    public enum Target: Hashable, Sendable {
        /// The server: its NIC, its IOMMU, its application, or its link.
        case server
        /// A receiver: its link, or (kind `host`) its NIC.
        case receiver(Int)
        /// The VDE port: its switch process, or the link to it.
        case vde
    }

    /// Which events of the window a fault acts on (see `FaultTrigger`).
    public enum Trigger: Hashable, Sendable {
        case always
        case everyNth(Int)
        /// Parts per million.
        case probability(UInt32)
    }

    /// The DMA transfers a `dma-error` hits.
    public enum DMATransfer: String, Hashable, Sendable, CaseIterable {
        case descriptor
        case payload
        case writeBack = "write-back"
        case receive
    }

    /// Which way along a link a link fault drops frames.
    public enum LinkDirection: String, Hashable, Sendable, CaseIterable {
        case both
        /// Frames travelling toward the switch.
        case toSwitch = "to-switch"
        /// Frames travelling away from the switch.
        case fromSwitch = "from-switch"
    }

    /// A Gilbert–Elliott channel; probabilities in parts per million.
    public struct GilbertElliott: Hashable, Sendable {
        public var goodToBad: UInt32
        public var badToGood: UInt32
        public var lossInGood: UInt32 = 0
        public var lossInBad: UInt32 = 1_000_000
        public init(goodToBad: UInt32, badToGood: UInt32) {
            self.goodToBad = goodToBad
            self.badToGood = badToGood
        }
    }

    /// The signal `vde-switch-kill` sends.
    public enum Signal: String, Hashable, Sendable, CaseIterable {
        /// SIGTERM: vde_switch exits and removes its socket directory.
        case term
        /// SIGKILL: vde_switch dies as in a crash, leaving its sockets behind.
        case kill
    }

    /// What goes wrong.
    public var kind: Kind
    /// Where.
    public var target: Target
    /// Picoseconds from the start at which the fault begins.
    public var start: Int64 = 0
    /// Picoseconds from the start at which it ends; nil lasts to the end of the run.
    public var end: Int64?
    /// Which events of the window it acts on (`every`, `probability`).
    public var trigger = Trigger.always
    /// `dma-error`: the transfers it hits.
    public var transfers: Set<DMATransfer> = [.payload]
    /// `iotlb-miss-storm`: picoseconds between IOTLB flushes; nil misses on every translation.
    public var period: Int64?
    /// `late-interrupt`: picoseconds each picked interrupt is delayed.
    public var delay: Int64 = 0
    /// Link faults: which way frames are dropped.
    public var direction = LinkDirection.both
    /// `loss-burst`: frames per fixed burst, or a Gilbert–Elliott channel instead.
    public var burst = 1
    public var gilbertElliott: GilbertElliott?
    /// `ring-full-storm`: extra write calls, spread evenly over the window.
    public var calls = 0
    /// `vde-switch-kill`: the file holding the switch's process id (`vde_switch -p FILE`), and the signal.
    public var pidFile = ""
    public var signal = Signal.term

    /// A fault of `kind` at `target` for the whole run, with every parameter at its default.
    public init(kind: Kind, target: Target) {
        self.kind = kind
        self.target = target
    }
}

extension ScenarioSpec {
    /// Write calls the application makes in all: the scenario's own plus those of its ring-full storms.
    public var totalWriteCalls: Int {
        writes.count + faults.filter { $0.kind == .ringFullStorm }.reduce(0) { $0 + $1.calls }
    }
}
