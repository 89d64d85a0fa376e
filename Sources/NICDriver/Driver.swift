import HostMemory
import NICModel
import SimCore
import WireFormats

/// The reference driver: owns the TX ring, turns multi-destination writes into descriptors, cleans completions.
///
/// It knows the device only through ``RegisterSpace`` and the descriptor layout of the datasheet; it reaches
/// memory as the host CPU does (rings, headers and bounce buffers in physical memory it allocated; application
/// data through the application's page table or the translation buffer).
///
/// The driver does work when called and leaves pricing to the host: ``counters`` count every action, and the
/// host's cost model turns their differences into cycles and virtual time.
public final class Driver {
    public let configuration: DriverConfiguration
    public private(set) var counters = DriverCounters()
    /// Per-destination counts, indexed by ``DestinationID/rawValue``.
    public private(set) var destinationCounters: [DestinationCounters] = []
    /// Told when a write has completed.
    public weak var completionHandler: TransmitCompletionHandler?
    /// The translation buffer the driver holds for registered regions (B5/B6).
    public let translationBuffer: TranslationBuffer

    let device: RegisterSpace
    let memory: PhysicalMemory
    let ringSize: Int
    let ringBase: PhysicalAddress
    let headerBase: PhysicalAddress
    static let headerSlotBytes = 64
    let bounceBase: PhysicalAddress?
    let bounceSlotBytes: Int

    var templates: [HeaderTemplate] = []
    var ipIdentification: [UInt16] = []
    var rtpSequence: [UInt16] = []

    /// Descriptors ever posted / ever reclaimed (absolute counts; ring index = count mod ring size).
    var posted: UInt64 = 0
    var reclaimed: UInt64 = 0
    var doorbellPosted: UInt64 = 0
    var lastPostedHasReport = true
    /// Absolute indices of descriptors posted with report-status, oldest first.
    var reportQueue: [UInt64]
    var reportHead = 0
    var reportCount = 0

    var queued: [WriteState] = []
    var queuedHead = 0
    /// Writes fully posted and waiting for the device, with the absolute index one past their last descriptor.
    var inFlight: [(id: WriteID, end: UInt64)] = []
    var inFlightHead = 0
    var nextWriteID: UInt64 = 1

    var pieces: [PhysicalRange] = []
    var scratch = [UInt8](repeating: 0, count: 16)
    var headerScratch = [UInt8](repeating: 0, count: Driver.headerSlotBytes)
    var statusScratch = [UInt8](repeating: 0, count: 1)

    struct WriteState {
        var id: WriteID
        var space: AddressSpace
        var entries: [WriteEntry]
        /// Bytes of each entry already described.
        var sent: [Int]
        /// Whether each entry's (possibly empty) first packet went out.
        var started: [Bool]
        var current = 0
        var remainingEntries: Int
    }

    /// Sets up rings and buffers in `memory` and programs the device.
    public init(device: RegisterSpace, memory: PhysicalMemory, configuration: DriverConfiguration,
                maxFrameBytes: Int) throws(MemoryFault) {
        precondition(configuration.ringSize >= 8 && configuration.ringSize <= 65_536
                     && configuration.ringSize & (configuration.ringSize - 1) == 0, "ring size must be a power of two")
        self.configuration = configuration
        self.device = device
        self.memory = memory
        self.ringSize = configuration.ringSize
        self.translationBuffer = TranslationBuffer()
        self.ringBase = try memory.allocateContiguous(bytes: ringSize * TxDescriptor.size)
        self.headerBase = try memory.allocateContiguous(bytes: ringSize * Driver.headerSlotBytes)
        self.bounceSlotBytes = (maxFrameBytes + 63) & ~63
        if configuration.path == .copy {
            self.bounceBase = try memory.allocateContiguous(bytes: ringSize * bounceSlotBytes)
        } else {
            self.bounceBase = nil
        }
        self.reportQueue = Array(repeating: 0, count: ringSize)
        self.pieces.reserveCapacity(64)
        try memory.fill(ringBase, count: ringSize * TxDescriptor.size, value: 0)
        program()
    }

    func program() {
        device.writeRegister(.tctl, 0)
        device.writeRegister(.tdbal, UInt32(truncatingIfNeeded: ringBase.rawValue))
        device.writeRegister(.tdbah, UInt32(truncatingIfNeeded: ringBase.rawValue >> 32))
        device.writeRegister(.tdlen, UInt32(ringSize * TxDescriptor.size))
        device.writeRegister(.tdh, 0)
        device.writeRegister(.tdt, 0)
        device.writeRegister(.ims, InterruptCause([.txDescriptorWritten, .txDescriptorError]).rawValue)
        device.writeRegister(.tctl, TransmitControl.enable.rawValue)
    }

    /// Adds a destination whose packets use `template`'s headers.
    public func addDestination(_ template: HeaderTemplate) -> DestinationID {
        templates.append(template)
        ipIdentification.append(0)
        rtpSequence.append(0)
        destinationCounters.append(DestinationCounters())
        return DestinationID(rawValue: templates.count - 1)
    }

