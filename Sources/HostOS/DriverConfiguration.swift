import SimCore

// What the OS asks of any driver, in the spirit of Linux's ethtool settings (ring sizes, coalescing, offloads) and
// socket options (the way of sending): every driver reads these; what only one driver has lives in its own
// configuration beside them.

/// The order in which the packets of one multi-destination write are put on the ring.
public enum PacketOrder: Hashable, Sendable {
    /// Every packet of the first entry, then every packet of the second, …
    case destinationMajor
    /// One packet of each entry in turn, skipping entries that are done (B35).
    case roundRobin
}

/// Which descriptors ask the device for a status write-back and an interrupt.
public enum ReportPolicy: Hashable, Sendable {
    /// Report-status on the last descriptor of every packet.
    case everyPacket
    /// Report-status on the last descriptor of the write only (B7), and on the last one posted when the ring fills.
    case lastOfWrite
}

/// Where datagrams are cut to packet size.
public enum SegmentationPlace: Hashable, Sendable {
    /// The driver describes every datagram: a header descriptor plus payload descriptors per packet.
    case driver
    /// The driver describes one large send per entry chunk (a context descriptor with `TSE`, one header, the
    /// payload) and the NIC cuts it (datasheet §7.2), like Linux UDP GSO offloaded to hardware.
    case nic
}

/// Interrupt moderation as the driver programs it, in the registers' own units (datasheet §6).
public struct ModerationRegisterValues: Hashable, Sendable {
    /// ITR: minimum interval between interrupts, 256 ns units.
    public var itr: UInt32
    /// TIDV / TADV: transmit per-packet and absolute delays, 1.024 µs units; TXFT: transmit frame threshold.
    public var tidv: UInt32
    public var tadv: UInt32
    public var txft: UInt32
    /// RDTR / RADV: receive per-frame and absolute delays, 1.024 µs units; RXFT: receive frame threshold.
    public var rdtr: UInt32
    public var radv: UInt32
    public var rxft: UInt32
    public init(itr: UInt32 = 0, tidv: UInt32 = 0, tadv: UInt32 = 0, txft: UInt32 = 0, rdtr: UInt32 = 0,
                radv: UInt32 = 0, rxft: UInt32 = 0) {
        self.itr = itr
        self.tidv = tidv
        self.tadv = tadv
        self.txft = txft
        self.rdtr = rdtr
        self.radv = radv
        self.rxft = rxft
    }
    /// True when a transmit completion may be delayed (the driver then sets `IDE`).
    public var delaysTransmit: Bool { tidv != 0 || tadv != 0 || txft != 0 }
}

/// Driver settings.
public struct DriverConfiguration: Hashable, Sendable {
    /// TX ring size in descriptors; a power of two from 8 to 65,536.
    public var ringSize: Int
    /// Largest IPv4 packet the driver builds, in bytes (B8: the MTU by default).
    public var packetSize: Int
    public var path: PayloadPath
    public var order: PacketOrder
    public var report: ReportPolicy
    public var segmentation: SegmentationPlace
    /// Most datagrams one NIC-segmented send may be cut into. Default 64, Linux UDP GSO's limit before 2023
    /// (REFERENCE.md).
    public var maxSegmentsPerSend: Int
    public var moderation: ModerationRegisterValues
    /// Receive ring size in descriptors (a power of two from 8), or 0 for no receive ring.
    public var receiveRingSize: Int
    /// How often the host runs the driver's watchdog (`Driver.watchdog()`) while the driver has work
    /// outstanding, in virtual time; zero (the default) runs none. Linux's e1000e re-arms its watchdog timer
    /// every 2 s (`e1000_watchdog_task` in drivers/net/ethernet/intel/e1000e/netdev.c); simulated runs last
    /// milliseconds, so a scenario chooses its own interval.
    public var watchdogInterval = SimDuration.zero
    /// The reference driver's choice of when a packet counts as done: false (the default) when the device has read
    /// it into its transmit packet buffer, as Intel parts write `DD` (I210 datasheet §7.2.2.1); true when its last
    /// bit has left the wire, by setting `RPS` beside `RS` (the 82544's "report packet sent", datasheet §4.5).
    public var reportPacketSent = false

    public init(ringSize: Int = 1024, packetSize: Int = 1500, path: PayloadPath = .zeroCopy,
                order: PacketOrder = .destinationMajor, report: ReportPolicy = .lastOfWrite,
                segmentation: SegmentationPlace = .driver, maxSegmentsPerSend: Int = 64,
                moderation: ModerationRegisterValues = ModerationRegisterValues(), receiveRingSize: Int = 256) {
        self.ringSize = ringSize
        self.packetSize = packetSize
        self.path = path
        self.order = order
        self.report = report
        self.segmentation = segmentation
        self.maxSegmentsPerSend = maxSegmentsPerSend
        self.moderation = moderation
        self.receiveRingSize = receiveRingSize
    }
}
