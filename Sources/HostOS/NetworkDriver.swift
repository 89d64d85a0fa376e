import HostMemory
import SimCore
import WireFormats

/// A NIC driver as the operating system sees it: the calls the OS makes into a driver, each returning a
/// ``DriverReceipt`` of the work it did, which the OS prices with its ``CostModel``.
///
/// This is nicsim's counterpart of Linux's `net_device_ops` with NAPI: the OS attaches the driver, hands it
/// transmit requests (multi-destination writes and single frames), runs its interrupt handler when the device's
/// interrupt line fires, runs its poll with a budget when the handler asked for one, and runs its watchdog on a
/// timer. The driver reaches the device only through the device's registers and host memory (the `NICInterface`
/// module has the datasheet's definitions) and tells the OS about received frames and completed writes through
/// its ``DriverDelegate``.
///
/// The OS never reads a driver's own counters: everything it charges cycles for comes from receipts, and
/// everything a report shows of a driver comes from receipts, ``statistics`` and ``destinationCounters(_:)``.
///
/// Calls happen on the simulation's single thread, in virtual time; the OS occupies a core for the priced work
/// of each call before the next call into the same driver from that core.
public protocol NetworkDriver: AnyObject {
    /// The driver's name in reports and traces (`reference`, `napi`, or a researcher's own).
    var kind: String { get }
    /// The settings every driver honours (ring sizes, packet size, way of sending, moderation).
    var configuration: DriverConfiguration { get }
    /// Whether the driver waits for the device: descriptors posted and not reclaimed, or writes not yet posted.
    /// The OS runs the watchdog only while this is true.
    var hasOutstandingWork: Bool { get }
    /// Whether the driver has a receive ring.
    var hasReceiveRing: Bool { get }

    /// Connects the driver to the OS: `delegate` gets received frames and completed writes, `mac` is the
    /// address the device answers to. Called once, before any other call.
    func attach(to delegate: any DriverDelegate, mac: MACAddress) -> DriverReceipt
    /// Adds a destination whose packets use `template`'s prebuilt headers (B18); IDs count up from 0.
    func addDestination(_ template: HeaderTemplate) -> DestinationID
    /// Walks, pins and records a buffer in the driver's translation buffer (B5/B6), mapping it for the device
    /// when there is an IOMMU. The receipt counts the walks, pins and maps.
    func registerBuffer(space: AddressSpace, address: VirtualAddress, length: Int) throws(MemoryFault) -> DriverReceipt
    /// Accepts a multi-destination write (B1, B17) and posts as much of it as the ring takes. Refused whole, with
    /// nothing posted, when an entry names an unknown destination, a negative length or unmapped memory.
    /// The receipt's ``DriverReceipt/kickNeeded`` asks for ``kick()`` once the call's CPU work is done.
    func transmit(space: AddressSpace, entries: [WriteEntry], path: PayloadPath?) throws(DriverError)
        -> (id: WriteID, receipt: DriverReceipt)
    /// Sends one frame as it is (the OS's ARP and ICMP replies, forwarded frames); nil when the driver has no
    /// room or the frame is too long, and then nothing is sent.
    func transmitFrame(_ bytes: [UInt8], length: Int) -> DriverReceipt?
    /// Writes the doorbells an earlier call left for later (``DriverReceipt/kickNeeded``). The OS priced them
    /// with the call that asked.
    func kick() -> DriverReceipt
    /// The interrupt handler for `vector`. It may do all its work here, or mask the device's interrupts and ask
    /// for a poll (``DriverReceipt/pollNeeded``), as Linux's NAPI drivers do.
    func interrupt(vector: Int) -> DriverReceipt
    /// A poll of at most `budget` units of work (received frames; transmit cleaning is not counted against it,
    /// as in Linux). ``DriverReceipt/pollNeeded`` on the result asks for another poll; otherwise the driver has
    /// re-enabled its interrupts.
    func poll(budget: Int) -> DriverReceipt
    /// One run of the driver's periodic check for lost interrupts and write-backs
    /// (``DriverConfiguration/watchdogInterval``).
    func watchdog() -> DriverReceipt
    /// Writes a policy into the device's match-action table entry `slot` (A5); nil when it does not fit.
    func installHardwarePolicy(slot: Int, _ policy: HardwarePolicy) -> DriverReceipt?
    /// Clears match-action entry `slot`.
    func removeHardwarePolicy(slot: Int) -> DriverReceipt

