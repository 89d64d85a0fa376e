import HostMemory
import HostOS
import NICInterface
import SimCore
import WireFormats

/// The reference driver: owns the TX ring, turns multi-destination writes into descriptors, cleans completions.
///
/// It knows the device only through `RegisterSpace` and the descriptor layout of the datasheet; it reaches
/// memory as the host CPU does (rings, headers and bounce buffers in physical memory it allocated; application
/// data through the application's page table or the translation buffer).
///
/// The driver does work when called and leaves pricing to the host: every `NetworkDriver` call returns a
/// receipt of what it did, which the host's cost model turns into cycles and virtual time. ``counters`` keep the
/// driver's own running totals (its `ethtool -S`); each receipt is the change of those totals over one call.
public final class Driver: NetworkDriver {
    public let kind = "reference"
    public let configuration: DriverConfiguration
    public internal(set) var counters = DriverCounters()
    /// Per-destination counts, indexed by `DestinationID.rawValue`.
    public private(set) var destinationCounters: [DestinationCounters] = []
    /// Told when a write has completed and when frames arrive (the OS, from ``attach(to:mac:)``).
    public weak var delegate: (any DriverDelegate)?
    /// The translation buffer the driver holds for registered regions (B5/B6).
    public let translationBuffer: TranslationBuffer

    let device: RegisterSpace
    /// Where descriptor writes are traced (set by whoever builds the machine; nil: not traced).
    ///
    /// Held strongly, as the host holds its simulator: a weak reference would give the simulator a side table, and
    /// every retain and release of it (several per packet across the model) would take the slow path. The cycle
    /// this can close through the simulator's handlers is broken by `Simulator.tearDown()`.
    public var traceSimulator: Simulator?
    /// The component name in traces.
    public var traceName = "driver"
    /// The host's clock (set by whoever builds the machine): the driver reads only its `Simulator.now`,
    /// the host time launch times are given in, against which it reads the device clock to convert them (datasheet
    /// §10.4). Nil: device time is taken to be host time. Held strongly, as ``traceSimulator`` is (no closure: a
    /// closure's context would be one more allocation per machine).
    public var hostClock: Simulator?
    /// Readings of the device clock against the host clock.
    var clockEstimate = DeviceClockEstimate()
    let memory: PhysicalMemory
    /// The DMA mapping API when an IOMMU is between the device and memory (nil: the device uses physical
    /// addresses). Rings and receive buffers are mapped once; what a send hands the device is mapped per send and
    /// unmapped when its descriptor is reclaimed; registered buffers stay mapped.
    public let mapper: DMAMapper?
    /// The IOMMU, if any (the mapper's).
    var iommu: IOMMU? { mapper?.iommu }
    /// Device addresses of the rings and receive buffers (IOVAs with an IOMMU, else their physical addresses).
    var ringDevice: UInt64 = 0
    var receiveRingDevice: UInt64 = 0
    var receiveBufferDevice: UInt64 = 0
    /// Per transmit descriptor slot: the device address and length of the streaming mapping its buffer holds
    /// (length 0: none), unmapped when the descriptor is reclaimed.
    var slotMappingAddress: [UInt64]
    var slotMappingLength: [Int]
    let ringSize: Int
    let ringBase: PhysicalAddress
    let headerBase: PhysicalAddress
    static let headerSlotBytes = 64
    let bounceBase: PhysicalAddress
    let bounceSlotBytes: Int
    // Receive ring.
    let receiveRingSize: Int
    let receiveRingBase: PhysicalAddress
    let receiveBufferBase: PhysicalAddress
    static let receiveBufferBytes = 2048
    var receiveNext = 0
    var receiveScratch: [UInt8]
    var receiveDescriptor = [UInt8](repeating: 0, count: 16)

    var templates: [HeaderTemplate] = []
    /// The same headers without DF, for datagrams cut from a write larger than one datagram (Linux's rule, below).
    var fragmentableTemplates: [HeaderTemplate] = []
    var ipIdentification: [UInt16] = []
    var rtpSequence: [UInt16] = []

    /// Descriptors ever posted / ever reclaimed (absolute counts; ring index = count mod ring size).
    var posted: UInt64 = 0
    var reclaimed: UInt64 = 0
    var doorbellPosted: UInt64 = 0
    var lastPostedHasReport = true
    /// Absolute indices of descriptors posted with report-status, oldest first.
    var reportQueue: Ring<UInt64>

    var queued: [WriteState] = []
    var queuedHead = 0
    /// Writes fully posted and waiting for the device, with the absolute index one past their last descriptor.
    var inFlight: [(id: WriteID, end: UInt64)] = []
    var inFlightHead = 0
    var nextWriteID: UInt64 = 1
    /// Where the previous watchdog run left the reclaim point and the device's head (transmit hang check).
    var watchdogLastReclaimed: UInt64 = 0
    /// The link is down (``linkStatusChanged()``): writes are accepted and queued, nothing is posted.
    var linkDown = false
    var watchdogLastHead: UInt32?

    /// Receipts of ``transmitFrame(_:length:)`` calls made inside the current interrupt, poll or watchdog run.
    var nestedWork = DriverReceipt()