    /// Registers a buffer once with the translation buffer: walked and pinned now, looked up afterwards.
    public func registerBuffer(space: AddressSpace, address: VirtualAddress, length: Int) throws(MemoryFault)
        -> TranslationBuffer.RegionID
    {
        try translationBuffer.register(space: space, address: address, length: length)
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
    public func transmit(space: AddressSpace, entries: [WriteEntry]) throws(DriverError) -> WriteID {
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
        queued.append(WriteState(id: id, space: space, entries: entries,
                                 sent: Array(repeating: 0, count: entries.count),
                                 started: Array(repeating: false, count: entries.count),
                                 remainingEntries: entries.count))
        post()
        return id
    }

    /// Writes the tail register if descriptors were posted since the last doorbell.
    public func ringDoorbell() {
        guard posted != doorbellPosted else { return }
        doorbellPosted = posted
        device.writeRegister(.tdt, UInt32(posted % UInt64(ringSize)))
        counters.doorbells += 1
    }

    /// Descriptors posted but not yet rung.
    public var hasUnrungDescriptors: Bool { posted != doorbellPosted }

    /// Writes accepted and not yet completed.
    public var outstandingWrites: Int { (queued.count - queuedHead) + (inFlight.count - inFlightHead) }

    /// The interrupt handler: reads the cause register, cleans completed descriptors, reports completed writes
    /// and posts what waited for room. Returns true when new descriptors wait for a doorbell.
    @discardableResult
    public func handleInterrupt() -> Bool {
        counters.interruptsHandled += 1
        counters.registerReads += 1
        _ = device.readRegister(.icr)
        reclaim()
        if queuedHead < queued.count { post() }
        return hasUnrungDescriptors
    }

    var freeDescriptors: Int { ringSize - 1 - Int(posted - reclaimed) }

    func reclaim() {
        while reportCount > 0 {
            let index = reportQueue[reportHead]
            let address = PhysicalAddress(rawValue: ringBase.rawValue + (index % UInt64(ringSize)) * UInt64(TxDescriptor.size)
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
            reclaimed = index + 1
            reportHead = (reportHead + 1) & (ringSize - 1)
            reportCount -= 1
        }
        while inFlightHead < inFlight.count && inFlight[inFlightHead].end <= reclaimed {
            let id = inFlight[inFlightHead].id
            inFlightHead += 1
            counters.writesCompleted += 1
            completionHandler?.writeCompleted(id)
        }
        if inFlightHead == inFlight.count {
            inFlight.removeAll(keepingCapacity: true)
            inFlightHead = 0
        }
    }

    /// Posts packets of queued writes until they are all posted or the ring is full.
    func post() {
        while queuedHead < queued.count {
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
        queuedHead = 0
        // A write that posted nothing (every entry faulted) completes as soon as everything before it has.
        reclaim()
    }

    /// The next entry to send from, per the configured order, and the round-robin position after it.
    func nextEntry(_ w: WriteState) -> (entry: Int, next: Int)? {
        guard w.remainingEntries > 0 else { return nil }
        let n = w.entries.count
        switch configuration.order {
        case .destinationMajor:
            var i = w.current
            while i < n && isDone(w, i) { i += 1 }
            return i < n ? (i, i) : nil
        case .roundRobin:
            for step in 0..<n {
                let i = (w.current + step) % n
                if !isDone(w, i) { return (i, (i + 1) % n) }
            }
            return nil
        }
    }

    func isDone(_ w: WriteState, _ i: Int) -> Bool { w.started[i] && w.sent[i] >= w.entries[i].length }

    /// Posts packets of one write; returns true when all of them are posted.
    func postPackets(of w: inout WriteState) -> Bool {
        while let (i, next) = nextEntry(w) {
            let entry = w.entries[i]
            let destination = entry.destination.rawValue
            let payload = min(maxPayload(for: entry.destination), entry.length - w.sent[i])
            let address = VirtualAddress(rawValue: entry.address.rawValue + UInt64(w.sent[i]))
            var needed = 1
            if configuration.path == .zeroCopy {
                pieces.removeAll(keepingCapacity: true)
                do throws(MemoryFault) {
                    if translationBuffer.translate(space: w.space, address: address, length: payload, into: &pieces) {
                        counters.translationHits += 1
                    } else {
                        counters.translationMisses += 1
                        let before = w.space.pageWalks
                        try w.space.physicalPieces(of: address, length: payload, into: &pieces)
                        counters.pageWalks += w.space.pageWalks - before
                    }
                } catch {
                    // Checked when the write was accepted; a mapping removed since skips the entry, counted.
                    counters.translationFaults += 1
                    w.current = next
                    w.started[i] = true
                    w.sent[i] = entry.length
                    w.remainingEntries -= 1
                    continue
                }
                needed += pieces.count
            }
            guard freeDescriptors >= needed else { return false }
            w.current = next
            writePacket(destination: destination, space: w.space, address: address, payload: payload)
            w.started[i] = true
            w.sent[i] += payload
            if w.sent[i] >= entry.length { w.remainingEntries -= 1 }
            destinationCounters[destination].packets += 1
            destinationCounters[destination].payloadBytes += UInt64(payload)
            counters.packets += 1
            counters.payloadBytes += UInt64(payload)
        }
        return true
    }

    /// Writes the header (and, on the copy path, the payload) and the packet's descriptors.
    func writePacket(destination: Int, space: AddressSpace, address: VirtualAddress, payload: Int) {
        let template = templates[destination]
        let headerLength = template.headerLength
        let identification = ipIdentification[destination]
        ipIdentification[destination] &+= 1
        let sequence = rtpSequence[destination]
        if template.rtp != nil { rtpSequence[destination] &+= 1 }
        template.render(into: &headerScratch, at: 0, payloadLength: payload, identification: identification,
                        rtpSequence: sequence, checksum: .partial)
        counters.headerBytesWritten += UInt64(headerLength)
        let first = posted
        let firstIndex = Int(first % UInt64(ringSize))
        let command: TxCommand = [.insertFCS]
        let checksumStart = UInt8(template.udpHeaderOffset)
        let checksumOffset = UInt8(template.udpChecksumOffset)
        let report = configuration.report == .everyPacket
        do throws(MemoryFault) {
            switch configuration.path {
            case .zeroCopy:
                let header = PhysicalAddress(rawValue: headerBase.rawValue + UInt64(firstIndex * Driver.headerSlotBytes))
                try memory.write(header, from: headerScratch, at: 0, count: headerLength)
                var d = TxDescriptor(bufferAddress: header.rawValue, length: UInt16(headerLength),
                                     command: command.union(.insertChecksum), checksumStart: checksumStart,
                                     checksumOffset: checksumOffset)
                if pieces.isEmpty { d.command.formUnion(report ? [.endOfPacket, .reportStatus] : .endOfPacket) }
                try writeDescriptor(d)
                for (k, piece) in pieces.enumerated() {
                    var p = TxDescriptor(bufferAddress: piece.address.rawValue, length: UInt16(piece.length), command: command)
                    if k == pieces.count - 1 { p.command.formUnion(report ? [.endOfPacket, .reportStatus] : .endOfPacket) }
                    try writeDescriptor(p)
                }
            case .copy:
                // bounceBase exists whenever the path is .copy.
                let slot = PhysicalAddress(rawValue: (bounceBase?.rawValue ?? 0) + UInt64(firstIndex * bounceSlotBytes))
                try memory.write(slot, from: headerScratch, at: 0, count: headerLength)
                if payload > 0 {
                    try space.copy(from: address, toPhysical: PhysicalAddress(rawValue: slot.rawValue + UInt64(headerLength)),
                                   count: payload)
                }
                counters.bytesCopied += UInt64(payload)
                var d = TxDescriptor(bufferAddress: slot.rawValue, length: UInt16(headerLength + payload),
                                     command: command.union([.insertChecksum, .endOfPacket]),
                                     checksumStart: checksumStart, checksumOffset: checksumOffset)
                if report { d.command.insert(.reportStatus) }
                try writeDescriptor(d)
            }
        } catch {
            preconditionFailure("the driver's own buffers are unwritable: \(error)")
        }
        destinationCounters[destination].descriptors += posted - first
    }

    func writeDescriptor(_ d: TxDescriptor) throws(MemoryFault) {
        d.encode(into: &scratch, at: 0)
        let index = posted % UInt64(ringSize)
        try memory.write(PhysicalAddress(rawValue: ringBase.rawValue + index * UInt64(TxDescriptor.size)),
                         from: scratch, at: 0, count: TxDescriptor.size)
        posted += 1
        counters.descriptorsWritten += 1
        lastPostedHasReport = d.command.contains(.reportStatus)
        if lastPostedHasReport { enqueueReport(posted - 1) }
    }

    func enqueueReport(_ index: UInt64) {
        reportQueue[(reportHead + reportCount) & (ringSize - 1)] = index
        reportCount += 1
    }

    /// Sets report-status on the newest posted descriptor if it lacks it (it is not yet visible to the device).
    func requestReportOnLastPosted() {
        guard posted > 0, !lastPostedHasReport else { return }
        let index = (posted - 1) % UInt64(ringSize)
        let address = PhysicalAddress(rawValue: ringBase.rawValue + index * UInt64(TxDescriptor.size) + 11)
        do throws(MemoryFault) {
            let command = TxCommand(rawValue: try memory.readUInt8(address))
            try memory.writeUInt8(address, command.union(.reportStatus).rawValue)
        } catch {
            preconditionFailure("the driver's own ring is unreadable: \(error)")
        }
        lastPostedHasReport = true
        enqueueReport(posted - 1)
    }
}
