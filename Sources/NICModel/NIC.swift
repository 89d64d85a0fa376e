import HostMemory
import SimCore
import WireFormats

/// Counters the device keeps for reports; they only grow (the statistics registers are the clear-on-read view).
public struct NICCounters: Hashable, Sendable {
    /// Frames that left the MAC.
    public var framesTransmitted: UInt64 = 0
    /// Bytes of those frames, without FCS and padding.
    public var octetsTransmitted: UInt64 = 0
    /// Descriptors read from the TX ring.
    public var descriptorsFetched: UInt64 = 0
    /// Descriptor status writes (`DD`) to host memory.
    public var descriptorsWrittenBack: UInt64 = 0
    /// Tail writes (doorbells) the device accepted.
    public var doorbells: UInt64 = 0
    /// Interrupt messages sent to the host.
    public var interrupts: UInt64 = 0
    /// Packets completed with ``TxStatus/dmaError``.
    public var txDMAErrors: UInt64 = 0
    /// Packets completed with ``TxStatus/lengthError``.
    public var txLengthErrors: UInt64 = 0
    /// Packets completed with ``TxStatus/formatError``.
    public var txFormatErrors: UInt64 = 0
    /// Register writes the device refused.
    public var registerErrors: UInt64 = 0
    /// Frames that arrived on the wire side and were dropped because this revision has no receive ring.
    public var rxDroppedNoBuffer: UInt64 = 0
    /// Checksums inserted by the device.
    public var checksumsInserted: UInt64 = 0
    public init() {}
}

/// The emulated network card: a register file, a TX descriptor ring in host memory, a DMA engine, a MAC.
///
/// The device acts only on register writes and its own events; it reaches host memory only through its
/// ``DMAEngine`` and tells the host about completions only by writing descriptor status and raising interrupts.
/// Everything it does is in the datasheet (`Sources/NICModel/NICModel.docc/Datasheet.md`).
public final class NIC: RegisterSpace, FrameSink, EventHandler {
    public let configuration: NICConfiguration
    public let name: String
    /// Where transmitted frames go at their last bit (the near end of a link).
    public var wire: FrameSink?
    /// The host's interrupt controller.
    public weak var interruptSink: InterruptSink?
    /// Sees every frame as its first bit goes on the wire (pcap capture).
    public var transmitObserver: FrameObserver?
    public private(set) var counters = NICCounters()

    let simulator: Simulator
    let dma: DMAEngine
    var id = ComponentID(rawValue: 0)

    // Register state.
    var transmitControl = TransmitControl()
    var interruptCause = InterruptCause()
    var interruptMask = InterruptCause()
    var ringBaseLow: UInt32 = 0
    var ringBaseHigh: UInt32 = 0
    var ringLengthBytes: UInt32 = 0
    /// TDH: next descriptor to complete.
    var head: UInt32 = 0
    /// TDT: one past the last descriptor the driver made ready.
    var tail: UInt32 = 0
    // Clear-on-read statistics registers.
    var statGoodPackets: UInt32 = 0
    var statGoodOctets: UInt64 = 0
    var statDescriptorErrors: UInt32 = 0
    var statRegisterErrors: UInt32 = 0

    // Engine state.
    /// Next descriptor to fetch.
    var fetchIndex: UInt32 = 0
    /// The DMA engine's bandwidth is taken until then; reads overlap their latency but not their transfer.
    var dmaFreeAt = SimTime.zero
    /// A `fetchSlot` event is pending.
    var fetchSlotScheduled = false
    var macBusy = false
    var macFreeAt = SimTime.zero
    var bufferedBytes = 0
    var generation: UInt64 = 0
    var records: [PacketRecord]
    let recordMask: Int
    /// Index (unmasked) of the oldest packet not yet completed.
    var recordFirst = 0
    /// Index (unmasked) of the packet the MAC sends next.
    var recordMAC = 0
    /// Index (unmasked) one past the newest fetched packet.
    var recordEnd = 0
    var descriptorScratch = [UInt8](repeating: 0, count: TxDescriptor.size)
    var packetDescriptors: [TxDescriptor] = []

    struct PacketRecord {
        var frame = FrameHandle(rawValue: 0)
        var firstDescriptor: UInt32 = 0
        var descriptorCount: UInt32 = 0
        var errors = TxStatus()
        /// Some descriptor of the packet asked for status (RS).
        var reportStatus = false
        var ready = false
        var length = 0
    }

    enum EventKind: UInt32 {
        case fetchDone = 1
        case transmitDone = 2
        case fetchSlot = 3
    }