    var pieces: [PhysicalRange] = []
    var scratch = [UInt8](repeating: 0, count: 16)
    var headerScratch = [UInt8](repeating: 0, count: Driver.headerSlotBytes)

    struct WriteState {
        var id: WriteID
        var space: AddressSpace
        /// Where the write's entries start in ``queuedEntries``, and how many it has.
        var firstEntry: Int
        var entryCount: Int
        var current = 0
        var remainingEntries: Int
        var path: PayloadPath
    }

    /// One entry of a queued write and how far the driver got with it.
    struct QueuedEntry {
        var entry: WriteEntry
        /// Bytes already described.
        var sent = 0
        /// Whether the (possibly empty) first packet went out.
        var started = false
        /// One past the last virtual page already walked and pinned in this write (unregistered zero-copy pins
        /// each page once per call, as get_user_pages does).
        var pinnedThrough: UInt64 = 0
    }

    /// The entries of every queued write, back to back in queue order. Emptied (keeping its storage) whenever the
    /// queue drains, and cut to the unposted writes' entries by ``compactQueue()`` when writes keep arriving before
    /// it drains, so its storage stays within about twice the most entries ever outstanding at once.
    var queuedEntries: [QueuedEntry] = []

    /// Sets up rings and buffers in `memory` and programs the device.
    ///
    /// With an IOMMU the driver maps through `mapper`, or through a mapper of its own for `iommu` (deferred
    /// invalidation, no flush timeout) when only `iommu` is given.
    public init(device: RegisterSpace, memory: PhysicalMemory, configuration: DriverConfiguration,
                maxFrameBytes: Int, iommu: IOMMU? = nil, mapper: DMAMapper? = nil) throws(MemoryFault) {
        precondition(configuration.ringSize >= 8 && configuration.ringSize <= 65_536
                     && configuration.ringSize & (configuration.ringSize - 1) == 0, "ring size must be a power of two")
        self.configuration = configuration
        self.device = device
        self.memory = memory
        self.mapper = mapper ?? iommu.map { DMAMapper(iommu: $0) }
        self.ringSize = configuration.ringSize
        self.slotMappingAddress = Array(repeating: 0, count: configuration.ringSize)
        self.slotMappingLength = Array(repeating: 0, count: configuration.ringSize)
        self.translationBuffer = TranslationBuffer()
        self.ringBase = try memory.allocateContiguous(bytes: ringSize * TxDescriptor.size)
        self.headerBase = try memory.allocateContiguous(bytes: ringSize * Driver.headerSlotBytes)
        self.bounceSlotBytes = (maxFrameBytes + 63) & ~63
        // Bounce buffers back the copy path and the frames the host sends as they are (ARP, ICMP replies).
        self.bounceBase = try memory.allocateContiguous(bytes: ringSize * bounceSlotBytes)
        self.reportQueue = Ring(capacity: ringSize, filler: 0)
        self.pieces.reserveCapacity(64)
        try memory.fill(ringBase, count: ringSize * TxDescriptor.size, value: 0)
        let receiveRing = configuration.receiveRingSize
        precondition(
            receiveRing == 0 || (receiveRing >= 8 && receiveRing <= 65_536 && receiveRing & (receiveRing - 1) == 0),
            "receive ring size must be 0 or a power of two from 8")
        self.receiveRingSize = receiveRing
        self.receiveScratch = [UInt8](repeating: 0, count: max(maxFrameBytes, Driver.receiveBufferBytes))
        if receiveRing > 0 {
            self.receiveRingBase = try memory.allocateContiguous(bytes: receiveRing * RxDescriptor.size)
            self.receiveBufferBase = try memory.allocateContiguous(bytes: receiveRing * Driver.receiveBufferBytes)
        } else {
            self.receiveRingBase = .zero
            self.receiveBufferBase = .zero
        }
        // The device reaches the rings (dma_alloc_coherent) and the receive buffers, posted once, through mappings
        // made now and kept; headers and bounce buffers are mapped per send.
        ringDevice = try mapForDevice(ringBase, bytes: ringSize * TxDescriptor.size)
        if receiveRingSize > 0 {
            receiveRingDevice = try mapForDevice(receiveRingBase, bytes: receiveRingSize * RxDescriptor.size)
            receiveBufferDevice = try mapForDevice(
                receiveBufferBase, bytes: receiveRingSize * Driver.receiveBufferBytes)
        }
        try postReceiveBuffers()
        program()
    }

