import WireFormats

/// A scenario as read from a file and validated: every value typed, every name resolved, every default filled.
///
/// The world builder turns it into hosts, a NIC, a switch and receivers; nothing here touches files.
public struct ScenarioSpec: Hashable, Sendable {
    /// A short name for reports.
    public var name: String
    /// The seed every random stream derives from.
    public var seed: UInt64
    /// Virtual time after which the run stops even if events remain; `nil` runs until nothing is left.
    public var duration: Int64?  // picoseconds
    public var server: ServerSpec
    public var network: NetworkSpec
    public var receivers: [ReceiverSpec]
    public var writes: WritesSpec
    /// Policies installed on the server and on `host` receivers.
    public var policies: [PolicySpec] = []
    /// Media streams the server plays.
    public var streams: StreamsSpec?
    /// What the run must show (`expect:`); `nicsim run` exits 1 when one fails.
    public var expectations: [ExpectationSpec] = []
    /// Faults injected into the run (the `faults` section).
    public var faults: [FaultSpec] = []
    /// The limits the scenario was checked against; the world takes its event limit and the largest stream file it
    /// reads from them.
    public var limits = ScenarioLimits()
    /// Where the keys the world builder may refuse are in the file (empty for a spec built in code); not part of
    /// equality.
    public var locations = SourceLocations()

    public init(name: String, seed: UInt64, duration: Int64?, server: ServerSpec, network: NetworkSpec,
                receivers: [ReceiverSpec], writes: WritesSpec) {
        self.name = name
        self.seed = seed
        self.duration = duration
        self.server = server
        self.network = network
        self.receivers = receivers
        self.writes = writes
    }
}

/// A link's physical properties.
public struct LinkSpec: Hashable, Sendable {
    /// Bits per second.
    public var rate: Int64
    /// One-way propagation delay in picoseconds.
    public var delay: Int64
    public init(rate: Int64, delay: Int64) {
        self.rate = rate
        self.delay = delay
    }
}

/// How the driver turns a write into descriptors.
public enum DriverMode: String, Hashable, Sendable, CaseIterable {
    /// Descriptors point into the application's pages (B1).
    case zeroCopy = "zero-copy"
    /// The CPU copies payload into driver buffers first (the baseline).
    case copy
}

/// Which driver runs a machine's NIC (`driver.kind`).
public enum DriverKind: String, Hashable, Sendable, CaseIterable {
    /// `NICDriver`'s reference driver: all work in the interrupt handler, one doorbell per write call.
    case reference
    /// `NAPIDriver`: the handler masks and schedules a poll with a budget, xmit_more doorbells, byte queue limits,
    /// several transmit queues by flow hash (Linux's igb/e1000e way).
    case napi
}

/// Settings only the NAPI-style driver reads (`driver.budget`, `driver.tx-queues`, `driver.bql`,
/// `driver.head-write-back`).
public struct NAPISpec: Hashable, Sendable {
    /// Most received frames one poll may clean. Default 64, Linux's `NAPI_POLL_WEIGHT`.
    public var budget = 64
    /// Transmit queues the driver spreads flows over; 0 (the default) uses every queue the device has.
    public var transmitQueues = 0
    /// Bound the bytes outstanding on each transmit ring with a dynamic byte queue limit (Linux BQL).
    public var byteQueueLimit = true
    /// Interrupt vectors (`driver.vectors`): `legacy` (false, the default) one vector with ICR/IMS; `msix` (true)
    /// one vector per queue pair plus one for the other causes (datasheet §6.3).
    public var msix = false
    /// Reclaim from the head the device writes to host memory (TDWBAL, datasheet §4.5) instead of `DD`.
    public var headWriteBack = false
    public init() {}
}

/// The order in which packets of a multi-destination write reach the ring.
public enum TransmitOrder: String, Hashable, Sendable, CaseIterable {
    /// All packets of destination 1, then all of destination 2, …
    case destinationMajor = "destination-major"
    /// One packet per destination in turn (B35).
    case interleaved
}

