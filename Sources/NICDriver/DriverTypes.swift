import HostMemory
import SimCore
import WireFormats

/// How the driver moves payload to the device.
public enum PayloadPath: Hashable, Sendable {
    /// Descriptors point into the application's own pages; no payload byte is touched by the CPU (B1).
    case zeroCopy
    /// The CPU copies header and payload into a driver buffer; one descriptor per packet (the baseline).
    case copy
}

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

/// A destination the driver can send to: its prebuilt multi-layer header (B18).
public struct DestinationID: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
}

/// Identifies one write request until its completion is reported.
public struct WriteID: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}

/// One (destination, data in virtual memory) entry of a write vector (B1, B17).
public struct WriteEntry: Hashable, Sendable {
    public var destination: DestinationID
    public var address: VirtualAddress
    public var length: Int
    /// When the entry's first packet should start on the wire: the driver puts a context descriptor with a
    /// launch time before it (datasheet §5, A13–A15 in hardware). Nil sends it when the NIC gets to it.
    public var launchTime: SimTime?
    /// RTP timestamp of the entry's first packet when the destination's template has an RTP layer (90 kHz units
    /// for MPEG-TS, RFC 2250); later packets of the entry repeat it. Nil leaves 0.
    public var rtpTimestamp: UInt32?
    public init(destination: DestinationID, address: VirtualAddress, length: Int, launchTime: SimTime? = nil,
                rtpTimestamp: UInt32? = nil) {
        self.destination = destination
        self.address = address
        self.length = length
        self.launchTime = launchTime
        self.rtpTimestamp = rtpTimestamp
    }
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
    /// How often the host runs the driver's watchdog (``Driver/watchdog()``) while the driver has work
    /// outstanding, in virtual time; zero (the default) runs none. Linux's e1000e re-arms its watchdog timer
    /// every 2 s (`e1000_watchdog_task` in drivers/net/ethernet/intel/e1000e/netdev.c); simulated runs last
    /// milliseconds, so a scenario chooses its own interval.
    public var watchdogInterval = SimDuration.zero

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

/// Everything the driver did, counted; the host's cost model prices these counts in cycles.
public struct DriverCounters: Hashable, Sendable {
    /// Write requests accepted.
    public var writes: UInt64 = 0
    /// Write requests whose every packet the device has completed.
    public var writesCompleted: UInt64 = 0
    /// Sends described to the device: one per datagram with driver segmentation, one per large send with NIC
    /// segmentation. The host's per-packet cost applies to these.
    public var packets: UInt64 = 0
    /// UDP datagrams those sends become on the wire.
    public var segments: UInt64 = 0
    /// Frames received from the device and handed to the host.
    public var framesReceived: UInt64 = 0
    /// Bytes of those frames.
    public var bytesReceived: UInt64 = 0
    /// Receive descriptors given back to the device.
    public var receiveDescriptorsPosted: UInt64 = 0
    /// Match-action entries written or cleared.
    public var hardwarePolicyWrites: UInt64 = 0
    /// IOMMU mappings made for the device (rings and buffers once; unregistered payload per send).
    public var iommuMappings: UInt64 = 0
    /// Frames the host asked to send as they are (ARP and ICMP replies, forwarded frames).
    public var rawFrames: UInt64 = 0
    /// Payload bytes described to the device.
    public var payloadBytes: UInt64 = 0
    /// Descriptors written into the ring.
    public var descriptorsWritten: UInt64 = 0
    /// Descriptors given back by the device and cleaned.
    public var descriptorsReclaimed: UInt64 = 0
    /// Header bytes written from templates (B18).
    public var headerBytesWritten: UInt64 = 0
    /// Payload bytes the CPU copied (copy path only).
    public var bytesCopied: UInt64 = 0
    /// Pages walked in the page table to translate payload (zero-copy path, unregistered buffers).
    public var pageWalks: UInt64 = 0
    /// Translations answered by the translation buffer (B5/B6).
    public var translationHits: UInt64 = 0
    /// Translations the translation buffer could not answer.
    public var translationMisses: UInt64 = 0
    /// Pages pinned for the duration of one send because their buffer was not registered (what MSG_ZEROCOPY
    /// does on every call).
    public var transientPins: UInt64 = 0
    /// Tail-register writes.
    public var doorbells: UInt64 = 0
    /// Register reads (the interrupt cause register).
    public var registerReads: UInt64 = 0
    /// Interrupts handled.
    public var interruptsHandled: UInt64 = 0
    /// Times the ring had no room and posting paused until the device gave descriptors back.
    public var ringFullStalls: UInt64 = 0
    /// Packets the device completed with an error status.
    public var transmitErrors: UInt64 = 0
    /// Entries refused because their memory could not be translated.
    public var translationFaults: UInt64 = 0
    /// Most writes accepted at once and not yet fully posted (waiting in the driver's queue for ring room).
    public var peakQueuedWrites: UInt64 = 0
    /// Watchdog runs (``Driver/watchdog()``).
    public var watchdogChecks: UInt64 = 0
    /// Watchdog runs that found completed work no interrupt had reported (transmit descriptors to reclaim or
    /// received frames to take): each one is a lost or late interrupt recovered.
    public var watchdogRecoveries: UInt64 = 0
    /// Transmit report points the device's head had passed with no `DD` written (a lost write-back), reclaimed by
    /// the watchdog from `TDH`.
    public var lostWriteBacks: UInt64 = 0
    /// Receive descriptors before `RDH` that never showed `DD` (a lost write-back), given back by the watchdog.
    public var lostReceiveWriteBacks: UInt64 = 0
    /// Watchdog runs that found transmit work outstanding and the device's head where the previous run left it
    /// (Linux's "Detected Tx Unit Hang"); counted only, the reference driver does not reset the device.
    public var transmitHangs: UInt64 = 0
    public init() {}
}

/// Per-destination counts.
public struct DestinationCounters: Hashable, Sendable {
    /// UDP datagrams (segments) on the wire.
    public var packets: UInt64 = 0
    /// Sends described to the device (equal to ``packets`` with driver segmentation).
    public var sends: UInt64 = 0
    public var descriptors: UInt64 = 0
    public var payloadBytes: UInt64 = 0
    public init() {}
}

/// Receives the frames the driver takes off the receive ring.
public protocol ReceiveHandler: AnyObject {
    /// A frame of `length` bytes at the start of `bytes` arrived; `checksumError` when the device flagged its
    /// IPv4 or UDP checksum. The bytes are valid only during the call.
    func frameReceived(_ bytes: [UInt8], length: Int, checksumError: Bool)
}

/// Told when the device has finished every packet of a write, so that zero-copy buffers may be reused.
public protocol TransmitCompletionHandler: AnyObject {
    func writeCompleted(_ id: WriteID)
}

/// Why a write was refused before anything was posted.
public struct DriverError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let unknownDestination = Code(rawValue: "unknown destination")
        public static let badLength = Code(rawValue: "bad length")
        public static let translationFault = Code(rawValue: "translation fault")
    }
    public var code: Code
    public var detail: String
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
    public var description: String { "\(code.rawValue): \(detail)" }
}