    func program() {
        writeRegister(.tctl, 0)
        writeRegister(.tdbal, UInt32(truncatingIfNeeded: ringDevice))
        writeRegister(.tdbah, UInt32(truncatingIfNeeded: ringDevice >> 32))
        writeRegister(.tdlen, UInt32(ringSize * TxDescriptor.size))
        writeRegister(.tdh, 0)
        writeRegister(.tdt, 0)
        let m = configuration.moderation
        writeRegister(.itr, m.itr)
        writeRegister(.tidv, m.tidv)
        writeRegister(.tadv, m.tadv)
        writeRegister(.txft, m.txft)
        writeRegister(.rdtr, m.rdtr)
        writeRegister(.radv, m.radv)
        writeRegister(.rxft, m.rxft)
        var causes: InterruptCause = [.txDescriptorWritten, .txDescriptorError, .linkStatusChange]
        if receiveRingSize > 0 {
            writeRegister(
                .receiveQueue(0, NICRegister.QueueOffset.baseLow), UInt32(truncatingIfNeeded: receiveRingDevice))
            writeRegister(
                .receiveQueue(0, NICRegister.QueueOffset.baseHigh), UInt32(truncatingIfNeeded: receiveRingDevice >> 32))
            writeRegister(.receiveQueue(0, NICRegister.QueueOffset.length), UInt32(receiveRingSize * RxDescriptor.size))
            writeRegister(.receiveQueue(0, NICRegister.QueueOffset.head), 0)
            // Every descriptor but one is the device's: the ring is full when tail is one behind head.
            writeRegister(.receiveQueue(0, NICRegister.QueueOffset.tail), UInt32(receiveRingSize - 1))
            // Its own address (entry 0, set at attach) and broadcast (ARP); no multicast group is joined, so the
            // multicast table stays clear and MPE off.
            writeRegister(.rctl, ReceiveControl([.enable, .broadcastAccept]).rawValue)
            causes.formUnion([.rxTimer, .rxOverrun])
        }
        writeRegister(.ims, causes.rawValue)
        writeRegister(.tctl, TransmitControl.enable.rawValue)
    }

    /// Maps the driver's own memory for the device for good and returns its device address (the physical
    /// address without an IOMMU).
    func mapForDevice(_ address: PhysicalAddress, bytes: Int) throws(MemoryFault) -> UInt64 {
        guard let mapper, bytes > 0 else { return address.rawValue }
        let iova = try mapper.map(address, length: bytes, writable: true)
        takeMappingWork()
        return iova.rawValue
    }

    /// The device address of a buffer the next descriptor hands the device: mapped now for this send
    /// (`dma_map_single`) and recorded in the descriptor's slot, to be unmapped when it is reclaimed, unless it
    /// lies in a registered buffer (mapped for good). Without an IOMMU, the physical address.
    func sendAddress(_ address: PhysicalAddress, length: Int, registered: Bool = false) -> UInt64 {
        guard let mapper, length > 0 else { return address.rawValue }
        if registered, let iova = mapper.persistentAddress(of: address) { return iova.rawValue }
        let slot = Int(posted & UInt64(ringSize - 1))
        do throws(MemoryFault) {
            let iova = try mapper.map(address, length: length, writable: false)
            slotMappingAddress[slot] = iova.rawValue
            slotMappingLength[slot] = length
            takeMappingWork()
            return iova.rawValue
        } catch {
            // No IOVA left: the descriptor gets address 0, which no mapping covers; the device's read faults and the
            // packet completes with a DMA error.
            counters.translationFaults += 1
            return 0
        }
    }

    /// Unmaps the streaming mappings of transmit descriptors [`from`, `to`) (absolute indices) as they are
    /// reclaimed (`dma_unmap_single` on completion).
    func unmapReclaimed(from: UInt64, to: UInt64) {
        guard let mapper, to > from else { return }
        var index = from
        while index < to {
            let slot = Int(index & UInt64(ringSize - 1))
            let length = slotMappingLength[slot]
            if length > 0 {
                slotMappingLength[slot] = 0
                do throws(MemoryFault) {
                    try mapper.unmap(IOVirtualAddress(rawValue: slotMappingAddress[slot]), length: length)
                } catch {
                    counters.translationFaults += 1
                }
            }
            index += 1
        }
        takeMappingWork()
    }

    /// Moves the mapper's work since the last call into the driver's counters (and so into the call's receipt).
    func takeMappingWork() {
        guard let mapper else { return }
        let w = mapper.takeWork()
        counters.iommuMappings &+= w.pagesMapped
        counters.iommuUnmaps &+= w.pagesUnmapped
        counters.iotlbInvalidations &+= w.invalidations
        counters.iotlbFlushes &+= w.flushes
    }

    /// Gives every receive descriptor its buffer, status cleared.
    func postReceiveBuffers() throws(MemoryFault) {
        for i in 0..<receiveRingSize {
            let buffer = receiveBufferDevice + UInt64(i * Driver.receiveBufferBytes)
            RxDescriptor(bufferAddress: buffer).encode(into: &receiveDescriptor, at: 0)
            try memory.write(PhysicalAddress(rawValue: receiveRingBase.rawValue + UInt64(i * RxDescriptor.size)),
                             from: receiveDescriptor, at: 0, count: RxDescriptor.size)
        }
    }

    /// Adds a destination whose packets use `template`'s headers.
    public func addDestination(_ template: HeaderTemplate) -> DestinationID {
        templates.append(template)
        fragmentableTemplates.append(template.dontFragment ? HeaderTemplate(
            sourceMAC: template.sourceMAC, destinationMAC: template.destinationMAC, sourceIP: template.sourceIP,
            destinationIP: template.destinationIP, sourcePort: template.sourcePort,
            destinationPort: template.destinationPort, ttl: template.ttl, tos: template.tos, dontFragment: false,
            rtp: template.rtp) : template)
        ipIdentification.append(0)
        rtpSequence.append(0)
        destinationCounters.append(DestinationCounters())
        return DestinationID(rawValue: templates.count - 1)
    }

