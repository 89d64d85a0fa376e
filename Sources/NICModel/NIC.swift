import HostMemory
import SimCore
import WireFormats

/// Counters the device keeps for reports; they only grow (the statistics registers are the clear-on-read view).
public struct NICCounters: Hashable, Sendable {
    /// Frames that left the MAC.
    public var framesTransmitted: UInt64 = 0
    /// Bytes of those frames, without FCS and padding.
    public var octetsTransmitted: UInt64 = 0
    /// Descriptors read from the TX rings.
    public var descriptorsFetched: UInt64 = 0
    /// Descriptor batches read from the TX rings (each one DMA round trip).
    public var descriptorBatches: UInt64 = 0
    /// Descriptor status writes (`DD`) to host memory, transmit and receive, and transmit head write-backs
    /// (datasheet §4.5).
    public var descriptorsWrittenBack: UInt64 = 0
    /// Tail writes (doorbells) the device accepted.
    public var doorbells: UInt64 = 0
    /// Interrupt messages sent to the host.
    public var interrupts: UInt64 = 0
    /// Interrupt messages by the causes they carried (a message may carry several).
    public var interruptsWithTransmitCause: UInt64 = 0
    public var interruptsWithReceiveCause: UInt64 = 0
    public var interruptsWithErrorCause: UInt64 = 0
    /// Packets completed with `TxStatus.dmaError`.
    public var txDMAErrors: UInt64 = 0
    /// Packets completed with `TxStatus.lengthError`.
    public var txLengthErrors: UInt64 = 0
    /// Packets completed with `TxStatus.formatError`.
    public var txFormatErrors: UInt64 = 0
    /// Register writes the device refused.
    public var registerErrors: UInt64 = 0
    /// Frames the match-action table matched, and copies it could not queue.
    public var policyMatches: UInt64 = 0
    public var hairpinDrops: UInt64 = 0
    /// Frames the device sent on its own (match-action copies), not from a descriptor.
    public var hairpinFrames: UInt64 = 0
    /// Received frames a redirect entry took away from the host.
    public var rxRedirected: UInt64 = 0
    /// Checksums inserted by the device (legacy insertion and context offload).
    public var checksumsInserted: UInt64 = 0
    /// Packets the device segmented (TSE) and the segments it cut from them.
    public var segmentedPackets: UInt64 = 0
    public var segmentsProduced: UInt64 = 0
    /// Frames that carried a launch time, those that reached the wire late, and those dropped for it.
    public var launchTimedFrames: UInt64 = 0
    public var lateFrames: UInt64 = 0
    public var lateFramesDropped: UInt64 = 0
    /// Times a transmit queue went idle: head met tail and every descriptor made ready was done (datasheet §4.5;
    /// its last frames may still be in the packet buffer).
    public var txRingEmptyEvents: UInt64 = 0
    /// Frames received good and written to host memory.
    public var framesReceived: UInt64 = 0
    public var octetsReceived: UInt64 = 0
    /// Received frames dropped because the receiver was disabled.
    public var rxDroppedDisabled: UInt64 = 0
    /// Received frames dropped because the receive packet buffer had no room for them (MPC, datasheet §11.3).
    public var rxDroppedNoBuffer: UInt64 = 0
    /// Received frames the destination address filter turned away (nicsim's own count, datasheet §11.4).
    public var rxDroppedFiltered: UInt64 = 0
    /// Received frames dropped when their turn for DMA came because their queue was disabled (RXDCTL.ENABLE
    /// clear) or its ring too short ever to hold them (nicsim's own count, datasheet §11.3).
    public var rxDroppedQueueUnusable: UInt64 = 0
    /// Received frames longer than the device accepts.
    public var rxDroppedOversize: UInt64 = 0
    /// Received frames whose buffers could not be written (DMA fault).
    public var rxDMAErrors: UInt64 = 0
    /// Received frames with a bad IPv4 header or UDP checksum (delivered with the error bit).
    public var rxChecksumErrors: UInt64 = 0
    /// Times the link went down and came back up (each raised `LSC`, datasheet §6.1).
    public var linkDowns: UInt64 = 0
    public var linkUps: UInt64 = 0
    /// Per-queue transmitted frames and received frames.
    public var txFramesPerQueue: [UInt64] = []
    public var rxFramesPerQueue: [UInt64] = []
    public init() {}
}