    /// Per-destination counts, for reports.
    func destinationCounters(_ destination: DestinationID) -> DestinationCounters
    /// What the driver knows of its own health and ways, for reports.
    var statistics: DriverStatistics { get }
}

/// What a driver tells the OS as things happen, from inside ``NetworkDriver/interrupt(vector:)``,
/// ``NetworkDriver/poll(budget:)`` and ``NetworkDriver/watchdog()``.
public protocol DriverDelegate: AnyObject {
    /// A frame of `length` bytes at the start of `bytes` arrived; `checksumError` when the device flagged its
    /// IPv4 or UDP checksum. The bytes are valid only during the call.
    func frameReceived(_ bytes: [UInt8], length: Int, checksumError: Bool)
    /// The device has finished every packet of write `id`: its zero-copy buffers may be reused.
    func writeCompleted(_ id: WriteID)
}

/// The work one call into a driver did, in units the OS's cost model prices.
///
/// A receipt counts what the CPU did in that call, not what the device did. ``CostModel/price(_:)`` turns it into
/// cycles; receipts add up (`+=`) to a driver's totals, which reports show.
public struct DriverReceipt: Hashable, Sendable {
    /// Sends described to the device: one per datagram with driver segmentation, one per large send with NIC
    /// segmentation. Priced at ``CostModel/perPacket``.
    public var sends: UInt64 = 0
    /// UDP datagrams those sends become on the wire (not priced: the device cuts them).
    public var segments: UInt64 = 0
    /// Descriptors written into a ring (``CostModel/perDescriptor``).
    public var descriptorsWritten: UInt64 = 0
    /// Transmit descriptors given back by the device and cleaned (``CostModel/perReclaimedDescriptor``).
    public var descriptorsReclaimed: UInt64 = 0
    /// Tail-register writes made in this call (``CostModel/doorbell``).
    public var doorbells: UInt64 = 0
    /// Other register writes: interrupt masks, ring set-up (``CostModel/registerWrite``).
    public var registerWrites: UInt64 = 0
    /// Register reads: a full PCIe round trip each (``CostModel/registerRead``).
    public var registerReads: UInt64 = 0
    /// Page-table walks (``CostModel/pageWalk``).
    public var pageWalks: UInt64 = 0
    /// Pages pinned for as long as a buffer stays registered (``CostModel/pinPage``).
    public var pagesPinned: UInt64 = 0
    /// Pages pinned for one send because their buffer was not registered, as MSG_ZEROCOPY does on every call
    /// (``CostModel/pinPage`` each, plus one ``CostModel/zeroCopyCompletion`` for the call).
    public var transientPins: UInt64 = 0
    /// Translations answered by the translation buffer (``CostModel/translationHit``), and those it could not.
    public var translationHits: UInt64 = 0
    public var translationMisses: UInt64 = 0
    /// IOMMU pages mapped and unmapped (``CostModel/iommuMap``, ``CostModel/iommuUnmap`` each): one per page of
    /// every buffer mapped for a send or for good, and per page unmapped on completion (`DMAMapper`).
    public var iommuMaps: UInt64 = 0
    public var iommuUnmaps: UInt64 = 0
    /// Page-selective IOTLB invalidations waited for, one per unmap in strict mode
    /// (``CostModel/iotlbInvalidation``).
    public var iotlbInvalidations: UInt64 = 0
    /// Global IOTLB flushes of the deferred flush queue (``CostModel/iotlbFlush``).
    public var iotlbFlushes: UInt64 = 0
    /// Payload and frame bytes the CPU copied (``CostModel/copyPerKiB``).
    public var bytesCopied: UInt64 = 0
    /// Frames handed to the OS through ``DriverDelegate/frameReceived(_:length:checksumError:)`` (the OS prices
    /// its own stack work on them).
    public var framesDelivered: UInt64 = 0
    /// Receive descriptors given back to the device with a fresh buffer.
    public var receiveBuffersRefilled: UInt64 = 0
    /// Times posting stopped because the ring (or a byte limit) had no room.
    public var ringFullStalls: UInt64 = 0

    /// Doorbells were left for ``NetworkDriver/kick()``: the OS prices one ``CostModel/doorbell`` with this call and
    /// calls `kick()` when the call's CPU work is done.
    public var kickNeeded = false
    /// From ``NetworkDriver/interrupt(vector:)``: run ``NetworkDriver/poll(budget:)`` after the handler. From a poll:
    /// the budget ran out; poll again.
    public var pollNeeded = false

