import HostMemory
import HostOS
import NICInterface
import SimCore
import WireFormats

/// A NAPI-style driver for the nicsim NIC, written from its datasheet (`NICInterface`) alone, the way Linux's igb
/// and e1000e drive Intel parts.
///
/// - **Interrupts and polls.** The handler reads `ICR`, masks every cause (`IMC`) and asks the OS for a poll. A
///   poll reclaims transmit descriptors on every queue (not counted against the budget, as in Linux), then
///   delivers and refills at most `budget` received frames. Under budget it unmasks (`IMS`) and is done; at budget
///   it asks to be polled again with the device still masked.
/// - **Doorbells as `xmit_more` rings them.** One tail write per queue per batch: the packets a write (or a poll
///   that restarted queues) put on a queue share one doorbell, rung by ``kick()`` once the call's CPU work is
///   done; a queue that stops (byte limit or ring full) ends its batch there.
/// - **Byte queue limits** (`ByteQueueLimit`) bound the bytes in flight per queue; writes wait in the driver's
///   queue while a limit is reached and go on from the poll that completes enough.
/// - **Several transmit queues**, one per destination chosen by flow hash (``flowHash(_:)``).
///
/// It serves the multi-destination write of `NetworkDriver` with zero-copy (translation buffer, page
/// walks and transient pins, IOMMU mappings) and copy paths, driver or NIC segmentation, launch times and RTP
/// templates, and a receive ring. Every register access, descriptor, copy, walk, pin and mapping is counted in the
/// receipt of the call that made it. Nothing is allocated per packet once the driver has seen its largest write.
public final class NAPIDriver: NetworkDriver {
    /// `napi`, the name scenarios choose this driver by (`server.driver.kind: napi`).
    public let kind = "napi"
    /// The settings every driver honours.
    public let configuration: DriverConfiguration
    /// The settings only this driver has.
    public let napi: NAPIConfiguration
    let device: any RegisterSpace
    let memory: PhysicalMemory
    /// The DMA mapping API when an IOMMU is between the device and memory (nil: the device uses physical
    /// addresses): rings and receive buffers mapped once, each send's buffers mapped per send and unmapped when
    /// reclaimed, registered buffers mapped for good.
    public let mapper: DMAMapper?
    var iommu: IOMMU? { mapper?.iommu }
    let maxFrameBytes: Int
    weak var delegate: (any DriverDelegate)?
    /// The host's clock (set by whoever builds the machine): the driver reads only its `Simulator.now`,
    /// the host time launch times are given in, against which it reads the device clock to convert them (datasheet
    /// §10.4). Nil: device time is taken to be host time. Held strongly (the simulator's `tearDown()` breaks the
    /// cycle).
    public var hostClock: Simulator?
    /// Readings of the device clock against the host clock.
    var clockEstimate = DeviceClockEstimate()

    let rings: [TransmitRing]
    let receiveRing: ReceiveRing?
    /// Causes the driver enables: transmit done and errors, receive and receive overruns (datasheet §6.1). `TXQE`
    /// stays masked so that a transmit completion stays delayable (§6.2).
    static let enabledCauses: InterruptCause = [.txDescriptorWritten, .txDescriptorError, .rxTimer, .rxOverrun,
                                                .rxDescriptorsExhausted]

    let translations = TranslationBuffer()

    // Destinations, by DestinationID.
    var destinations: [Destination] = []

    // Writes: slots reused through `freeSlots`; `pendingWrites` are the slots with entries still to post, oldest first.
    var writeIDs: [UInt64] = []
    var writeOutstanding: [Int] = []
    var writeUnposted: [Int] = []
    /// Entries not yet fully posted per (write slot, queue): slot × 8 + queue.
    var writeQueueLeft: [Int] = []
    var writeSpaces: [AddressSpace?] = []
    var writeZeroCopy: [Bool] = []
    var writeEntryStart: [Int] = []
    var writeEntryEnd: [Int] = []
    var freeSlots: [Int] = []
    var pendingWrites: [Int] = []
    var entries: [PendingEntry] = []
    var nextWriteID: UInt64 = 1
    var writesOpen = 0
    /// Writes whose every packet is done, to report to the delegate at the end of the current call.
    var completedScratch: [WriteID] = []
    /// Writes with no packet at all, completed at the next kick (after the OS has counted them).
    var emptyWrites: [WriteID] = []