/// The emulated network card: a register file, transmit and receive descriptor rings in host memory, a DMA
/// engine with a descriptor cache, segmentation and checksum offload, launch time, interrupt moderation, a MAC.
///
/// The device acts only on register writes, frames from the wire and its own events; it reaches host memory only
/// through its `DMAEngine` and tells the host about progress only by writing descriptor status and sending
/// interrupt messages. Everything it does is in the datasheet (`NICInterface.docc/Datasheet.md`, the datasheet module
/// `NICInterface`).
public final class NIC: RegisterSpace, FrameSink, EventHandler {
    public let configuration: NICConfiguration
    public let name: String
    /// Where transmitted frames go at their last bit (the near end of a link).
    public var wire: FrameSink? {
        didSet { wireReference = wire.map(FrameSinkReference.init) }
    }
    /// The same sink as the per-frame path calls it.
    var wireReference: FrameSinkReference?
    /// The host's interrupt controller.
    public weak var interruptSink: InterruptSink?
    /// Sees every frame as its first bit goes on the wire (pcap capture).
    public var transmitObserver: FrameObserver?
    public var counters: NICCounters {
        var c = _counters
        c.txFramesPerQueue = txQueues.map(\.framesSent)
        c.rxFramesPerQueue = rxQueues.map(\.framesReceived)
        return c
    }

    var _counters = NICCounters()
    let simulator: Simulator
    let dma: DMAEngine
    var id = ComponentID(rawValue: 0)
    /// Counts the device's resets (`CTRL.RST`): events scheduled before a reset carry the generation they were
    /// made in and are dropped after it.
    var generation: UInt64 = 0

    // Global registers.
    var transmitControl = TransmitControl()
    var receiveControl = ReceiveControl()
    var interruptCause = InterruptCause()
    /// The link partner's signal (``NIC/setCarrier(_:)``): STATUS.LU is set when a wire is attached and this is.
    var carrier = true
    var interruptMask = InterruptCause()
    /// IAM and CTRL_EXT (only `IAME` stored).
    var autoMask = InterruptCause()
    var extendedControl = ExtendedControl()
    var launchControl: UInt32 = 0
    /// The device clock (datasheet §10.1).
    var clock: DeviceClock
    var multiQueueReceive: UInt32 = 0
    var moderationRegisters = ModerationRegisters()
    // Clear-on-read statistics registers.
    var statGoodPackets: UInt32 = 0
    var statGoodOctets: UInt64 = 0
    var statDescriptorErrors: UInt32 = 0
    var statRegisterErrors: UInt32 = 0
    var statReceivedPackets: UInt32 = 0
    var statReceivedOctets: UInt64 = 0
    var statMissedPackets: UInt32 = 0
    var statLate: UInt32 = 0
    /// Cumulative counts at the last read of each extended statistics register (datasheet §9).
    var statisticsBaselines: [UInt32: UInt64] = [:]