    /// Registers a buffer once with the translation buffer: walked and pinned now, looked up afterwards.
    public func register(space: AddressSpace, address: VirtualAddress, length: Int) throws(MemoryFault)
        -> TranslationBuffer.RegionID
    {
        let id = try translationBuffer.register(space: space, address: address, length: length)
        if let mapper, length > 0 {
            // Registered memory is mapped for the device once (dma_map_sg: one IOVA range over its pages) and stays.
            pieces.removeAll(keepingCapacity: true)
            _ = translationBuffer.translate(space: space, address: address, length: length, into: &pieces)
            _ = try mapper.mapScattered(pieces, writable: false)
            takeMappingWork()
        }
        return id
    }

    /// Largest UDP payload per packet for a destination (packet size − IPv4 − UDP [− RTP] headers).
    public func maxPayload(for destination: DestinationID) -> Int {
        configuration.packetSize - (templates[destination.rawValue].headerLength - EthernetHeader.size)
    }

    /// Accepts a multi-destination write (B1, B17) and posts as many of its packets as the ring takes.
    ///
    /// The write is checked whole before anything is posted: unknown destinations, negative lengths and
    /// unmapped memory are refused with nothing sent. Call ``ringDoorbell()`` afterwards (the host does, once the
    /// CPU time of this work has passed).
    public func accept(space: AddressSpace, entries: [WriteEntry], path: PayloadPath? = nil) throws(DriverError)
        -> WriteID
    {
        guard !entries.isEmpty else { throw DriverError(.badLength, "a write needs at least one entry") }
        for (i, e) in entries.enumerated() {
            guard e.destination.rawValue >= 0 && e.destination.rawValue < templates.count else {
                throw DriverError(.unknownDestination, "entry \(i) names destination \(e.destination.rawValue)")
            }
            guard e.length >= 0 else { throw DriverError(.badLength, "entry \(i) has length \(e.length)") }
            guard space.isMapped(e.address, length: e.length) else {
                counters.translationFaults += 1
                throw DriverError(.translationFault, "entry \(i): \(e.address) + \(e.length) is not mapped")
            }
        }
        let id = WriteID(rawValue: nextWriteID)
        nextWriteID += 1
        counters.writes += 1
        compactQueue()
        let first = queuedEntries.count
        for e in entries { queuedEntries.append(QueuedEntry(entry: e)) }
        queued.append(WriteState(id: id, space: space, firstEntry: first, entryCount: entries.count,
                                 remainingEntries: entries.count, path: path ?? configuration.path))
        if let simulator = traceSimulator, simulator.tracer != nil { traceWrite("write-queued", id, simulator) }
        post()
        counters.peakQueuedWrites = max(counters.peakQueuedWrites, UInt64(queued.count - queuedHead))
        return id
    }

    /// Writes the tail register if descriptors were posted since the last doorbell.
    public func ringDoorbell() {
        guard posted != doorbellPosted else { return }
        doorbellPosted = posted
        device.writeRegister(.tdt, UInt32(posted & UInt64(ringSize - 1)))
        counters.doorbells += 1
    }

    /// Writes a register other than a tail (a doorbell), counted in ``DriverCounters/registerWrites``.
    func writeRegister(_ register: NICRegister, _ value: UInt32) {
        device.writeRegister(register, value)
        counters.registerWrites += 1
    }

    /// Writes the receive tail (the receive doorbell), counted in ``DriverCounters/receiveDoorbells``.
    func writeReceiveTail(_ value: UInt32) {
        device.writeRegister(.receiveQueue(0, NICRegister.QueueOffset.tail), value)
        counters.receiveDoorbells += 1
    }

    /// Descriptors posted but not yet rung.
    public var hasUnrungDescriptors: Bool { posted != doorbellPosted }

    /// Writes accepted and not yet completed.
    public var outstandingWrites: Int { (queued.count - queuedHead) + (inFlight.count - inFlightHead) }

    /// The interrupt handler: reads the cause register, cleans completed descriptors, reports completed writes
    /// and posts what waited for room. Returns true when new descriptors wait for a doorbell.
    @discardableResult
    public func handleInterrupt() -> Bool {
        counters.registerReads += 1
        let cause = InterruptCause(rawValue: device.readRegister(.icr))
        if cause.contains(.linkStatusChange) { linkStatusChanged() }
        reclaim()
        if queuedHead < queued.count { post() }
        cleanReceiveRing()
        return hasUnrungDescriptors
    }