/// How the NAPI-style driver takes the device's interrupts (`driver.vectors`, datasheet §6).
public enum InterruptVectors: String, Hashable, Sendable, CaseIterable {
    /// One vector: ICR, IMS and IMC, the legacy causes and delays.
    case legacy
    /// MSI-X: a vector per queue pair and one for the other causes, each with its own mask and EITR.
    case msix
}

/// When the driver asks for an interrupt.
public enum InterruptMode: String, Hashable, Sendable, CaseIterable {
    /// Report-status on the last descriptor of every packet.
    case perPacket = "per-packet"
    /// Report-status on the last descriptor of the write only (B7).
    case perWrite = "per-write"
}

public struct ServerSpec: Hashable, Sendable {
    public var name: String
    public var mac: MACAddress
    public var ip: IPv4Address
    public var link: LinkSpec
    /// CPU cores.
    public var cores: Int
    /// Core clock in hertz.
    public var clockHz: Int64
    /// Physical memory in bytes.
    public var memoryBytes: UInt64
    /// TX ring size in descriptors (power of two, 8…65536).
    public var txRingSize: Int
    public var driverMode: DriverMode
    public var order: TransmitOrder
    public var interrupts: InterruptMode
    /// Link MTU in bytes (IPv4 packet size limit), 68…9000.
    public var mtu: Int
    /// Largest IPv4 packet the driver builds; at most `mtu` (B8).
    public var packetSize: Int
    /// Register the application's buffers with the driver's translation buffer before writing (B5/B6).
    public var registerBuffers: Bool
    /// UDP source port of the server's socket.
    public var sourcePort: UInt16
    /// NIC settings beyond the transmit ring.
    public var nic = NICSpec()
    /// Picoseconds between runs of the driver's watchdog while it may have work (datasheet §8.2); 0 runs none.
    public var watchdog: Int64 = 0
    /// The reference driver sets `RPS` with `RS`: packets count as done when on the wire (`driver.report-sent`,
    /// datasheet §4.5).
    public var reportPacketSent = false
    /// Which driver runs the NIC.
    public var driverKind = DriverKind.reference
    /// The NAPI-style driver's own settings.
    public var napi = NAPISpec()

    public init(name: String, mac: MACAddress, ip: IPv4Address, link: LinkSpec, cores: Int, clockHz: Int64,
                memoryBytes: UInt64, txRingSize: Int, driverMode: DriverMode, order: TransmitOrder,
                interrupts: InterruptMode, mtu: Int, packetSize: Int, registerBuffers: Bool, sourcePort: UInt16) {
        self.name = name
        self.mac = mac
        self.ip = ip
        self.link = link
        self.cores = cores
        self.clockHz = clockHz
        self.memoryBytes = memoryBytes
        self.txRingSize = txRingSize
        self.driverMode = driverMode
        self.order = order
        self.interrupts = interrupts
        self.mtu = mtu
        self.packetSize = packetSize
        self.registerBuffers = registerBuffers
        self.sourcePort = sourcePort
    }
}

public struct NetworkSpec: Hashable, Sendable {
    /// Bytes each switch output port may queue (tail drop beyond).
    public var portBufferBytes: Int
    /// A port to a real network through libvdeplug, on the switch; nil for none.
    public var vde: VDESpec?
    public init(portBufferBytes: Int) { self.portBufferBytes = portBufferBytes }
}

/// A VDE port on the switch: frames for addresses the switch has not learned, and broadcasts, go out through
/// it; frames from outside come in through it.
public struct VDESpec: Hashable, Sendable {
    /// Any libvdeplug URL: vde:///path, ptp:///path, vxvde://…, tap://name, null://.
    public var url: String
    /// The switch port's rate, bits per second.
    public var rate: Int64 = 1_000_000_000
    /// Pace virtual time to the wall clock (off: as fast as possible).
    public var realTime = true
    /// How often frames from outside are polled, picoseconds of virtual time.
    public var pollInterval: Int64 = 100_000_000
    /// Emulated hosts resolve unknown destinations by ARP (else only static entries).
    public var resolveByARP = true
    /// Run the pacing thread under SCHED_FIFO with locked memory, when allowed (`RealTimePriority`).
    public var realTimePriority = false
    /// How long before a frame's due time the pacer stops sleeping and spins, picoseconds
    /// (`RealTimePacer.Configuration.spinThresholdNanoseconds`).
    public var spinThreshold: Int64 = 50_000_000
    /// Lateness beyond which a frame counts as over the limit and the schedule slips, picoseconds
    /// (`RealTimePacer.Configuration.catchUpLimitNanoseconds`).
    public var catchUpLimit: Int64 = 1_000_000_000
    public init(url: String) { self.url = url }