    public init() {}

    /// Adds the mapping work a `DMAMapper` did (`DMAMapper.takeWork()`).
    public mutating func add(_ w: DMAMapper.Work) {
        iommuMaps &+= w.pagesMapped
        iommuUnmaps &+= w.pagesUnmapped
        iotlbInvalidations &+= w.invalidations
        iotlbFlushes &+= w.flushes
    }

    /// The counts of `a` and `b` added; the flags of `b`.
    public static func + (a: DriverReceipt, b: DriverReceipt) -> DriverReceipt {
        var sum = a
        sum += b
        return sum
    }

    /// Adds `b`'s counts to `a`'s (wrapping: a receipt from a driver is checked with ``isPlausible``, never
    /// trusted to be small); `a` takes `b`'s flags.
    public static func += (a: inout DriverReceipt, b: DriverReceipt) {
        a.sends &+= b.sends
        a.segments &+= b.segments
        a.descriptorsWritten &+= b.descriptorsWritten
        a.descriptorsReclaimed &+= b.descriptorsReclaimed
        a.doorbells &+= b.doorbells
        a.registerWrites &+= b.registerWrites
        a.registerReads &+= b.registerReads
        a.pageWalks &+= b.pageWalks
        a.pagesPinned &+= b.pagesPinned
        a.transientPins &+= b.transientPins
        a.translationHits &+= b.translationHits
        a.translationMisses &+= b.translationMisses
        a.iommuMaps &+= b.iommuMaps
        a.iommuUnmaps &+= b.iommuUnmaps
        a.iotlbInvalidations &+= b.iotlbInvalidations
        a.iotlbFlushes &+= b.iotlbFlushes
        a.bytesCopied &+= b.bytesCopied
        a.framesDelivered &+= b.framesDelivered
        a.receiveBuffersRefilled &+= b.receiveBuffersRefilled
        a.ringFullStalls &+= b.ringFullStalls
        a.kickNeeded = b.kickNeeded
        a.pollNeeded = b.pollNeeded
    }

    /// Whether the counts are possible: every count below 2⁴⁸ (no driver does that much in one call; a wrapped
    /// subtraction does), no more datagrams than a send may be cut into (``DriverReceipt/segments`` at most
    /// 65,535 per send), no transient pin without a walk.
    public var isPlausible: Bool {
        let limit: UInt64 = 1 << 48
        let all = [
            sends, segments, descriptorsWritten, descriptorsReclaimed, doorbells, registerWrites, registerReads,
            pageWalks, pagesPinned, transientPins, translationHits, translationMisses, iommuMaps, iommuUnmaps,
            iotlbInvalidations, iotlbFlushes, bytesCopied, framesDelivered, receiveBuffersRefilled, ringFullStalls,
        ]
        return all.allSatisfy { $0 < limit } && segments <= sends &* 65_535 && transientPins <= pageWalks
    }
}

/// What a driver knows of its own health and ways, for reports: the figures the OS's fault report shows for any
/// driver, and the ones only this driver has (``extra``).
public struct DriverStatistics: Hashable, Sendable {
    /// Packets the device completed with an error status.
    public var transmitErrors: UInt64 = 0
    /// Watchdog runs, and those that found work an interrupt should have reported.
    public var watchdogChecks: UInt64 = 0
    public var watchdogRecoveries: UInt64 = 0
    /// Transmit report points the device passed with no `DD` written, reclaimed from `TDH`.
    public var lostWriteBacks: UInt64 = 0
    /// Receive descriptors before `RDH` that never showed `DD`, given back.
    public var lostReceiveWriteBacks: UInt64 = 0
    /// Watchdog runs that found the transmit ring stuck where the previous one left it.
    public var transmitHangs: UInt64 = 0
    /// Most writes accepted at once and not yet fully posted.
    public var peakQueuedWrites: UInt64 = 0
    /// Figures only this driver has, by name, in the order the driver lists them (polls, budget exhaustions, …).
    public var extra: [Figure] = []

    /// One named figure.
    public struct Figure: Hashable, Sendable {
        public var name: String
        public var value: UInt64
        public init(_ name: String, _ value: UInt64) {
            self.name = name
            self.value = value
        }
    }

    public init() {}
}