    /// Takes every completed frame off the receive ring, hands it to the host and gives the buffers back.
    func cleanReceiveRing() {
        guard receiveRingSize > 0 else { return }
        var cleaned = 0
        while cleaned < receiveRingSize - 1 {
            // Find the frame's end: consecutive done descriptors through one with EOP.
            var length = 0
            var count = 0
            var errors = RxErrors()
            var complete = false
            while count < receiveRingSize - 1 {
                let index = (receiveNext + count) % receiveRingSize
                let address = PhysicalAddress(rawValue: receiveRingBase.rawValue + UInt64(index * RxDescriptor.size))
                do throws(MemoryFault) {
                    try memory.read(address, count: RxDescriptor.size, into: &receiveDescriptor, at: 0)
                } catch {
                    preconditionFailure("the driver's own receive ring is unreadable: \(error)")
                }
                guard let d = RxDescriptor(decoding: receiveDescriptor, at: 0), d.status.contains(.descriptorDone)
                else { break }
                let chunk = min(Int(d.length), Driver.receiveBufferBytes, receiveScratch.count - length)
                do throws(MemoryFault) {
                    try memory.read(
                        PhysicalAddress(
                            rawValue: receiveBufferBase.rawValue + UInt64(index * Driver.receiveBufferBytes)),
                        count: chunk, into: &receiveScratch, at: length)
                } catch {
                    preconditionFailure("the driver's own receive buffers are unreadable: \(error)")
                }
                length += chunk
                count += 1
                if d.status.contains(.endOfPacket) {
                    errors = d.errors
                    complete = true
                    break
                }
            }
            guard complete else { break }
            // Give the descriptors back: buffer address again, status cleared.
            for k in 0..<count {
                let index = (receiveNext + k) % receiveRingSize
                let buffer = receiveBufferDevice + UInt64(index * Driver.receiveBufferBytes)
                RxDescriptor(bufferAddress: buffer).encode(into: &receiveDescriptor, at: 0)
                do throws(MemoryFault) {
                    try memory.write(
                        PhysicalAddress(rawValue: receiveRingBase.rawValue + UInt64(index * RxDescriptor.size)),
                        from: receiveDescriptor, at: 0, count: RxDescriptor.size)
                } catch {
                    preconditionFailure("the driver's own receive ring is unwritable: \(error)")
                }
            }
            receiveNext = (receiveNext + count) % receiveRingSize
            cleaned += count
            counters.receiveDescriptorsPosted += UInt64(count)
            if errors.contains(.dmaError) { continue }
            counters.framesReceived += 1
            counters.bytesReceived += UInt64(length)
            delegate?.frameReceived(receiveScratch, length: length,
                                          checksumError: !errors.isDisjoint(with: [.ipChecksum, .l4Checksum]))
        }
        if cleaned > 0 {
            // The new tail is one behind the next descriptor the driver will look at.
            writeReceiveTail(UInt32((receiveNext + receiveRingSize - 1) % receiveRingSize))
        }
    }

    /// Sends one frame as it is (copied into a bounce buffer), for the host's own replies and forwarding.
    /// Returns false when the ring has no room or the frame is too long; the frame is then not sent.
    @discardableResult
    public func sendFrame(_ bytes: [UInt8], length: Int) -> Bool {
        guard length > 0, length <= bounceSlotBytes, length <= bytes.count, freeDescriptors >= 1 else { return false }
        let index = Int(posted & UInt64(ringSize - 1))
        let slot = PhysicalAddress(rawValue: bounceBase.rawValue + UInt64(index * bounceSlotBytes))
        do throws(MemoryFault) {
            try memory.write(slot, from: bytes, at: 0, count: length)
            try writeDescriptor(TxDescriptor(bufferAddress: sendAddress(slot, length: length), length: UInt16(length),
                                             command: [.insertFCS, .endOfPacket, .reportStatus]))
        } catch {
            preconditionFailure("the driver's own buffers are unwritable: \(error)")
        }
        counters.rawFrames += 1
        counters.bytesCopied += UInt64(length)
        return true
    }

    var freeDescriptors: Int { ringSize - 1 - Int(posted - reclaimed) }

    func reclaim() {
        while let index = reportQueue.first {
            let address = PhysicalAddress(
                rawValue: ringBase.rawValue + (index & UInt64(ringSize - 1)) * UInt64(TxDescriptor.size)
                    + UInt64(TxDescriptor.statusOffset))
            let status: TxStatus
            do throws(MemoryFault) {
                status = TxStatus(rawValue: try memory.readUInt8(address))
            } catch {
                preconditionFailure("the driver's own ring is unreadable: \(error)")
            }
            guard status.contains(.descriptorDone) else { break }
            if !status.intersection([.dmaError, .lengthError, .formatError]).isEmpty { counters.transmitErrors += 1 }
            counters.descriptorsReclaimed += index + 1 - reclaimed
            unmapReclaimed(from: reclaimed, to: index + 1)
            reclaimed = index + 1
            reportQueue.removeFirst()
        }
        reportCompletedWrites()
    }

    /// Tells the completion handler about every in-flight write whose descriptors are all reclaimed.
    func reportCompletedWrites() {
        while inFlightHead < inFlight.count && inFlight[inFlightHead].end <= reclaimed {
            let id = inFlight[inFlightHead].id
            inFlightHead += 1
            counters.writesCompleted += 1
            delegate?.writeCompleted(id)
        }
        if inFlightHead == inFlight.count {
            inFlight.removeAll(keepingCapacity: true)
            inFlightHead = 0
        } else if 2 * inFlightHead >= inFlight.count {
            // Writes keep completing while newer ones are in flight: drop the reported ones in place, so the array
            // does not grow with the length of the run.
            inFlight.removeSubrange(0..<inFlightHead)
            inFlightHead = 0
        }
    }