    /// True when ``url`` uses libvdeplug's `cmd://` transport anywhere (nested URLs included, as in
    /// `hub://{cmd://…}`; case ignored, as libvdeplug ignores it): opening it starts a program
    /// (``ScenarioLimits/allowsVDECommands``).
    public var startsProgram: Bool { url.lowercased().contains("cmd://") }
}

public struct ReceiverSpec: Hashable, Sendable {
    public var name: String
    public var mac: MACAddress
    public var ip: IPv4Address
    public var port: UInt16
    public var link: LinkSpec
    /// What sits behind the address.
    public var kind = ReceiverKind.datagram
    /// Which driver runs a `host` receiver's NIC, and the NAPI-style driver's settings.
    public var driverKind = DriverKind.reference
    public var napi = NAPISpec()
    /// Extra UDP ports bound on a `host` receiver (local processes that policies can deliver to).
    public var sockets: [UInt16] = []
    /// Set-top box settings (kind `set-top-box`).
    public var setTopBox = SetTopBoxSpec()
    public init(name: String, mac: MACAddress, ip: IPv4Address, port: UInt16, link: LinkSpec) {
        self.name = name
        self.mac = mac
        self.ip = ip
        self.port = port
        self.link = link
    }
}

/// What a receiver is.
public enum ReceiverKind: String, Hashable, Sendable, CaseIterable {
    /// A listener that checks and digests every datagram.
    case datagram
    /// A set-top box with a playout buffer and IPTV delivery measurements (B46, B48).
    case setTopBox = "set-top-box"
    /// A full emulated host (NIC, driver, OS): it answers ARP and ping and can carry policies (a relay, A4).
    case host
    /// A one-port router (on a stick) whose policy table redirects or replicates without any host (A6).
    case router
    /// A machine outside the emulation, behind the VDE port (a Linux stack, a QEMU guest): nothing is built for
    /// it; emulated hosts find its MAC address by ARP.
    case external
}

/// A set-top box's settings.
public struct SetTopBoxSpec: Hashable, Sendable {
    /// The stream's rate: playout drains at it, bits per second.
    public var rateBitsPerSecond: Int64 = 4_000_000
    /// Picoseconds from the first arrival until playout starts.
    public var startupDelay: Int64 = 500_000_000_000
    /// Playout buffer in bytes.
    public var bufferBytes = 2 << 20
    /// The stream arrives in RTP (else raw UDP).
    public var rtp = false
    /// The payload is an MPEG transport stream (else opaque bytes).
    public var transportStream = true
    public init() {}
}

/// A policy as a scenario installs it (A1–A6, A31).
public struct PolicySpec: Hashable, Sendable {
    public var id: Int
    /// The host it is installed on: nil for the server, else the index of a `host` receiver.
    public var host: Int?
    public var direction: PolicyDirectionSpec
    public var placement: PolicyPlacementSpec
    /// Destination address and port to match.
    public var matchIP: IPv4Address
    public var matchPort: UInt16
    /// Source address to match; nil matches any.
    public var matchSource: IPv4Address?
    public var redirect: Bool
    public var targets: [PolicyTargetSpec]
    /// Picoseconds after the start at which the policy is installed, and (if given) removed.
    public var installAt: Int64 = 0
    public var removeAt: Int64?
    /// For a router's policy: the server's OS hands it over the network (NPCP, `RouterPolicyClient`)
    /// instead of the scenario writing it into the router's table.
    public var viaNetwork = false
    public init(
        id: Int, host: Int?, direction: PolicyDirectionSpec, placement: PolicyPlacementSpec, matchIP: IPv4Address,
        matchPort: UInt16, matchSource: IPv4Address?, redirect: Bool, targets: [PolicyTargetSpec]
    ) {
        self.id = id
        self.host = host
        self.direction = direction
        self.placement = placement
        self.matchIP = matchIP
        self.matchPort = matchPort
        self.matchSource = matchSource
        self.redirect = redirect
        self.targets = targets
    }
}