    /// Creates a NIC attached to host memory through `dma` and registers it with the simulator.
    public init(simulator: Simulator, name: String, configuration: NICConfiguration, dma: DMAEngine) {
        precondition(configuration.maxFrameBytes <= simulator.frames.slotCapacity,
                     "frame store slots must hold the NIC's largest frame")
        self.simulator = simulator
        self.name = name
        self.configuration = configuration
        self.dma = dma
        // Enough records for a full packet buffer of minimum-size packets plus the one in DMA.
        var n = 16
        while n < configuration.txPacketBufferBytes / EthernetWire.minimumFrameBytes + 2 { n <<= 1 }
        self.records = Array(repeating: PacketRecord(), count: n)
        self.recordMask = n - 1
        self.packetDescriptors.reserveCapacity(64)
        self.id = simulator.register(self, name: name)
    }

    var ringCount: UInt32 { ringLengthBytes / UInt32(TxDescriptor.size) }
    var ringBase: UInt64 { UInt64(ringBaseHigh) << 32 | UInt64(ringBaseLow) }

    // MARK: Registers

    public func readRegister(_ offset: NICRegister) -> UInt32 {
        switch offset {
        case .ctrl: return 0
        case .status:
            let up: UInt32 = wire == nil ? 0 : 1 << 1
            let mbps = UInt32(clamping: configuration.lineRate / 1_000_000)
            return up | (min(mbps, 0xFFFF) << 16)
        case .icr:
            let value = interruptCause.rawValue
            interruptCause = []
            return value
        case .ims: return interruptMask.rawValue
        case .tctl: return transmitControl.rawValue
        case .tdbal: return ringBaseLow
        case .tdbah: return ringBaseHigh
        case .tdlen: return ringLengthBytes
        case .tdh: return head
        case .tdt: return tail
        case .gptc:
            defer { statGoodPackets = 0 }
            return statGoodPackets
        case .gotcl: return UInt32(truncatingIfNeeded: statGoodOctets)
        case .gotch:
            defer { statGoodOctets = 0 }
            return UInt32(truncatingIfNeeded: statGoodOctets >> 32)
        case .tdec:
            defer { statDescriptorErrors = 0 }
            return statDescriptorErrors
        case .raec:
            defer { statRegisterErrors = 0 }
            return statRegisterErrors
        default: return 0
        }
    }

    public func writeRegister(_ offset: NICRegister, _ value: UInt32) {
        switch offset {
        case .ctrl:
            if value & (1 << 26) != 0 { reset() }
        case .ics: raise(InterruptCause(rawValue: value))
        case .ims: interruptMask.formUnion(InterruptCause(rawValue: value))
        case .imc: interruptMask.subtract(InterruptCause(rawValue: value))
        case .tctl:
            transmitControl = TransmitControl(rawValue: value)
            startFetchIfPossible()
        case .tdbal:
            guard value & 0xF == 0 else { return refuse() }
            ringBaseLow = value
        case .tdbah: ringBaseHigh = value
        case .tdlen:
            guard value != 0, value % UInt32(TxDescriptor.size) == 0, value <= 65_536 * UInt32(TxDescriptor.size) else {
                return refuse()
            }
            ringLengthBytes = value
        case .tdh:
            // The head moves only while the transmitter is off (initialisation), as on the 8254x.
            guard !transmitControl.contains(.enable), value < max(ringCount, 1) else { return refuse() }
            head = value
            fetchIndex = value
        case .tdt:
            guard value < ringCount else { return refuse() }
            tail = value
            counters.doorbells += 1
            startFetchIfPossible()
        default:
            refuse()
        }
    }

    func refuse() {
        counters.registerErrors += 1
        statRegisterErrors &+= 1
    }

    func reset() {
        generation &+= 1
        // Every packet not yet handed to the wire still owns its frame.
        for i in recordFirst..<recordEnd { simulator.frames.release(records[i & recordMask].frame) }
        recordFirst = 0
        recordMAC = 0
        recordEnd = 0
        transmitControl = []
        interruptCause = []
        interruptMask = []
        ringBaseLow = 0
        ringBaseHigh = 0
        ringLengthBytes = 0
        head = 0
        tail = 0
        fetchIndex = 0
        dmaFreeAt = .zero
        fetchSlotScheduled = false
        macBusy = false
        bufferedBytes = 0
        // The statistics registers reset to 0 too (datasheet §2); the cumulative `counters` do not.
        statGoodPackets = 0
        statGoodOctets = 0
        statDescriptorErrors = 0
        statRegisterErrors = 0
    }

    // MARK: Interrupts

    func raise(_ cause: InterruptCause) {
        interruptCause.formUnion(cause)
        // Message-signalled: every event with an enabled cause sends one message (no moderation in this revision).
        if !cause.intersection(interruptMask).isEmpty {
            counters.interrupts += 1
            interruptSink?.interruptRaised(vector: 0)
        }
    }

    // MARK: Transmit engine