    // Scratch, reused.
    var headerScratch = [UInt8](repeating: 0, count: 64)
    var pieceScratch: [PieceRef] = []
    var rangeScratch: [PhysicalRange] = []
    var receiveScratch: [UInt8]

    // NAPI state.
    var napiScheduled = false
    /// MSI-X: the vectors whose NAPI instance is scheduled (bit v), and whether a poll the OS will run was asked
    /// for and has not run yet.
    var vectorsScheduled: UInt32 = 0
    var pollRequested = false
    var kickPending = false
    var setupReceipt = DriverReceipt()

    /// Derived limits.
    let largestSendDescriptors: Int
    let chunkLimitBytes: Int

    // Statistics.
    var stats = DriverStatistics()
    var interrupts: UInt64 = 0
    var spuriousInterrupts: UInt64 = 0
    var polls: UInt64 = 0
    var budgetExhaustions: UInt64 = 0
    var maskedIntervals: UInt64 = 0
    var bqlStalls: UInt64 = 0
    var ringStalls: UInt64 = 0
    var sendsPosted: UInt64 = 0
    var transmitDoorbells: UInt64 = 0
    var receiveDoorbells: UInt64 = 0
    var framesReceived: UInt64 = 0
    var receiveErrors: UInt64 = 0
    var receiveOverruns: UInt64 = 0
    var internalFaults: UInt64 = 0
    var framesRefused: UInt64 = 0

    /// One destination: its header template (B18), its queue, its per-packet header fields and its counters.
    struct Destination {
        var template: HeaderTemplate
        /// The same headers without DF, for datagrams cut from a write larger than one datagram: Linux sets DF only
        /// when the whole write fits one datagram of the MTU (`__ip_make_skb`, REFERENCE.md).
        var fragmentable: HeaderTemplate
        var queue: Int
        /// Payload bytes per datagram (packet size less IPv4, UDP and RTP headers) and per NIC-segmented send.
        var mss: Int
        var chunk: Int
        var identification: UInt16 = 0
        var rtpSequence: UInt16 = 0
        var counters = DestinationCounters()
    }

    /// One entry of an accepted write, with how far it is posted.
    struct PendingEntry {
        var destination: Int
        var queue: Int
        var address: UInt64
        var length: Int
        var sent = 0
        var launchTime: SimTime?
        var rtpTimestamp: UInt32
        var registered: Bool
        /// The last page this entry walked and its frame (a page shared by two packets is walked once).
        var lastPage: UInt64 = .max
        var lastFrame: UInt64 = 0
    }

    /// One payload buffer for a descriptor: physical address and length.
    struct PieceRef {
        var address: UInt64
        var length: Int
    }

