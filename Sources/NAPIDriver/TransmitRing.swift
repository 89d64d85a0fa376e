import HostMemory
import SimCore

/// One transmit queue as the driver keeps it: the descriptor ring in host memory (datasheet §2.2, §4), a 2 KiB
/// driver buffer per descriptor slot (headers and copied frames), the packets on the ring in order, the report
/// points among them, and the queue's byte limit.
///
/// Everything is allocated once, at the ring's size: a ring holds at most `count − 1` descriptors (§4.1), hence at
/// most that many packets and report points.
final class TransmitRing: DescriptorRingMemory {
    let index: Int
    /// The software tail (next descriptor to fill), the tail the device was last told, the oldest descriptor not
    /// yet reclaimed.
    var next = 0
    var deviceTail = 0
    var clean = 0
    /// Per descriptor slot: the device address and length of the streaming mapping its buffer holds (length 0:
    /// none), unmapped when the descriptor is reclaimed.
    var slotMapAddress: [UInt64]
    var slotMapLength: [Int]

    /// Packets on the ring, oldest first; they are numbered in the order they were written, the oldest here being
    /// number ``packetHead``.
    var packets: Ring<TransmitPacket>
    var packetHead = 0
    /// Numbers of the packets that carry `RS`, oldest first (none below ``packetHead``).
    var reports: Ring<Int>

    var limit: ByteQueueLimit
    /// Stopped: the ring lacks room for the largest send, or the byte limit is exceeded. Posting skips the queue
    /// until a completion starts it again.
    var stopped = false
    /// Watchdog state: the TDH and reclaim point seen by the previous run.
    var watchdogHead = -1
    var watchdogClean = -1
    /// Where the device writes this queue's head (head write-back, datasheet §4.5), when the driver asked for it.
    var headWriteBack: PhysicalAddress?
    /// The head word's device address (its IOVA with an IOMMU, else ``headWriteBack``'s physical address).
    var deviceHeadWriteBack: UInt64 = 0

    init(index: Int, base: PhysicalAddress, count: Int, buffers: PhysicalAddress, slotBytes: Int, limit: ByteQueueLimit)
    {
        self.index = index
        self.limit = limit
        slotMapAddress = Array(repeating: 0, count: count)
        slotMapLength = Array(repeating: 0, count: count)
        packets = Ring(capacity: count, filler: TransmitPacket(end: 0, write: -1, bytes: 0))
        reports = Ring(capacity: count, filler: 0)
        super.init(base: base, count: count, buffers: buffers, slotBytes: slotBytes)
    }

    /// Descriptors handed to the device and not yet reclaimed (posted or waiting for the doorbell).
    var used: Int { (next - clean) & mask }
    /// Descriptors the driver may still fill: one stays free (§4.1).
    var free: Int { count - 1 - used }
    var packetsOutstanding: Int { packets.count }
    /// The number the next packet written gets.
    var packetTail: Int { packetHead + packets.count }
    /// The packet numbered `number` (``packetHead`` ..< ``packetTail``).
    func packet(_ number: Int) -> TransmitPacket { packets[number - packetHead] }
}

/// A packet on a transmit ring: the descriptor index after its last, its write slot (−1 for a frame of the OS),
/// its bytes on the wire.
struct TransmitPacket {
    var end: Int32
    var write: Int32
    var bytes: Int32
}

/// The receive ring of queue 0 (datasheet §3.3, §11.2): descriptors and a 2 KiB buffer each (`RCTL.BSIZE` = 00).
final class ReceiveRing: DescriptorRingMemory {
    /// The buffers' device address (their IOVA with an IOMMU: mapped once, kept).
    var deviceBuffers: UInt64
    static let bufferBytes = 2048
    /// The next descriptor the device will write back and the driver will look at.
    var next = 0

    init(base: PhysicalAddress, count: Int, buffers: PhysicalAddress) {
        self.deviceBuffers = buffers.rawValue
        super.init(base: base, count: count, buffers: buffers, slotBytes: Self.bufferBytes)
    }

    func deviceBuffer(_ i: Int) -> UInt64 { deviceBuffers + UInt64((i & mask) * Self.bufferBytes) }
}

/// Where a descriptor ring and its driver buffers lie in host memory, what both of the driver's rings share: `count`
/// 16-byte descriptors from `base` (a power of two, so indices wrap with ``mask``) and one buffer of `slotBytes` per
/// descriptor slot from `buffers`.
class DescriptorRingMemory {
    let base: PhysicalAddress
    let count: Int
    let mask: Int
    /// Driver buffers, one of ``slotBytes`` per descriptor slot.
    let buffers: PhysicalAddress
    let slotBytes: Int
    /// The ring's device address (its IOVA with an IOMMU, else ``base``'s physical address).
    var deviceBase: UInt64

    init(base: PhysicalAddress, count: Int, buffers: PhysicalAddress, slotBytes: Int) {
        self.base = base
        self.count = count
        self.mask = count - 1
        self.buffers = buffers
        self.slotBytes = slotBytes
        self.deviceBase = base.rawValue
    }

    /// The address of descriptor `i` (taken modulo the ring size).
    final func descriptorAddress(_ i: Int) -> PhysicalAddress { base.advanced(by: (i & mask) * 16) }
    /// The driver buffer of descriptor slot `i` (taken modulo the ring size).
    final func slotBuffer(_ i: Int) -> PhysicalAddress { buffers.advanced(by: (i & mask) * slotBytes) }
}