    func startFetchIfPossible() {
        guard transmitControl.contains(.enable), ringCount > 0, fetchIndex != tail, !fetchSlotScheduled else { return }
        if simulator.now < dmaFreeAt {
            // The previous transfer still holds the bus: come back when it is free.
            fetchSlotScheduled = true
            simulator.schedule(at: dmaFreeAt, target: id, kind: EventKind.fetchSlot.rawValue, b: generation)
            return
        }
        guard recordEnd - recordFirst < records.count else { return }
        guard bufferedBytes == 0 || bufferedBytes + configuration.maxFrameBytes <= configuration.txPacketBufferBytes else {
            return
        }
        fetchPacket()
    }

    /// Reads the descriptors of the next packet, gathers its buffers into a frame and schedules the end of the DMA.
    func fetchPacket() {
        let count = ringCount
        // TDLEN may have shrunk below TDT or the fetch position: fetch nothing until the driver puts them back
        // inside the ring (the walk below would otherwise never meet the tail, or read outside the ring).
        guard tail < count, fetchIndex < count else { return }
        packetDescriptors.removeAll(keepingCapacity: true)
        var index = fetchIndex
        var complete = false
        var problems = TxStatus()
        while index != tail {
            let address = ringBase &+ UInt64(index) &* UInt64(TxDescriptor.size)
            do throws(MemoryFault) {
                try dma.read(PhysicalAddress(rawValue: address), count: TxDescriptor.size, into: &descriptorScratch, at: 0)
            } catch {
                // The ring itself is unreadable: the packet ends here with a DMA error.
                packetDescriptors.append(TxDescriptor(bufferAddress: 0, length: 0, command: .endOfPacket))
                index = (index + 1) % count
                complete = true
                problems.insert(.dmaError)
                break
            }
            // A 16-byte scratch buffer always decodes.
            let descriptor = TxDescriptor(decoding: descriptorScratch, at: 0) ?? TxDescriptor(bufferAddress: 0, length: 0, command: [])
            packetDescriptors.append(descriptor)
            index = (index + 1) % count
            if descriptor.command.contains(.endOfPacket) {
                complete = true
                break
            }
        }
        if !complete {
            // Wait for more descriptors, unless the packet already fills the whole ring: then it can never end.
            guard packetDescriptors.count >= Int(count) - 1 else { return }
            problems.insert(.formatError)
        }
        counters.descriptorsFetched += UInt64(packetDescriptors.count)

        let frames = simulator.frames
        let frame = frames.allocate()
        var length = 0
        var dataBytes = 0
        if problems.isEmpty {
            for d in packetDescriptors {
                if d.command.contains(.extended) {
                    problems.insert(.formatError)
                    break
                }
                let n = Int(d.length)
                if length + n > configuration.maxFrameBytes {
                    problems.insert(.lengthError)
                    break
                }
                if n == 0 { continue }
                do throws(MemoryFault) {
                    try dma.read(PhysicalAddress(rawValue: d.bufferAddress), count: n, into: &frames.bytes,
                                 at: frames.offset(of: frame) + length)
                } catch {
                    problems.insert(.dmaError)
                    break
                }
                length += n
                dataBytes += n
            }
            if problems.isEmpty && length == 0 { problems.insert(.lengthError) }
        }
        if problems.isEmpty, let first = packetDescriptors.first, first.command.contains(.insertChecksum) {
            if !insertChecksum(frame: frame, length: length, start: Int(first.checksumStart), at: Int(first.checksumOffset)) {
                problems.insert(.formatError)
            }
        }
        frames.setLength(problems.isEmpty ? length : 0, of: frame)

        var record = PacketRecord()
        record.frame = frame
        record.firstDescriptor = fetchIndex
        record.descriptorCount = UInt32(packetDescriptors.count)
        record.errors = problems
        record.length = problems.isEmpty ? length : 0
        record.reportStatus = packetDescriptors.contains { $0.command.contains(.reportStatus) }
        records[recordEnd & recordMask] = record
        let slot = recordEnd
        recordEnd += 1
        fetchIndex = index
        bufferedBytes += record.length

        // Two read round trips (descriptors, then buffers) plus the bytes at the bus bandwidth. Reads are
        // pipelined: the next packet's fetch may start once this one's bytes have crossed the bus.
        let bytes = Int64(packetDescriptors.count * TxDescriptor.size + dataBytes)
        let transfer = SimDuration.serialization(bits: bytes * 8, bitsPerSecond: configuration.dmaBytesPerSecond * 8)
        dmaFreeAt = simulator.now + transfer
        simulator.schedule(after: configuration.dmaReadLatency * 2 + transfer, target: id,
                           kind: EventKind.fetchDone.rawValue, a: UInt64(slot), b: generation)
        startFetchIfPossible()
    }