    /// Drops fully posted writes and their entries from the front of ``queued`` and ``queuedEntries`` once their
    /// entries are at least half of all, shifting what remains to the front in place (no allocation). Every write has
    /// an entry, so what is moved is never more than what is dropped: amortized, a constant per entry.
    ///
    /// Without it a driver whose queue never drains (each multi-destination write arrives while the ring is still
    /// full of the one before) would keep every entry of every write it ever accepted: memory growing with the
    /// length of the run, and each growth a reallocation of the whole array.
    func compactQueue() {
        guard queuedHead > 0 else { return }
        let dropEntries = queuedHead < queued.count ? queued[queuedHead].firstEntry : queuedEntries.count
        guard 2 * dropEntries >= queuedEntries.count else { return }
        queued.removeSubrange(0..<queuedHead)
        queuedHead = 0
        queuedEntries.removeSubrange(0..<dropEntries)
        for i in queued.indices { queued[i].firstEntry -= dropEntries }
    }

    /// Posts packets of queued writes until they are all posted or the ring is full.
    func post() {
        guard !linkDown else { return }
        while queuedHead < queued.count {
            if let simulator = traceSimulator, simulator.tracer != nil {
                traceWrite("write-posting", queued[queuedHead].id, simulator)
            }
            guard postPackets(of: &queued[queuedHead]) else {
                // Ring full: make sure the device will report the last descriptor so the driver gets it back.
                counters.ringFullStalls += 1
                requestReportOnLastPosted()
                return
            }
            // Report-status on the write's last descriptor (B7); with per-packet reporting it is already set.
            requestReportOnLastPosted()
            inFlight.append((queued[queuedHead].id, posted))
            queuedHead += 1
        }
        queued.removeAll(keepingCapacity: true)
        queuedEntries.removeAll(keepingCapacity: true)
        queuedHead = 0
        // A write that posted nothing (every entry faulted) completes as soon as everything before it has.
        reclaim()
    }

    /// The next entry to send from, per the configured order, and the round-robin position after it.
    func nextEntry(_ w: WriteState) -> (entry: Int, next: Int)? {
        guard w.remainingEntries > 0 else { return nil }
        let n = w.entryCount
        switch configuration.order {
        case .destinationMajor:
            var i = w.current
            while i < n && isDone(w, i) { i += 1 }
            return i < n ? (i, i) : nil
        case .roundRobin:
            for step in 0..<n {
                // w.current < n and step < n: a subtraction wraps (no division per packet).
                let i = w.current + step >= n ? w.current + step - n : w.current + step
                if !isDone(w, i) { return (i, i + 1 == n ? 0 : i + 1) }
            }
            return nil
        }
    }

    func isDone(_ w: WriteState, _ i: Int) -> Bool {
        let q = queuedEntries[w.firstEntry + i]
        return q.started && q.sent >= q.entry.length
    }

    /// Payload bytes one send covers for `destination`: one datagram's worth, or with NIC segmentation as many
    /// whole datagrams as fit one IPv4 datagram and the segment limit.
    func sendPayloadLimit(for destination: DestinationID) -> Int {
        let mss = maxPayload(for: destination)
        guard configuration.segmentation == .nic else { return mss }
        let headers = templates[destination.rawValue].headerLength - EthernetHeader.size
        let byLength = (65_535 - headers) / mss * mss
        return max(mss, min(configuration.maxSegmentsPerSend * mss, byLength))
    }

    /// Posts packets of one write; returns true when all of them are posted.
    func postPackets(of w: inout WriteState) -> Bool {
        while let (i, next) = nextEntry(w) {
            let k = w.firstEntry + i
            let entry = queuedEntries[k].entry
            let sent = queuedEntries[k].sent
            let destination = entry.destination.rawValue
            let payload = min(sendPayloadLimit(for: entry.destination), entry.length - sent)
            let address = VirtualAddress(rawValue: entry.address.rawValue + UInt64(sent))
            let launch = queuedEntries[k].started ? nil : entry.launchTime
            let context = configuration.segmentation == .nic || launch != nil ? 1 : 0
            var needed = 1 + context
            var registered = false
            if w.path == .zeroCopy {
                pieces.removeAll(keepingCapacity: true)
                do throws(MemoryFault) {
                    if translationBuffer.translate(space: w.space, address: address, length: payload, into: &pieces) {
                        counters.translationHits += 1
                        registered = true
                    } else {
                        counters.translationMisses += 1
                        try w.space.physicalPieces(of: address, length: payload, into: &pieces)
                        // Pages new to this write are walked and pinned once; later packets reuse them.
                        let first = max(address.rawValue >> 12, queuedEntries[k].pinnedThrough)
                        let end = payload == 0 ? first : (address.rawValue + UInt64(payload) - 1) >> 12 + 1
                        if end > first {
                            counters.pageWalks += end - first
                            counters.transientPins += end - first
                            queuedEntries[k].pinnedThrough = end
                        }
                    }
                } catch {
                    // Checked when the write was accepted; a mapping removed since skips the entry, counted.
                    counters.translationFaults += 1
                    w.current = next
                    queuedEntries[k].started = true
                    queuedEntries[k].sent = entry.length
                    w.remainingEntries -= 1
                    continue
                }
                needed += pieces.count
            } else if configuration.segmentation == .nic {
                needed += (payload + bounceSlotBytes - 1) / bounceSlotBytes
            }
            guard freeDescriptors >= needed else { return false }
            w.current = next
            let mss = maxPayload(for: entry.destination)
            let segments = payload <= mss ? 1 : (payload + mss - 1) / mss
            // Linux sets DF on a UDP datagram only when the whole write would have fit the MTU in one datagram
            // (__ip_make_skb: skb->len <= mtu; REFERENCE.md, "How Linux's UDP GSO cuts a datagram"), so the
            // datagrams cut from a larger write, by this driver or by the NIC from this header, carry no DF.
            writePacket(
                destination: destination, space: w.space, address: address, payload: payload, segments: segments,
                path: w.path, launch: launch, rtpTimestamp: entry.rtpTimestamp ?? 0,
                dontFragment: entry.length <= mss, registered: registered)
            queuedEntries[k].started = true
            queuedEntries[k].sent = sent + payload
            if sent + payload >= entry.length { w.remainingEntries -= 1 }
            destinationCounters[destination].packets += UInt64(segments)
            destinationCounters[destination].sends += 1
            destinationCounters[destination].payloadBytes += UInt64(payload)
            counters.packets += 1
            counters.segments += UInt64(segments)
            counters.payloadBytes += UInt64(payload)
        }
        return true
    }