    var txQueues: [TxQueue]
    var rxQueues: [RxQueue]
    /// The DMA bus is taken until then; reads overlap their latency but not their transfer.
    var dmaFreeAt = SimTime.zero
    var fetchSlotScheduled = false
    /// The end of the transfer whose fetch slot was left out because no queue had anything to fetch
    /// (``issueFetches()``), and the sequence number set aside for it; `.never` when none was left out.
    var skippedSlotAt = SimTime.never
    var skippedSlotSequence: UInt64 = 0
    var nextFetchQueue = 0
    var bufferedBytes = 0
    // MAC.
    var macBusy = false
    var macFreeAt = SimTime.zero
    var macWakeScheduled = SimTime.never
    var nextMACQueue = 0
    /// The frame on the wire: queue index, or -1 for a hairpin frame.
    var macQueue = 0
    var macHairpinFrame = FrameHandle(rawValue: 0)
    // Serialization times at the line rate and the bus rate, remembered per kind of transfer (see
    // ``SimCore/SerializationMemo``); the inter-packet gap at the line rate never changes.
    var wireMemo: SerializationMemo
    var descriptorBusMemo: SerializationMemo
    var packetBusMemo: SerializationMemo
    let interPacketGap: SimDuration
    // Scratch (allocated once).
    var descriptorScratch: [UInt8]
    var staging: [UInt8]
    var moderation = ModerationState()
    /// GPIE, EICR, EIMS, EIAC, EIAM, EITR, IVAR and the vectors' moderators (datasheet §6.3).
    var msix = ExtendedInterruptState()
    // Receive address filter (datasheet §11.4): RAL/RAH pairs and the multicast table array.
    // Fixed-size storage inside the NIC object: no allocation per NIC (the per-run malloc counts stay as they were).
    var receiveAddressLow = InlineArray<16, UInt32>(repeating: 0)
    var receiveAddressHigh = InlineArray<16, UInt32>(repeating: 0)
    var multicastTable = InlineArray<128, UInt32>(repeating: 0)
    // Receive packet buffer (datasheet §11.2): frames waiting for their DMA, oldest first, in a ring allocated once.
    /// At most 1,536 frames wait: the default 48 KiB of the smallest frames (32 bytes each, §11.2).
    var rxFIFO = Ring(capacity: 1536, filler: RxFIFOEntry())
    /// Bytes the waiting frames take in the packet buffer (the frame crossing the bus not included).
    var rxFIFOBytes = 0
    /// The frame whose DMA was issued last has crossed the bus then; until then its bytes stay in the buffer.
    var rxBusFreeAt = SimTime.zero
    var rxCrossingBytes = 0
    var rxWakeScheduled = false
    // Match-action table and the frames it makes.
    var policyTable = [PolicyEntry](repeating: PolicyEntry(), count: NICRegister.policyEntries)
    /// Valid match-action entries.
    var validPolicies = 0
    var hairpin = Ring(capacity: 256, filler: FrameHandle(rawValue: 0))
    /// What sits on the bus between the device and host memory and sees each transfer first (a fault injector);
    /// none by default. Not device state: a reset keeps it.
    public var transferGate: (any DMATransferGate)?
    /// What sits on the interrupt line between the device and ``interruptSink`` and sees each message first (a
    /// fault injector); none by default. Not device state: a reset keeps it.
    public var interruptGate: (any InterruptLineGate)?

    /// Creates a NIC attached to host memory through `dma` and registers it with the simulator.
    public init(simulator: Simulator, name: String, configuration: NICConfiguration, dma: DMAEngine) {
        precondition(configuration.maxFrameBytes <= simulator.frames.slotCapacity,
                     "frame store slots must hold the NIC's largest frame")
        precondition((1...NICRegister.maximumQueues).contains(configuration.transmitQueues)
                     && (1...NICRegister.maximumQueues).contains(configuration.receiveQueues))
        self.simulator = simulator
        self.name = name
        self.configuration = configuration
        self.dma = dma
        self.txQueues = (0..<configuration.transmitQueues).map { TxQueue(index: $0, configuration: configuration) }
        self.rxQueues = (0..<configuration.receiveQueues).map { RxQueue(index: $0) }
        self.clock = DeviceClock(offsetNanoseconds: configuration.clockOffsetNanoseconds,
                                 driftPPB: configuration.clockDriftPartsPerBillion)
        self.descriptorScratch = [UInt8](repeating: 0, count: configuration.descriptorCacheSize * TxDescriptor.size)
        self.staging = [UInt8](repeating: 0, count: configuration.maxSegmentationBytes)
        self.wireMemo = SerializationMemo(bitsPerSecond: configuration.lineRate)
        self.descriptorBusMemo = SerializationMemo(bitsPerSecond: configuration.dmaBytesPerSecond * 8)
        self.packetBusMemo = SerializationMemo(bitsPerSecond: configuration.dmaBytesPerSecond * 8)
        self.interPacketGap = SimDuration.serialization(
            bits: Int64(EthernetFraming.interPacketGapBytes * 8), bitsPerSecond: configuration.lineRate)
        self.id = simulator.register(self, name: name)
        loadStationAddress()
    }

    // MARK: Registers