    /// Sums the frame from `start` to its end and stores the complement at `at` (0 is sent as 0xFFFF).
    func insertChecksum(frame: FrameHandle, length: Int, start: Int, at: Int) -> Bool {
        guard start < length, at + 2 <= length else { return false }
        let frames = simulator.frames
        let base = frames.offset(of: frame)
        var sum = InternetChecksum()
        sum.add(frames.bytes, from: base + start, count: length - start)
        var value = sum.checksum
        if value == 0 { value = 0xFFFF }
        frames.bytes[base + at] = UInt8(value >> 8)
        frames.bytes[base + at + 1] = UInt8(value & 0xFF)
        counters.checksumsInserted += 1
        return true
    }

    public func handle(_ event: Event, simulator: Simulator) {
        guard event.b == generation, let kind = EventKind(rawValue: event.kind) else { return }
        switch kind {
        case .fetchSlot:
            fetchSlotScheduled = false
            startFetchIfPossible()
        case .fetchDone:
            records[Int(event.a) & recordMask].ready = true
            if !macBusy { startNextOnMAC(notBefore: simulator.now) }
            startFetchIfPossible()
        case .transmitDone:
            finishOnMAC()
        }
    }

    /// Puts the next ready packet on the wire (or completes it at once when it carries an error).
    func startNextOnMAC(notBefore time: SimTime) {
        while recordMAC < recordEnd && records[recordMAC & recordMask].ready {
            let r = records[recordMAC & recordMask]
            if !r.errors.isEmpty {
                // Retire the record before `complete` raises the interrupt: a driver may reset the device from
                // inside the message, and the reset must not find (and free again) this packet's frame.
                recordMAC += 1
                recordFirst += 1
                simulator.frames.release(r.frame)
                complete(r)
                continue
            }
            let start = max(time, macFreeAt)
            macBusy = true
            transmitObserver?.observe(r.frame, at: start, simulator: simulator)
            let bits = Int64(EthernetWire.bytesOnWire(frameLength: r.length) * 8)
            let lastBit = start + SimDuration.serialization(bits: bits, bitsPerSecond: configuration.lineRate)
            simulator.schedule(at: lastBit, target: id, kind: EventKind.transmitDone.rawValue, b: generation)
            return
        }
        macBusy = false
    }

    func finishOnMAC() {
        let r = records[recordMAC & recordMask]
        recordMAC += 1
        recordFirst += 1
        bufferedBytes -= r.length
        counters.framesTransmitted += 1
        counters.octetsTransmitted += UInt64(r.length)
        statGoodPackets &+= 1
        statGoodOctets &+= UInt64(r.length)
        if let wire { wire.accept(r.frame, simulator: simulator) } else { simulator.frames.release(r.frame) }
        complete(r)
        macFreeAt = simulator.now + SimDuration.serialization(
            bits: Int64(EthernetWire.interPacketGapBytes * 8), bitsPerSecond: configuration.lineRate)
        startNextOnMAC(notBefore: macFreeAt)
        startFetchIfPossible()
    }

    /// Writes status back for a finished packet, moves the head and raises the causes it earned.
    func complete(_ r: PacketRecord) {
        let count = ringCount
        let last = (r.firstDescriptor + r.descriptorCount - 1) % count
        var cause = InterruptCause()
        if r.errors.isEmpty {
            // Status goes to the packet's last descriptor when any of its descriptors asked for it.
            if r.reportStatus {
                writeStatus(TxStatus.descriptorDone, descriptor: last)
                cause.insert(.txDescriptorWritten)
            }
        } else {
            // Errors are always reported, on the packet's last descriptor.
            writeStatus(r.errors.union(.descriptorDone), descriptor: last)
            if r.errors.contains(.dmaError) { counters.txDMAErrors += 1 }
            if r.errors.contains(.lengthError) { counters.txLengthErrors += 1 }
            if r.errors.contains(.formatError) { counters.txFormatErrors += 1 }
            statDescriptorErrors &+= 1
            cause.insert(.txDescriptorError)
            if r.reportStatus { cause.insert(.txDescriptorWritten) }
        }
        head = (r.firstDescriptor + r.descriptorCount) % count
        if head == tail && recordFirst == recordEnd { cause.insert(.txQueueEmpty) }
        if !cause.isEmpty { raise(cause) }
    }

    func writeStatus(_ status: TxStatus, descriptor index: UInt32) {
        let address = ringBase &+ UInt64(index) &* UInt64(TxDescriptor.size) &+ UInt64(TxDescriptor.statusOffset)
        do throws(MemoryFault) {
            try dma.writeUInt8(PhysicalAddress(rawValue: address), status.rawValue)
            counters.descriptorsWrittenBack += 1
        } catch {
            // The ring itself is unreachable: nothing to write back to; the head still moves.
        }
    }

    // MARK: Receive (this revision has no receive ring)

    public func accept(_ frame: FrameHandle, simulator: Simulator) {
        counters.rxDroppedNoBuffer += 1
        simulator.frames.release(frame)
    }
}