    /// Creates the driver and allocates its rings and buffers; nothing touches the device until
    /// ``attach(to:mac:)``.
    ///
    /// - Parameters:
    ///   - device: The NIC's registers.
    ///   - memory: Host physical memory, for rings, buffers and descriptors.
    ///   - configuration: The driver's choices (ring size, payload path, order, report policy, segmentation).
    ///   - napi: The settings only this driver has (transmit queues, byte queue limits).
    ///   - maxFrameBytes: The largest frame the link carries (without FCS).
    ///   - iommu: The IOMMU between the device and memory, if any: the driver then maps every buffer it gives the
    ///     device, through a mapper of its own (deferred invalidation, no flush timeout) unless `mapper` is given.
    ///   - mapper: The DMA mapping API to map through (its IOMMU is the device's).
    /// - Throws: `MemoryFault` when memory has no room for the rings and buffers, or no IOVA space for their mappings.
    public init(device: any RegisterSpace, memory: PhysicalMemory, configuration: DriverConfiguration,
                napi: NAPIConfiguration = NAPIConfiguration(), maxFrameBytes: Int, iommu: IOMMU? = nil,
                mapper: DMAMapper? = nil)
        throws(MemoryFault)
    {
        precondition(configuration.ringSize >= 8 && configuration.ringSize <= 65_536
                     && configuration.ringSize & (configuration.ringSize - 1) == 0,
                     "ring size must be a power of two from 8 to 65,536")
        precondition(configuration.receiveRingSize == 0 || (configuration.receiveRingSize >= 8
                     && configuration.receiveRingSize & (configuration.receiveRingSize - 1) == 0),
                     "receive ring size must be 0 or a power of two from 8")
        self.device = device
        self.memory = memory
        self.configuration = configuration
        self.napi = napi
        self.mapper = mapper ?? iommu.map { DMAMapper(iommu: $0) }
        self.maxFrameBytes = max(60, maxFrameBytes)
        let slotBytes = max(2048, (self.maxFrameBytes + 63) / 64 * 64)
        // The largest send must fit the ring (count − 1) and the device's descriptor cache (64, datasheet §4.2).
        let descriptorBudget = min(configuration.ringSize - 1, 63)
        let payloadPerDescriptor = configuration.path == .copy ? slotBytes : Page.size
        switch configuration.segmentation {
        case .driver:
            let mss = max(1, configuration.packetSize - 28)
            let pieces = configuration.path == .copy ? 0 : (mss + Page.size - 1) / Page.size + 1
            largestSendDescriptors = min(descriptorBudget, 2 + pieces)
            chunkLimitBytes = mss
        case .nic:
            // Context + header + payload pieces: a chunk of c bytes spans at most ⌈c / 4096⌉ + 1 pages.
            let payloadDescriptors = max(1, descriptorBudget - 3)
            chunkLimitBytes = max(
                1, (payloadDescriptors - (configuration.path == .copy ? 0 : 1)) * payloadPerDescriptor)
            largestSendDescriptors = descriptorBudget
        }
        var rings: [TransmitRing] = []
        for q in 0..<napi.transmitQueues {
            let base = try memory.allocateContiguous(bytes: configuration.ringSize * TxDescriptor.size)
            let buffers = try memory.allocateContiguous(bytes: configuration.ringSize * slotBytes)
            let limit = napi.byteQueueLimits
                ? ByteQueueLimit(limit: napi.initialLimit, minimum: napi.minimumLimit, maximum: napi.maximumLimit,
                                 holdCompletions: napi.slackHoldCompletions)
                : ByteQueueLimit(limit: Int.max / 4, minimum: Int.max / 4, maximum: Int.max / 4, holdCompletions: 1)
            rings.append(TransmitRing(index: q, base: base, count: configuration.ringSize, buffers: buffers,
                                      slotBytes: slotBytes, limit: limit))
        }
        if napi.headWriteBack {
            // One 4-byte head word per queue, each on its own 64-byte line as ixgbe keeps them apart.
            let area = try memory.allocateContiguous(bytes: max(64, rings.count * 64))
            for ring in rings {
                ring.headWriteBack = area.advanced(by: ring.index * 64)
                ring.deviceHeadWriteBack = area.advanced(by: ring.index * 64).rawValue
            }
        }
        self.rings = rings
        if configuration.receiveRingSize > 0 {
            let base = try memory.allocateContiguous(bytes: configuration.receiveRingSize * RxDescriptor.size)
            let buffers = try memory.allocateContiguous(bytes: configuration.receiveRingSize * ReceiveRing.bufferBytes)
            receiveRing = ReceiveRing(base: base, count: configuration.receiveRingSize, buffers: buffers)
        } else {
            receiveRing = nil
        }
        receiveScratch = [UInt8](repeating: 0, count: slotBytes + ReceiveRing.bufferBytes)
        pieceScratch.reserveCapacity(64)
        rangeScratch.reserveCapacity(64)
        // With an IOMMU the device reaches the rings (dma_alloc_coherent) and the receive buffers, posted once,
        // through mappings made now and kept; the slot buffers a send uses are mapped per send.
        if let mapper = self.mapper {
            for ring in rings {
                ring.deviceBase = try mapper.map(ring.base, length: configuration.ringSize * TxDescriptor.size,
                                                 writable: true).rawValue
                if let head = ring.headWriteBack {
                    ring.deviceHeadWriteBack = try mapper.map(head, length: 4, writable: true).rawValue
                }
            }
            if let rx = receiveRing {
                rx.deviceBase = try mapper.map(rx.base, length: rx.count * RxDescriptor.size, writable: true).rawValue
                rx.deviceBuffers = try mapper.map(rx.buffers, length: rx.count * ReceiveRing.bufferBytes,
                                                  writable: true).rawValue
            }
            setupReceipt.add(mapper.takeWork())
        }
    }