    public func readRegister(_ offset: NICRegister) -> UInt32 {
        if let (queue, field) = queueRegister(offset, base: 0x3800, count: txQueues.count) {
            switch field {
            case NICRegister.QueueOffset.control:
                return txQueues[queue].read(field) | txQueues[queue].writeBackThreshold
                    << NICRegister.QueueOffset.writeBackThresholdShift
            case NICRegister.QueueOffset.headWriteBackLow: return txQueues[queue].headWriteBackLow
            case NICRegister.QueueOffset.headWriteBackHigh: return txQueues[queue].headWriteBackHigh
            default: return txQueues[queue].read(field)
            }
        }
        if let (queue, field) = queueRegister(offset, base: 0x2800, count: rxQueues.count) {
            return rxQueues[queue].read(field)
        }
        if let value = readPolicyRegister(offset) { return value }
        if let value = readAddressFilter(offset) { return value }
        if let value = readStatistics(offset) { return value }
        if let value = readExtendedInterrupt(offset) { return value }
        if let value = readClockRegister(offset) { return value }
        switch offset {
        case .ctrl: return 0
        case .status:
            let up: UInt32 = wire != nil && carrier ? DeviceStatus.linkUp.rawValue : 0
            let mbps = UInt32(clamping: configuration.lineRate / 1_000_000)
            return up | (min(mbps, 0xFFFF) << 16)
        case .ctrlExt: return extendedControl.rawValue
        case .icr: return readInterruptCause()
        case .ims: return interruptMask.rawValue
        case .iam: return autoMask.rawValue
        case .itr: return moderationRegisters.itr
        case .tctl: return transmitControl.rawValue
        case .rctl: return receiveControl.rawValue
        case .tidv: return moderationRegisters.tidv
        case .tadv: return moderationRegisters.tadv
        case .txft: return moderationRegisters.txft
        case .rdtr: return moderationRegisters.rdtr
        case .radv: return moderationRegisters.radv
        case .rxft: return moderationRegisters.rxft
        case .ltctl: return launchControl
        case .mrqc: return multiQueueReceive
        case .gptc: return clearOnRead(&statGoodPackets)
        case .gotcl: return UInt32(truncatingIfNeeded: statGoodOctets)
        case .gotch:
            defer { statGoodOctets = 0 }
            return UInt32(truncatingIfNeeded: statGoodOctets >> 32)
        case .gprc: return clearOnRead(&statReceivedPackets)
        case .gorcl: return UInt32(truncatingIfNeeded: statReceivedOctets)
        case .gorch:
            defer { statReceivedOctets = 0 }
            return UInt32(truncatingIfNeeded: statReceivedOctets >> 32)
        case .mpc: return clearOnRead(&statMissedPackets)
        case .tdec: return clearOnRead(&statDescriptorErrors)
        case .raec: return clearOnRead(&statRegisterErrors)
        case .latec: return clearOnRead(&statLate)
        default: return 0
        }
    }

    func clearOnRead(_ register: inout UInt32) -> UInt32 {
        defer { register = 0 }
        return register
    }