public enum PolicyDirectionSpec: String, Hashable, Sendable, CaseIterable {
    case transmit, receive
}

public enum PolicyPlacementSpec: String, Hashable, Sendable, CaseIterable {
    /// In the OS, below the IP layer (A1).
    case os
    /// In the NIC's match-action table (A5).
    case nic
}

/// Where a policy sends a copy.
public enum PolicyTargetSpec: Hashable, Sendable {
    case remote(ip: IPv4Address, port: UInt16)
    case local(port: UInt16)
}

/// How the application hands its data to the OS (the ways of sending `nicsim compare` sets side by side).
public enum SendMethod: String, Hashable, Sendable, CaseIterable {
    /// One multi-destination write per call (B1): all entries in one system call.
    case multiWrite = "multi-write"
    /// One `sendto` per datagram, payload copied.
    case writePerPacket = "write-per-packet"
    /// `sendmmsg`: batches of datagrams per call, each through the stack, payload copied.
    case sendmmsg
    /// One aggregate message per call (A7), divided by the OS, optionally timed.
    case aggregate
}

/// How an aggregate's messages are stamped (A12–A15).
public enum TimingKind: String, Hashable, Sendable, CaseIterable {
    case immediate
    /// Spread evenly over `over` after the call (A12).
    case range
    /// Absolute times: call time + `start` + k · `spacing` (A13).
    case absolute
    /// Sequence numbers k, released every `period` (A14).
    case sequence
    /// Delays k · `spacing` after the first message (A15).
    case relative
}

/// An aggregate's timing as a scenario gives it.
public struct TimingSpec: Hashable, Sendable {
    public var kind = TimingKind.immediate
    /// Picoseconds: the range's length, the absolute start offset, the sequence period or the relative spacing.
    public var over: Int64 = 0
    public var start: Int64 = 0
    public var spacing: Int64 = 0
    /// Let the NIC hold messages by launch time (else the OS's timed queue).
    public var launchTime = false
    public init() {}
}

/// One (destination, buffer) entry of the multi-destination write.
public struct WriteEntrySpec: Hashable, Sendable {
    /// Index into ``ScenarioSpec/receivers``.
    public var receiver: Int
    /// Bytes to send to that receiver in each write.
    public var bytes: Int
    /// Where the buffer starts inside its first page (0…4095).
    public var pageOffset: Int
    public init(receiver: Int, bytes: Int, pageOffset: Int) {
        self.receiver = receiver
        self.bytes = bytes
        self.pageOffset = pageOffset
    }
}

/// The application's write calls.
public struct WritesSpec: Hashable, Sendable {
    /// Number of write calls.
    public var count: Int
    /// Picoseconds between the starts of consecutive write calls.
    public var interval: Int64
    public var entries: [WriteEntrySpec]
    /// How each call hands the data to the OS.
    public var method = SendMethod.multiWrite
    /// Datagrams per `sendmmsg` call.
    public var batch = 64
    /// Timing of aggregate messages.
    public var timing = TimingSpec()
    public init(count: Int, interval: Int64, entries: [WriteEntrySpec]) {
        self.count = count
        self.interval = interval
        self.entries = entries
    }
}

/// Where datagrams are cut to packet size.
public enum SegmentationSpec: String, Hashable, Sendable, CaseIterable {
    /// The driver describes every datagram.
    case driver
    /// The driver hands large sends to the NIC, which cuts them (datasheet §7.2).
    case nic
}