    // MARK: Registers

    @inline(__always)
    func write(_ register: NICRegister, _ value: UInt32, _ r: inout DriverReceipt) {
        device.writeRegister(register, value)
        r.registerWrites += 1
    }

    @inline(__always)
    func read(_ register: NICRegister, _ r: inout DriverReceipt) -> UInt32 {
        r.registerReads += 1
        return device.readRegister(register)
    }

    /// Writes queue `q`'s tail register (`TDT`): the transmit doorbell (datasheet §2.2).
    func ringDoorbell(_ ring: TransmitRing, _ r: inout DriverReceipt) {
        device.writeRegister(.transmitQueue(ring.index, NICRegister.QueueOffset.tail), UInt32(ring.next))
        ring.deviceTail = ring.next
        r.doorbells += 1
        transmitDoorbells += 1
    }

    // MARK: NetworkDriver: set-up

    public var hasReceiveRing: Bool { receiveRing != nil }

    public var hasOutstandingWork: Bool {
        !pendingWrites.isEmpty || rings.contains { $0.packetsOutstanding > 0 }
    }

    /// Programs the device (datasheet §2): interrupts masked, the address, moderation, every transmit queue's ring
    /// and enable bit, the receive ring with every buffer posted, then the transmitter, the receiver and the
    /// interrupt mask.
    public func attach(to delegate: any DriverDelegate, mac: MACAddress) -> DriverReceipt {
        self.delegate = delegate
        var r = setupReceipt
        setupReceipt = DriverReceipt()
        write(.imc, 0xFFFF_FFFF, &r)
        let m = mac.rawValue
        write(.ral, UInt32(truncatingIfNeeded: (m >> 40) & 0xFF | (m >> 24) & 0xFF00 | (m >> 8) & 0xFF_0000
                           | (m << 8) & 0xFF00_0000), &r)
        write(.rah, UInt32(truncatingIfNeeded: (m >> 8) & 0xFF | (m << 8) & 0xFF00) | 1 << 31, &r)
        let mod = configuration.moderation
        write(.itr, mod.itr & 0xFFFF, &r)
        write(.tidv, mod.tidv & 0xFFFF, &r)
        write(.tadv, mod.tadv & 0xFFFF, &r)
        write(.txft, mod.txft & 0xFFFF, &r)
        write(.rdtr, mod.rdtr & 0xFFFF, &r)
        write(.radv, mod.radv & 0xFFFF, &r)
        write(.rxft, mod.rxft & 0xFFFF, &r)
        for ring in rings {
            let q = ring.index
            write(.transmitQueue(q, NICRegister.QueueOffset.baseLow), UInt32(truncatingIfNeeded: ring.deviceBase), &r)
            write(.transmitQueue(q, NICRegister.QueueOffset.baseHigh),
                  UInt32(truncatingIfNeeded: ring.deviceBase >> 32), &r)
            write(.transmitQueue(q, NICRegister.QueueOffset.length), UInt32(ring.count * TxDescriptor.size), &r)
            write(.transmitQueue(q, NICRegister.QueueOffset.head), 0, &r)
            if let head = ring.headWriteBack {
                do throws(MemoryFault) { try memory.writeUInt32LE(head, 0) } catch { internalFaults += 1 }
                write(.transmitQueue(q, NICRegister.QueueOffset.headWriteBackHigh),
                      UInt32(truncatingIfNeeded: ring.deviceHeadWriteBack >> 32), &r)
                write(.transmitQueue(q, NICRegister.QueueOffset.headWriteBackLow),
                      UInt32(truncatingIfNeeded: ring.deviceHeadWriteBack) | 1, &r)
            }
            // The first tail write is a doorbell to the device (it counts accepted TDT writes), so count it as one.
            ringDoorbell(ring, &r)
            write(.transmitQueue(q, NICRegister.QueueOffset.control), NICRegister.QueueOffset.enableBit, &r)
        }
        write(.tctl, TransmitControl.enable.rawValue, &r)
        if let rx = receiveRing {
            for i in 0..<rx.count { postReceiveBuffer(rx, i) }
            write(.receiveQueue(0, NICRegister.QueueOffset.baseLow), UInt32(truncatingIfNeeded: rx.deviceBase), &r)
            write(.receiveQueue(0, NICRegister.QueueOffset.baseHigh), UInt32(truncatingIfNeeded: rx.deviceBase >> 32),
                  &r)
            write(.receiveQueue(0, NICRegister.QueueOffset.length), UInt32(rx.count * RxDescriptor.size), &r)
            write(.receiveQueue(0, NICRegister.QueueOffset.head), 0, &r)
            device.writeRegister(.receiveQueue(0, NICRegister.QueueOffset.tail), UInt32(rx.count - 1))
            r.doorbells += 1
            receiveDoorbells += 1
            write(.receiveQueue(0, NICRegister.QueueOffset.control), NICRegister.QueueOffset.enableBit, &r)
            write(.mrqc, 0, &r)
            // Accept the station address (RAL/RAH above) and broadcast (ARP); no multicast group is joined.
            write(.rctl, ReceiveControl([.enable, .broadcastAccept]).rawValue, &r)
        }
        if napi.msix {
            setUpVectors(&r)
        } else {
            write(.ims, Self.enabledCauses.rawValue, &r)
        }
        return r
    }

