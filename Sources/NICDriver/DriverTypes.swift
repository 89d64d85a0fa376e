import HostOS
import SimCore

/// Everything the reference driver did, counted since it was built: its own statistics. The OS sees the change of
/// these over each call as that call's `DriverReceipt`.
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
    /// IOMMU pages mapped for the device (rings, receive buffers and registered buffers once; what each send hands
    /// the device per send).
    public var iommuMappings: UInt64 = 0
    /// IOMMU pages unmapped when their descriptors were reclaimed.
    public var iommuUnmaps: UInt64 = 0
    /// Page-selective IOTLB invalidations (strict mode: one per unmap) and global flushes (deferred mode).
    public var iotlbInvalidations: UInt64 = 0
    public var iotlbFlushes: UInt64 = 0
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
    /// Transmit tail-register writes.
    public var doorbells: UInt64 = 0
    /// Receive tail-register writes (giving buffers back).
    public var receiveDoorbells: UInt64 = 0
    /// Register writes other than tails: set-up, interrupt masks, the match-action table.
    public var registerWrites: UInt64 = 0
    /// Register reads (the interrupt cause register).
    public var registerReads: UInt64 = 0
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
    /// Times the driver saw the link go down (LSC with STATUS.LU clear) and stopped posting, and times it saw it
    /// come back and resumed.
    public var linkStops: UInt64 = 0
    public var linkResumes: UInt64 = 0
    public init() {}
}