    public func writeRegister(_ offset: NICRegister, _ value: UInt32) {
        if let (queue, field) = queueRegister(offset, base: 0x3800, count: txQueues.count) {
            if writeTransmitWriteBackRegister(queue: queue, field: field, value) { return }
            guard txQueues[queue].write(field, value, directionEnabled: transmitControl.contains(.enable)) else {
                return refuse()
            }
            if field == NICRegister.QueueOffset.tail {
                _counters.doorbells += 1
                if simulator.tracer != nil {
                    simulator.trace(name, "doorbell", [("queue", .int(Int64(queue))), ("tail", .int(Int64(value)))])
                    traceRing(queue)
                }
            }
            pumpTransmit()
            return
        }
        if let (queue, field) = queueRegister(offset, base: 0x2800, count: rxQueues.count) {
            guard rxQueues[queue].write(field, value, directionEnabled: receiveControl.contains(.enable)) else {
                return refuse()
            }
            // A new tail (or ring, or enable bit) may let the frame at the head of the packet buffer go.
            pumpReceive()
            return
        }
        if writeAddressFilter(offset, value) { return }
        if policyRegister(offset) != nil {
            if !writePolicyRegister(offset, value) { refuse() }
            return
        }
        if writeExtendedInterrupt(offset, value) { return }
        if writeClockRegister(offset, value) { return }
        switch offset {
        case .ctrl:
            if value & (1 << 26) != 0 { reset() }
        case .ctrlExt: extendedControl = ExtendedControl(rawValue: value).intersection(.autoMaskEnable)
        case .ics:
            signal(InterruptCause(rawValue: value).subtracting(.interruptAsserted), path: .other, delayable: false)
        case .ims: maskSet(InterruptCause(rawValue: value))
        case .iam: autoMask = InterruptCause(rawValue: value)
        case .imc: interruptMask.subtract(InterruptCause(rawValue: value))
        case .itr:
            moderationRegisters.itr = value & 0xFFFF
            applyModerationRegisters()
        case .tidv, .rdtr:
            let transmit = offset == .tidv
            if transmit { moderationRegisters.tidv = value & 0xFFFF } else { moderationRegisters.rdtr = value & 0xFFFF }
            applyModerationRegisters()
            if value & (1 << 31) != 0 { flushModeration(transmit ? .transmit : .receive) }
        case .tadv: moderationRegisters.tadv = value & 0xFFFF; applyModerationRegisters()
        case .radv: moderationRegisters.radv = value & 0xFFFF; applyModerationRegisters()
        case .txft: moderationRegisters.txft = value & 0xFFFF; applyModerationRegisters()
        case .rxft: moderationRegisters.rxft = value & 0xFFFF; applyModerationRegisters()
        case .tctl:
            transmitControl = TransmitControl(rawValue: value)
            pumpTransmit()
        case .rctl:
            receiveControl = ReceiveControl(rawValue: value)
            pumpReceive()
        case .ltctl:
            launchControl = value & LaunchTimeControl.stored.rawValue
            pumpTransmit()
        case .mrqc: multiQueueReceive = value & 1
        default: refuse()
        }
    }

    /// Splits a queue register offset into (queue, offset in block), when it is one.
    func queueRegister(_ offset: NICRegister, base: UInt32, count: Int) -> (Int, UInt32)? {
        let raw = offset.rawValue
        guard raw >= base, raw < base + UInt32(count) * 0x100 else { return nil }
        let field = (raw - base) & 0xFF
        switch field {
        case NICRegister.QueueOffset.baseLow, NICRegister.QueueOffset.baseHigh, NICRegister.QueueOffset.length,
             NICRegister.QueueOffset.head, NICRegister.QueueOffset.tail, NICRegister.QueueOffset.control:
            break
        case NICRegister.QueueOffset.headWriteBackLow, NICRegister.QueueOffset.headWriteBackHigh:
            // Head write-back exists for transmit queues only.
            guard base == 0x3800 else { return nil }
        default:
            return nil
        }
        return (Int((raw - base) / 0x100), field)
    }

    func refuse() {
        _counters.registerErrors += 1
        statRegisterErrors &+= 1
    }

    func reset() {
        generation &+= 1
        for q in txQueues.indices { txQueues[q].releaseAll(simulator.frames) }
        if macBusy && macQueue < 0 {
            // The hairpin frame on the wire is dropped with the rest.
            simulator.frames.release(macHairpinFrame)
        }
        while !hairpin.isEmpty { simulator.frames.release(hairpin.removeFirst()) }
        policyTable = [PolicyEntry](repeating: PolicyEntry(), count: NICRegister.policyEntries)
        validPolicies = 0
        while !rxFIFO.isEmpty { simulator.frames.release(rxFIFO.removeFirst().frame) }
        rxFIFOBytes = 0
        rxBusFreeAt = .zero
        rxCrossingBytes = 0
        rxWakeScheduled = false
        loadStationAddress()
        txQueues = (0..<configuration.transmitQueues).map { TxQueue(index: $0, configuration: configuration) }
        rxQueues = (0..<configuration.receiveQueues).map { RxQueue(index: $0) }
        transmitControl = []
        receiveControl = []
        interruptCause = []
        interruptMask = []
        autoMask = []
        extendedControl = []
        launchControl = 0
        resetClockRegisters()
        multiQueueReceive = 0
        moderationRegisters = ModerationRegisters()
        moderation = ModerationState()
        msix = ExtendedInterruptState()
        dmaFreeAt = .zero
        fetchSlotScheduled = false
        skippedSlotAt = .never
        bufferedBytes = 0
        macBusy = false
        macFreeAt = .zero
        macWakeScheduled = .never
        nextFetchQueue = 0
        nextMACQueue = 0
        statGoodPackets = 0
        statGoodOctets = 0
        statDescriptorErrors = 0
        statRegisterErrors = 0
        statReceivedPackets = 0
        statReceivedOctets = 0
        statMissedPackets = 0
        statLate = 0
        // The extended statistics registers read 0 after a reset: their baselines move to the counts now.
        statisticsBaselines = [:]
        for raw in stride(from: UInt32(0x4400), through: 0x4434, by: 4) {
            statisticsBaselines[raw] = statisticsCounter(NICRegister(rawValue: raw)) ?? 0
        }
        for raw in stride(from: UInt32(0x4500), to: 0x4560, by: 4) {
            statisticsBaselines[raw] = statisticsCounter(NICRegister(rawValue: raw)) ?? 0
        }
    }