    /// The transmit queue of a destination: a 64-bit FNV-1a over three 32-bit words (source address, destination
    /// address, source port << 16 | destination port), word by word, modulo the number of queues. It is the hash
    /// the device uses to spread received frames (datasheet §11.1), so a flow's two directions name the same
    /// queue number when the queue counts agree.
    public static func flowHash(_ t: HeaderTemplate) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for w in [
            t.sourceIP.rawValue, t.destinationIP.rawValue, UInt32(t.sourcePort) << 16 | UInt32(t.destinationPort),
        ] {
            h = (h ^ UInt64(w)) &* 0x0000_0100_0000_01B3
        }
        return h
    }

    public func addDestination(_ template: HeaderTemplate) -> DestinationID {
        let queue = Int(Self.flowHash(template) % UInt64(rings.count))
        // A datagram is at most the packet size and its frame at most the largest frame (it must fit a slot buffer).
        let mss = max(1, min(configuration.packetSize - (template.headerLength - EthernetHeader.size),
                             maxFrameBytes - template.headerLength))
        var segments = min(configuration.maxSegmentsPerSend, 128, max(1, chunkLimitBytes / mss))
        segments = max(1, min(segments, (65_549 - template.headerLength) / mss, template.maximumPayloadLength / mss))
        let fragmentable = !template.dontFragment ? template : HeaderTemplate(
            sourceMAC: template.sourceMAC, destinationMAC: template.destinationMAC, sourceIP: template.sourceIP,
            destinationIP: template.destinationIP, sourcePort: template.sourcePort,
            destinationPort: template.destinationPort, ttl: template.ttl, tos: template.tos, dontFragment: false,
            rtp: template.rtp)
        destinations.append(Destination(template: template, fragmentable: fragmentable, queue: queue, mss: mss,
                                        chunk: segments * mss))
        return DestinationID(rawValue: destinations.count - 1)
    }

    /// The queue a destination's packets use.
    public func queue(of destination: DestinationID) -> Int? {
        destinations.indices.contains(destination.rawValue) ? destinations[destination.rawValue].queue : nil
    }

    public func registerBuffer(space: AddressSpace, address: VirtualAddress, length: Int) throws(MemoryFault)
        -> DriverReceipt
    {
        let region = try translations.register(space: space, address: address, length: length)
        var r = DriverReceipt()
        let pages = UInt64(Page.count(forBytes: address.pageOffset + length))
        r.pageWalks = pages
        r.pagesPinned = pages
        if let mapper, length > 0 {
            // Mapped once (dma_map_sg: one IOVA range over the buffer's pages) and kept while registered.
            rangeScratch.removeAll(keepingCapacity: true)
            try translations.translate(region: region, offset: 0, length: length, into: &rangeScratch)
            _ = try mapper.mapScattered(rangeScratch, writable: false)
            r.add(mapper.takeWork())
        }
        return r
    }

    // MARK: IOMMU

    /// The device address of a buffer the next descriptor of `ring` hands the device: mapped now for this send
    /// (`dma_map_single`) and recorded in the descriptor's slot, to be unmapped when it is reclaimed, unless it
    /// lies in a registered buffer (mapped for good). Without an IOMMU, the physical address.
    func sendAddress(_ ring: TransmitRing, _ physical: UInt64, length: Int, registered: Bool = false,
                     _ r: inout DriverReceipt) -> UInt64 {
        guard let mapper, length > 0 else { return physical }
        if registered, let iova = mapper.persistentAddress(of: PhysicalAddress(rawValue: physical)) {
            return iova.rawValue
        }
        do throws(MemoryFault) {
            let iova = try mapper.map(PhysicalAddress(rawValue: physical), length: length, writable: false)
            ring.slotMapAddress[ring.next] = iova.rawValue
            ring.slotMapLength[ring.next] = length
            r.add(mapper.takeWork())
            return iova.rawValue
        } catch {
            // No IOVA left: address 0, which no mapping covers; the device's read faults (a DMA error status).
            internalFaults += 1
            return 0
        }
    }

    /// Unmaps the streaming mapping of `ring`'s descriptor slot `i`, if it has one (`dma_unmap_single` on
    /// completion).
    func unmapSlot(_ ring: TransmitRing, _ i: Int, _ r: inout DriverReceipt) {
        guard let mapper, ring.slotMapLength[i] > 0 else { return }
        let length = ring.slotMapLength[i]
        ring.slotMapLength[i] = 0
        do throws(MemoryFault) {
            try mapper.unmap(IOVirtualAddress(rawValue: ring.slotMapAddress[i]), length: length)
        } catch {
            internalFaults += 1
        }
        r.add(mapper.takeWork())
    }

    // MARK: Hardware policies (datasheet §12)

    public func installHardwarePolicy(slot: Int, _ policy: HardwarePolicy) -> DriverReceipt? {
        guard slot >= 0 && slot < NICRegister.policyEntries && policy.targets.count <= NICRegister.policyTargets else {
            return nil
        }
        var r = DriverReceipt()
        // VALID cleared first, so the device never uses a half-written entry (§12).
        write(.policy(slot, NICRegister.PolicyOffset.control), 0, &r)
        write(.policy(slot, NICRegister.PolicyOffset.matchIP), policy.destination.rawValue, &r)
        write(.policy(slot, NICRegister.PolicyOffset.sourceIP), policy.source?.rawValue ?? 0, &r)
        for (k, t) in policy.targets.enumerated() {
            let base = NICRegister.PolicyOffset.target(k)
            write(.policy(slot, base), t.ip.rawValue, &r)
            write(.policy(slot, base + 4), UInt32(t.port), &r)
            let m = t.mac.rawValue
            write(.policy(slot, base + 8), UInt32(truncatingIfNeeded: (m >> 40) & 0xFF | (m >> 24) & 0xFF00
                                                  | (m >> 8) & 0xFF_0000 | (m << 8) & 0xFF00_0000), &r)
            write(.policy(slot, base + 12), UInt32(truncatingIfNeeded: (m >> 8) & 0xFF | (m << 8) & 0xFF00), &r)
        }
        var control = UInt32(policy.port) | 1 << 16 | UInt32(policy.targets.count) << 24
        if policy.onReceive { control |= 1 << 17 }
        if policy.onTransmit { control |= 1 << 18 }
        if policy.redirect { control |= 1 << 19 }
        write(.policy(slot, NICRegister.PolicyOffset.control), control, &r)
        return r
    }

    public func removeHardwarePolicy(slot: Int) -> DriverReceipt {
        var r = DriverReceipt()
        if slot >= 0 && slot < NICRegister.policyEntries {
            write(.policy(slot, NICRegister.PolicyOffset.control), 0, &r)
        }
        return r
    }

    // MARK: Reports

    public func destinationCounters(_ destination: DestinationID) -> DestinationCounters {
        destinations.indices.contains(destination.rawValue) ? destinations[destination.rawValue].counters
            : DestinationCounters()
    }

    /// Health figures, and in `DriverStatistics.extra` what only this driver has: interrupts and polls,
    /// budget exhaustions, masked intervals (one per `IMC` … `IMS`), byte queue limits (each queue's current
    /// limit, the smallest and largest any queue had), stalls, and the doorbells `xmit_more` batching saved
    /// (sends posted minus transmit tail writes).
    public var statistics: DriverStatistics {
        var s = stats
        s.extra = [
            .init("interrupts", interrupts),
            .init("spurious-interrupts", spuriousInterrupts),
            .init("polls", polls),
            .init("budget-exhaustions", budgetExhaustions),
            .init("masked-intervals", maskedIntervals),
            .init("transmit-queues", UInt64(rings.count)),
        ]
        for ring in rings {
            s.extra.append(.init("bql-limit-q\(ring.index)", UInt64(clamping: ring.limit.limit)))
        }
        s.extra.append(.init("bql-limit-min", UInt64(clamping: rings.map(\.limit.lowestLimit).min() ?? 0)))
        s.extra.append(.init("bql-limit-max", UInt64(clamping: rings.map(\.limit.highestLimit).max() ?? 0)))
        s.extra.append(.init("bql-stalls", bqlStalls))
        s.extra.append(.init("ring-stalls", ringStalls))
        s.extra.append(.init("sends-posted", sendsPosted))
        s.extra.append(.init("transmit-doorbells", transmitDoorbells))
        // The set-up's first tail write per queue is no send's doorbell.
        let sendDoorbells = transmitDoorbells - min(transmitDoorbells, UInt64(rings.count))
        s.extra.append(.init("doorbells-saved", sendsPosted > sendDoorbells ? sendsPosted - sendDoorbells : 0))
        s.extra.append(.init("receive-doorbells", receiveDoorbells))
        s.extra.append(.init("frames-received", framesReceived))
        s.extra.append(.init("receive-errors", receiveErrors))
        s.extra.append(.init("receive-overruns", receiveOverruns))
        s.extra.append(.init("frames-refused", framesRefused))
        s.extra.append(.init("internal-faults", internalFaults))
        return s
    }

    /// Bytes in flight on each transmit queue (queued and not yet completed), for tests and reports.
    public var bytesInFlight: [Int] { rings.map(\.limit.inFlight) }
    /// Each transmit queue's current byte limit.
    public var byteLimits: [Int] { rings.map(\.limit.limit) }
}