/// The NIC's settings as a scenario gives them. Durations are picoseconds; they are rounded to the registers'
/// units (256 ns for the interval, 1.024 µs for the delays) when the driver programs them.
public struct NICSpec: Hashable, Sendable {
    /// Receive ring size in descriptors; 0 for none.
    public var rxRingSize = 256
    public var segmentation = SegmentationSpec.driver
    /// One DMA read round trip, picoseconds.
    public var dmaLatency: Int64 = 500_000
    /// DMA bandwidth in bits per second.
    public var dmaBitsPerSecond: Int64 = 3_938_000_000 * 8
    /// Transmit packet buffer in bytes.
    public var packetBufferBytes = 16 * 1024
    /// ITR: minimum interval between interrupts.
    public var interruptInterval: Int64 = 0
    /// TIDV, TADV, TXFT.
    public var txDelay: Int64 = 0
    public var txAbsoluteDelay: Int64 = 0
    public var txFrames = 0
    /// RDTR, RADV, RXFT.
    public var rxDelay: Int64 = 0
    public var rxAbsoluteDelay: Int64 = 0
    public var rxFrames = 0
    /// An IOMMU between the NIC and memory; nil for none.
    public var iommu: IOMMUSpec?
    /// The device clock at virtual time 0 (nanoseconds) and its oscillator's error in parts per billion
    /// (`nic.clock`, datasheet §10.1).
    public var clockOffsetNanoseconds: UInt64 = 0
    public var clockDriftPPB: Int64 = 0
    public init() {}
}

/// An IOMMU's IOTLB as a scenario gives it.
public struct IOMMUSpec: Hashable, Sendable {
    /// IOTLB entries (pages); 0 walks on every access.
    public var iotlbEntries = 64
    /// `lru` or `fifo`.
    public var fifo = false
    /// Picoseconds one IOTLB miss adds.
    public var missLatency: Int64 = 128_000
    /// When the driver's unmaps invalidate the IOTLB: at once (`strict`) or through the flush queue (`deferred`,
    /// Linux's x86 default).
    public var invalidation = IOMMUInvalidation.deferred
    public init() {}
}

/// When a driver's unmaps invalidate the IOTLB (`nic.iommu.invalidation`); the world builder hands it to
/// `HostMemory`'s `DMAMapper` as its `Invalidation` of the same name.
public enum IOMMUInvalidation: String, Hashable, Sendable, CaseIterable {
    /// Every unmap invalidates its range and waits (`iommu.strict=1`).
    case strict
    /// Unmapped ranges wait on a flush queue for one global invalidation (`iommu.strict=0`, Linux's x86 default).
    case deferred
}

/// Media streams the server plays (B2–B4, B11–B14): the `streams` section.
public struct StreamsSpec: Hashable, Sendable {
    /// Picoseconds between writes; nil for the planner's standard rule.
    public var interval: Int64?
    public var streamMajor = false
    public var aggregate = false
    public var launchTime = true
    /// Picoseconds of play; nil plays the sources to their end.
    public var duration: Int64?
    public var list: [StreamSpec] = []
    public init() {}
}

/// One stream of the `streams` section.
public struct StreamSpec: Hashable, Sendable {
    public enum Source: Hashable, Sendable {
        /// A generated transport stream of this mux rate (bits per second) and seed.
        case generate(rate: Int64, seed: UInt64)
        /// A file (absolute path, resolved against the scenario's folder), a transport stream or opaque bytes.
        case file(path: String, transportStream: Bool)
    }
    public var name: String
    /// Receiver indices.
    public var destinations: [Int]
    /// The server that plays it: nil for the scenario's server, else the index of a `host` receiver (B47:
    /// several servers on one switch).
    public var from: Int?
    public var source: Source
    /// Declared rate, bits per second (required for opaque files).
    public var rate: Int64?
    public var rtp = false
    /// Payload bytes per datagram; nil for the standard 7 × 188 (TS) or the MTU (opaque).
    public var datagramBytes: Int?
    public init(name: String, destinations: [Int], source: Source) {
        self.name = name
        self.destinations = destinations
        self.source = source
    }
}