    // MARK: Events

    /// Schedules one of the device's own events at `time`, stamped with the current generation: a reset makes it
    /// stale (``handle(_:simulator:)`` drops it).
    @inline(__always)
    func schedule(_ event: NICEvent, at time: SimTime) {
        simulator.schedule(NICEvent.Stamped(event, generation: generation), at: time, for: id)
    }

    /// Schedules one of the device's own events `delay` from now, stamped with the current generation.
    @inline(__always)
    func schedule(_ event: NICEvent, after delay: SimDuration) {
        simulator.schedule(NICEvent.Stamped(event, generation: generation), after: delay, for: id)
    }

    public func handle(_ event: Event, simulator: Simulator) {
        // Events from before the last reset are stale: the stamp is checked before the rest is unpacked.
        guard NICEvent.Stamped.generation(of: event) == generation else {
            // A frame carried by a stale receive event still needs releasing.
            if case .receiveLanded(let frame, _, _, _) = NICEvent.Stamped(decoding: event)?.event {
                simulator.frames.release(frame)
            }
            return
        }
        guard let stamped = NICEvent.Stamped(decoding: event) else { return }
        switch stamped.event {
        case .descriptorsArrived(let q):
            txQueues[q].batchArrived()
            pumpTransmit()
        case .packetFetched(let q):
            txQueues[q].packetArrived()
            advanceCompletions(queue: q)
            pumpTransmit()
        case .fetchSlot:
            fetchSlotScheduled = false
            pumpTransmit()
        case .transmitDone:
            finishOnMAC()
        case .macWake:
            macWakeScheduled = .never
            pumpTransmit()
        case .receiveLanded(let frame, let q, let needed, let bufferSize):
            receiveLanded(frame: frame, queue: q, descriptors: needed, bufferSize: bufferSize)
        case .moderationDeadline:
            moderationDeadline()
        case .delayedMessage(let vector):
            interruptSink?.interruptRaised(vector: vector)
        case .launchFetch(let q):
            launchFetchWoke(queue: q)
        case .receiveWake:
            rxWakeScheduled = false
            pumpReceive()
        }
    }
}

/// What the NIC schedules for itself.
enum NICEvent {
    /// A batch of transmit descriptors fetched for `queue` has arrived from host memory.
    case descriptorsArrived(queue: Int)
    /// A packet's bytes fetched for `queue` have arrived from host memory.
    case packetFetched(queue: Int)
    /// The MAC has put the last bit of its frame on the wire.
    case transmitDone
    /// The transmit DMA is free for the next fetch.
    case fetchSlot
    /// A transmit queue's launch time or the MAC's gap has come.
    case macWake
    /// A received frame's bytes and its `descriptors` write-backs have landed in `queue`'s buffers of
    /// `bufferSize` bytes.
    case receiveLanded(frame: FrameHandle, queue: Int, descriptors: Int, bufferSize: Int)
    /// An interrupt moderation timer expired.
    case moderationDeadline
    /// A message the ``NIC/interruptGate`` held back reaches the host.
    case delayedMessage(vector: Int)
    /// A launch-time fetch of `queue` is due.
    case launchFetch(queue: Int)
    /// The receive DMA is free for the next frame.
    case receiveWake
}
