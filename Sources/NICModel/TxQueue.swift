import WireFormats
import SimCore

/// One frame the transmit engine holds: fetched (or being fetched) and waiting for the MAC.
struct TxFrameRecord {
    var frame = FrameHandle(rawValue: 0)
    var hasFrame = false
    var length = 0
    /// Picoseconds; `Int64.min` when the frame has no launch time.
    var launchTime = Int64.min
    /// The launch time in nanoseconds of device time (datasheet §10); meaningful when ``launchTime`` is set.
    var launchDevice: UInt64 = 0
    var ready = false
    /// The last frame of its packet: completing it writes the packet back.
    var completesPacket = false
    var firstDescriptor: UInt32 = 0
    var descriptorCount: UInt32 = 0
    var reportStatus = false
    var delayable = false
    /// The packet is done at its last frame's last bit (`RPS`, or a launch time), not when it is in the packet
    /// buffer (datasheet §4.5).
    var completesOnWire = false
    var errors = TxStatus()
    /// A match-action redirect sent copies instead of this frame.
    var redirected = false
}

/// A transmit queue: its registers, its descriptor cache and the frames it has fetched.
struct TxQueue: RingRegisters {
    let index: Int
    var registers: QueueRegisterBlock
    var framesSent: UInt64 = 0

    /// Descriptor cache: `cache[i]` holds ring descriptor `cacheRingIndex + i`, the arrived ones first, then those
    /// still in flight.
    var cache: Ring<TxDescriptor>
    /// Descriptors in the cache that have arrived.
    var cacheCount = 0
    /// Descriptors requested and still in flight (they follow the arrived ones).
    var cachePending = 0
    /// Ring index of the oldest cached descriptor (the next one to process).
    var cacheRingIndex: UInt32 = 0

    /// Frames fetched, oldest first.
    var records: Ring<TxFrameRecord>
    /// The oldest `completedRecords` records are done (their packet completed at fetch, datasheet §4.5) and wait
    /// only for the wire; they are always a prefix of the records.
    var completedRecords = 0
    var dropRestOfPacket = false
    /// When a held launch-time fetch is due to wake (datasheet §10.3); ``SimTime/never`` when none is scheduled.
    var launchFetchWake = SimTime.never

    // Write-back (datasheet §4.5): TXDCTL.WTHRESH and the head write-back address TDWBAL/TDWBAH.
    var writeBackThreshold: UInt32 = 0
    var headWriteBackLow: UInt32 = 0
    var headWriteBackHigh: UInt32 = 0
    /// Completed report points whose write-back is held on chip (WTHRESH > 0), oldest first: the ring index of the
    /// packet's last descriptor, and its status. Room for the largest WTHRESH (31) and one more, inline (no heap
    /// allocation per queue).
    var heldDescriptors = InlineArray<32, UInt32>(repeating: 0)
    var heldStatus = InlineArray<32, UInt8>(repeating: 0)
    var heldCount = 0
    /// Every held write-back came from a packet with `IDE` (so its `TXDW` may wait).
    var heldDelayable = true

    init(index: Int, configuration: NICConfiguration) {
        self.index = index
        self.registers = QueueRegisterBlock(enabled: index == 0)
        self.cache = Ring(capacity: configuration.descriptorCacheSize,
                          filler: TxDescriptor(bufferAddress: 0, length: 0, command: []))
        var n = 16
        while n < configuration.maxSegments + configuration.txPacketBufferBytes / EthernetFraming.minimumFrameBytes + 2
        {
            n <<= 1
        }
        self.records = Ring(capacity: n, filler: TxFrameRecord())
    }

    /// The ring is programmed consistently: a length, and head, tail and cache inside it.
    var usable: Bool { enabled && ringCount > 0 && tail < ringCount && cacheRingIndex < ringCount }
    /// Next ring index to read into the cache.
    var fetchPointer: UInt32 { Self.wrapped(cacheRingIndex + UInt32(cacheCount + cachePending), max(ringCount, 1)) }
    /// Descriptors the driver made ready that are not yet in (or on their way to) the cache.
    var available: Int {
        guard usable else { return 0 }
        return Int(Self.wrapped(tail + ringCount - fetchPointer, ringCount))
    }

    /// `value % count`, by one subtraction in the usual case of a value below twice `count` (a division costs tens
    /// of cycles, and this runs several times per packet); any other value (registers a driver left inconsistent)
    /// takes the division.
    @inline(__always)
    static func wrapped(_ value: UInt32, _ count: UInt32) -> UInt32 {
        if value < count { return value }
        if value - count < count { return value - count }
        return value % count
    }
    var recordsFree: Int { records.free }

    mutating func moveHead(to value: UInt32, idle: Bool) -> Bool {
        guard idle, cachePending == 0, records.isEmpty, heldCount == 0 else { return false }
        head = value
        cacheRingIndex = value
        cacheCount = 0
        cache.removeAll()
        return true
    }

    /// `start + i` wrapped into `0..<count`, for `start < count` and `0 <= i < count` (a subtraction, not a
    /// division: these run several times per packet).
    @inline(__always) static func wrap(_ start: Int, _ i: Int, _ count: Int) -> Int {
        let k = start + i
        return k >= count ? k - count : k
    }

    /// The cached descriptor `i` places after the oldest.
    func cached(_ i: Int) -> TxDescriptor { cache[i] }

    /// Drops the `n` oldest cached descriptors (their packet was taken).
    mutating func consumeCached(_ n: Int) {
        cache.removeFirst(n)
        cacheCount -= n
        cacheRingIndex = (cacheRingIndex + UInt32(n)) % ringCount
    }

    mutating func batchArrived() {
        cacheCount += cachePending
        cachePending = 0
    }

    mutating func append(_ r: TxFrameRecord) { records.append(r) }

    var oldest: TxFrameRecord? { records.first }

    /// Removes the oldest record; `wasCompleted` tells whether its packet had already completed (at fetch).
    mutating func popOldest() -> (record: TxFrameRecord, wasCompleted: Bool) {
        let r = records.removeFirst()
        if completedRecords > 0 {
            completedRecords -= 1
            return (r, true)
        }
        return (r, false)
    }

    /// The oldest record not yet completed, if it may complete now (it is fetched and not waiting for the wire),
    /// marked completed; nil when the next one must wait.
    mutating func nextCompletable() -> TxFrameRecord? {
        guard completedRecords < records.count else { return nil }
        let r = records[completedRecords]
        guard r.ready, !r.completesOnWire || !r.errors.isEmpty else { return nil }
        completedRecords += 1
        return r
    }

    /// The head write-back address (TDWBAH:TDWBAL with the enable bit and bit 1 cleared), when enabled.
    var headWriteBackAddress: UInt64? {
        guard headWriteBackLow & 1 != 0 else { return nil }
        return UInt64(headWriteBackHigh) << 32 | UInt64(headWriteBackLow & ~3)
    }

    /// Marks the frames of the oldest packet still in flight as fetched.
    mutating func packetArrived() {
        for k in 0..<records.count {
            if records[k].ready { continue }
            records[k].ready = true
            if records[k].completesPacket { return }
        }
    }

    /// Lets `body` change every fetched frame in place, oldest first.
    mutating func forEachRecord(_ body: (inout TxFrameRecord) -> Void) {
        for i in 0..<records.count { body(&records[i]) }
    }

    /// Releases every frame the queue holds (reset).
    mutating func releaseAll(_ frames: FrameStore) {
        while !records.isEmpty {
            let r = popOldest().record
            if r.hasFrame { frames.release(r.frame) }
        }
    }
}