    /// Writes one send's descriptors: an optional context descriptor (NIC segmentation), the header from the
    /// destination's template, and the payload where it lies (zero-copy) or copied into bounce buffers.
    func writePacket(destination: Int, space: AddressSpace, address: VirtualAddress, payload: Int, segments: Int,
                     path: PayloadPath, launch: SimTime?, rtpTimestamp: UInt32, dontFragment: Bool,
                     registered: Bool = false) {
        let headerLength = templates[destination].headerLength
        let identification = ipIdentification[destination]
        ipIdentification[destination] &+= UInt16(truncatingIfNeeded: segments)
        let sequence = rtpSequence[destination]
        if templates[destination].rtp != nil { rtpSequence[destination] &+= UInt16(truncatingIfNeeded: segments) }
        let nicSegments = configuration.segmentation == .nic
        // With NIC segmentation the header describes the whole send; the NIC rewrites lengths and checksums.
        (dontFragment ? templates : fragmentableTemplates)[destination].render(
            into: &headerScratch, at: 0, payloadLength: payload, identification: identification,
            rtpSequence: sequence, rtpTimestamp: rtpTimestamp, checksum: nicSegments ? .none : .partial)
        counters.headerBytesWritten += UInt64(headerLength)
        let first = posted
        let firstIndex = Int(first & UInt64(ringSize - 1))
        var command: TxCommand = [.insertFCS]
        if configuration.moderation.delaysTransmit { command.insert(.interruptDelay) }
        let report = configuration.report == .everyPacket
        let last: TxCommand = report ? [.endOfPacket, .reportStatus] : .endOfPacket
        do throws(MemoryFault) {
            var checksum: TxCommand = [.insertChecksum]
            if nicSegments || launch != nil {
                var flags: TxContextFlags = []
                if nicSegments {
                    flags.formUnion([.segment, .ipChecksum, .udpChecksum])
                    if templates[destination].rtp != nil { flags.insert(.rtp) }
                }
                var nanoseconds: UInt64 = 0
                if let launch {
                    // With a context descriptor the NIC takes checksums from its flags, not from IC.
                    flags.formUnion([.launchTime, .udpChecksum])
                    // Launch times are whole nanoseconds of device time, rounded up so a frame never leaves early.
                    nanoseconds = deviceLaunchNanoseconds(forHost: launch)
                }
                var context = TxContextDescriptor(
                    launchTimeNanoseconds: nanoseconds, headerLength: UInt8(headerLength),
                    ipOffset: UInt8(templates[destination].ipHeaderOffset),
                    udpOffset: UInt8(templates[destination].udpHeaderOffset), flags: flags,
                    mss: UInt16(maxPayload(for: DestinationID(rawValue: destination)))
                ).asDescriptor
                context.command.formUnion(command)
                try writeDescriptor(context)
                checksum = []
            }
            let header = PhysicalAddress(
                rawValue: headerBase.rawValue + UInt64(Int(posted & UInt64(ringSize - 1)) * Driver.headerSlotBytes))
            switch (path, nicSegments) {
            case (.copy, false):
                // One bounce buffer holds header and payload: one descriptor per packet.
                let slot = PhysicalAddress(rawValue: bounceBase.rawValue + UInt64(firstIndex * bounceSlotBytes))
                try memory.write(slot, from: headerScratch, at: 0, count: headerLength)
                if payload > 0 {
                    try space.copy(
                        from: address, toPhysical: PhysicalAddress(rawValue: slot.rawValue + UInt64(headerLength)),
                        count: payload)
                }
                counters.bytesCopied += UInt64(payload)
                try writeDescriptor(TxDescriptor(bufferAddress: sendAddress(slot, length: headerLength + payload),
                                                 length: UInt16(headerLength + payload),
                                                 command: command.union(checksum).union(last),
                                                 checksumStart: UInt8(templates[destination].udpHeaderOffset),
                                                 checksumOffset: UInt8(templates[destination].udpChecksumOffset)))
            case (.copy, true):
                try memory.write(header, from: headerScratch, at: 0, count: headerLength)
                try writeDescriptor(TxDescriptor(bufferAddress: sendAddress(header, length: headerLength),
                                                 length: UInt16(headerLength),
                                                 command: payload == 0 ? command.union(last) : command))
                var done = 0
                while done < payload {
                    let n = min(bounceSlotBytes, payload - done)
                    let slot = PhysicalAddress(
                        rawValue: bounceBase.rawValue + (posted & UInt64(ringSize - 1)) * UInt64(bounceSlotBytes))
                    try space.copy(
                        from: VirtualAddress(rawValue: address.rawValue + UInt64(done)), toPhysical: slot, count: n)
                    done += n
                    try writeDescriptor(TxDescriptor(bufferAddress: sendAddress(slot, length: n), length: UInt16(n),
                                                     command: done == payload ? command.union(last) : command))
                }
                counters.bytesCopied += UInt64(payload)
            case (.zeroCopy, _):
                try memory.write(header, from: headerScratch, at: 0, count: headerLength)
                var d = TxDescriptor(
                    bufferAddress: sendAddress(header, length: headerLength),
                    length: UInt16(headerLength),
                    command: command.union(checksum), checksumStart: UInt8(templates[destination].udpHeaderOffset),
                    checksumOffset: UInt8(templates[destination].udpChecksumOffset))
                if pieces.isEmpty { d.command.formUnion(last) }
                try writeDescriptor(d)
                for (k, piece) in pieces.enumerated() {
                    let device = sendAddress(piece.address, length: piece.length, registered: registered)
                    try writeDescriptor(TxDescriptor(bufferAddress: device, length: UInt16(piece.length),
                                                     command: k == pieces.count - 1 ? command.union(last) : command))
                }
            }
        } catch {
            preconditionFailure("the driver's own buffers are unwritable: \(error)")
        }
        destinationCounters[destination].descriptors += posted - first
    }

    func writeDescriptor(_ descriptor: TxDescriptor) throws(MemoryFault) {
        var d = descriptor
        // With `reportPacketSent`, every report point asks for completion on the wire (datasheet §4.5).
        if configuration.reportPacketSent && d.command.contains(.reportStatus) { d.command.insert(.reportPacketSent) }
        // Two little-endian 64-bit stores: the same 16 bytes as `encode`, without a scratch buffer.
        let index = posted & UInt64(ringSize - 1)
        let address = PhysicalAddress(rawValue: ringBase.rawValue + index * UInt64(TxDescriptor.size))
        let (low, high) = d.words
        try memory.writeUInt64LE(address, low)
        try memory.writeUInt64LE(address.advanced(by: 8), high)
        posted += 1
        counters.descriptorsWritten += 1
        if let simulator = traceSimulator, simulator.tracer != nil {
            if d.command.contains(.extended) {
                let c = TxContextDescriptor(d)
                simulator.trace(traceName, "descriptor-write", [
                    ("index", .int(Int64(index))), ("context", .int(1)), ("header", .int(Int64(c.headerLength))),
                    ("mss", .int(Int64(c.mss))), ("flags", .address(UInt64(c.flags.rawValue))),
                    ("launch-ns", .int(Int64(truncatingIfNeeded: c.launchTimeNanoseconds))),
                ])
            } else {
                simulator.trace(
                    traceName, "descriptor-write",
                    [
                        ("index", .int(Int64(index))), ("buffer", .address(d.bufferAddress)),
                        ("length", .int(Int64(d.length))),
                        ("eop", .int(d.command.contains(.endOfPacket) ? 1 : 0)),
                    ])
            }
        }
        lastPostedHasReport = d.command.contains(.reportStatus)
        if lastPostedHasReport { enqueueReport(posted - 1) }
    }

    /// Traces a write being queued or posted: the descriptors written after `write-posting` belong to that write.
    func traceWrite(_ event: String, _ id: WriteID, _ simulator: Simulator) {
        simulator.trace(traceName, event, [("write", .int(Int64(id.rawValue)))])
    }

    func enqueueReport(_ index: UInt64) {
        reportQueue.append(index)
    }

    /// Sets report-status on the newest posted descriptor if it lacks it (it is not yet visible to the device).
    func requestReportOnLastPosted() {
        guard posted > 0, !lastPostedHasReport else { return }
        let index = (posted - 1) & UInt64(ringSize - 1)
        let address = PhysicalAddress(rawValue: ringBase.rawValue + index * UInt64(TxDescriptor.size) + 11)
        do throws(MemoryFault) {
            let command = TxCommand(rawValue: try memory.readUInt8(address))
            let report: TxCommand = configuration.reportPacketSent ? [.reportStatus, .reportPacketSent] : .reportStatus
            try memory.writeUInt8(address, command.union(report).rawValue)
        } catch {
            preconditionFailure("the driver's own ring is unreadable: \(error)")
        }
        lastPostedHasReport = true
        enqueueReport(posted - 1)
    }
}
