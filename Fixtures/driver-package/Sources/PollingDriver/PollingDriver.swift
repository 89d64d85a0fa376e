import HostMemory
import HostOS
import NICInterface
import SimCore
import WireFormats

/// A polling-only driver for the nicsim NIC: no interrupts at all.
///
/// It masks every interrupt cause (IMS stays 0, datasheet §6.1) and learns what the device finished by reading `TDH`
/// (datasheet §4.1: descriptors before the head are the driver's again) from a timer the OS runs every
/// ``pollInterval`` while work is outstanding (the OS's watchdog timer, ``HostOS/DriverConfiguration/watchdogInterval``).
/// Every packet is copied, header and payload, into one buffer per ring slot, with the UDP checksum inserted by the
/// device (`IC`, datasheet §7.1). One doorbell per write call. No receive ring.
///
/// The point is to show what a driver needs and nothing else: a ring, the registers that run it, and receipts
/// that tell the OS what the CPU did.
public final class PollingDriver: NetworkDriver {
    public let kind = "polling"
    /// How often the OS's timer runs the poll while the driver waits for the device.
    public let pollInterval: SimDuration
    public let configuration: DriverConfiguration

    let device: any RegisterSpace
    let memory: PhysicalMemory
    let ringSize: Int
    let ringBase: PhysicalAddress
    let slotBytes: Int
    let bufferBase: PhysicalAddress
    weak var delegate: (any DriverDelegate)?

    var templates: [HeaderTemplate] = []
    var identification: [UInt16] = []
    var perDestination: [DestinationCounters] = []
    /// Descriptors ever posted, ever reclaimed, and posted as of the last doorbell (ring index = count mod size).
    var posted: UInt64 = 0
    var reclaimed: UInt64 = 0
    var rung: UInt64 = 0
    /// Writes waiting for ring room: the entries left and how far the first one got.
    var waiting: [(id: WriteID, space: AddressSpace, entries: [WriteEntry], entry: Int, sent: Int)] = []
    /// Writes fully posted: the absolute index one past their last descriptor.
    var inFlight: [(id: WriteID, end: UInt64)] = []
    var nextID: UInt64 = 1
    var scratch: [UInt8]
    var polls: UInt64 = 0
    var idlePolls: UInt64 = 0

    /// Sets up a transmit ring of `configuration.ringSize` descriptors with a buffer of `maxFrameBytes` per slot, and
    /// programs the device. Only the copy path exists here: `configuration.path` is ignored.
    public init(device: any RegisterSpace, memory: PhysicalMemory, configuration: DriverConfiguration,
                maxFrameBytes: Int, pollInterval: SimDuration = .microseconds(20)) throws(MemoryFault) {
        var settings = configuration
        settings.watchdogInterval = pollInterval
        self.configuration = settings
        self.pollInterval = pollInterval
        self.device = device
        self.memory = memory
        self.ringSize = configuration.ringSize
        self.slotBytes = (maxFrameBytes + 63) & ~63
        self.ringBase = try memory.allocateContiguous(bytes: ringSize * TxDescriptor.size)
        self.bufferBase = try memory.allocateContiguous(bytes: ringSize * slotBytes)
        try memory.fill(ringBase, count: ringSize * TxDescriptor.size, value: 0)
        self.scratch = [UInt8](repeating: 0, count: slotBytes)
    }

    public var hasOutstandingWork: Bool { posted != reclaimed || !waiting.isEmpty }
    public var hasReceiveRing: Bool { false }

    public func attach(to delegate: any DriverDelegate, mac: MACAddress) -> DriverReceipt {
        self.delegate = delegate
        var r = DriverReceipt()
        // Datasheet §2: ring base, length, head and tail; the transmitter on; every interrupt cause masked.
        let setup: [(NICRegister, UInt32)] = [
            (.tctl, 0), (.tdbal, UInt32(truncatingIfNeeded: ringBase.rawValue)),
            (.tdbah, UInt32(truncatingIfNeeded: ringBase.rawValue >> 32)), (.tdlen, UInt32(ringSize * TxDescriptor.size)),
            (.tdh, 0), (.tdt, 0), (.imc, 0xFFFF_FFFF), (.ral, UInt32(truncatingIfNeeded: mac.rawValue)),
            (.rah, UInt32(truncatingIfNeeded: mac.rawValue >> 32) & 0xFFFF | 1 << 31),
            (.tctl, TransmitControl.enable.rawValue),
        ]
        for (register, value) in setup { device.writeRegister(register, value) }
        r.registerWrites = UInt64(setup.count)
        return r
    }

    public func addDestination(_ template: HeaderTemplate) -> DestinationID {
        templates.append(template)
        identification.append(0)
        perDestination.append(DestinationCounters())
        return DestinationID(rawValue: templates.count - 1)
    }

    /// Nothing to register: every byte is copied anyway. The call is accepted and costs nothing.
    public func registerBuffer(space: AddressSpace, address: VirtualAddress, length: Int) throws(MemoryFault)
        -> DriverReceipt
    {
        guard space.isMapped(address, length: length) else { throw MemoryFault(code: .unmappedVirtual, address: address.rawValue, length: length) }
        return DriverReceipt()
    }

    public func transmit(space: AddressSpace, entries: [WriteEntry], path: PayloadPath?) throws(DriverError)
        -> (id: WriteID, receipt: DriverReceipt)
    {
        guard !entries.isEmpty else { throw DriverError(.badLength, "a write needs at least one entry") }
        for (i, e) in entries.enumerated() {
            guard e.destination.rawValue >= 0, e.destination.rawValue < templates.count else {
                throw DriverError(.unknownDestination, "entry \(i) names destination \(e.destination.rawValue)")
            }
            guard e.length >= 0, space.isMapped(e.address, length: e.length) else {
                throw DriverError(.translationFault, "entry \(i): \(e.address) + \(e.length) is not mapped")
            }
        }
        let id = WriteID(rawValue: nextID)
        nextID += 1
        waiting.append((id, space, entries, 0, 0))
        var r = DriverReceipt()
        post(&r)
        r.kickNeeded = true
        return (id, r)
    }

    /// Posts waiting writes, entry after entry and datagram after datagram, until they are done or the ring is full.
    func post(_ r: inout DriverReceipt) {
        while !waiting.isEmpty {
            var w = waiting[0]
            while w.entry < w.entries.count {
                let e = w.entries[w.entry]
                let template = templates[e.destination.rawValue]
                let mss = configuration.packetSize - (template.headerLength - EthernetHeader.size)
                let payload = min(mss, e.length - w.sent)
                guard ringSize - 1 - Int(posted - reclaimed) >= 1 else {
                    waiting[0] = w
                    r.ringFullStalls += 1
                    return
                }
                send(template: template, destination: e.destination.rawValue, space: w.space,
                     from: VirtualAddress(rawValue: e.address.rawValue + UInt64(w.sent)), payload: payload, &r)
                w.sent += payload
                if w.sent >= e.length {
                    w.entry += 1
                    w.sent = 0
                }
            }
            inFlight.append((w.id, posted))
            waiting.removeFirst()
        }
    }

    /// One datagram: header from the template, payload copied behind it, one descriptor.
    func send(template: HeaderTemplate, destination: Int, space: AddressSpace, from address: VirtualAddress,
              payload: Int, _ r: inout DriverReceipt) {
        let slot = Int(posted % UInt64(ringSize))
        let buffer = PhysicalAddress(rawValue: bufferBase.rawValue + UInt64(slot * slotBytes))
        template.render(into: &scratch, at: 0, payloadLength: payload, identification: identification[destination],
                        checksum: .partial)
        identification[destination] &+= 1
        do throws(MemoryFault) {
            try memory.write(buffer, from: scratch, at: 0, count: template.headerLength)
            if payload > 0 {
                try space.copy(from: address, toPhysical: PhysicalAddress(rawValue: buffer.rawValue + UInt64(template.headerLength)),
                               count: payload)
            }
            let d = TxDescriptor(bufferAddress: buffer.rawValue, length: UInt16(template.headerLength + payload),
                                 command: [.endOfPacket, .insertFCS, .insertChecksum],
                                 checksumStart: UInt8(template.udpHeaderOffset),
                                 checksumOffset: UInt8(template.udpChecksumOffset))
            let (low, high) = d.words
            let at = PhysicalAddress(rawValue: ringBase.rawValue + UInt64(slot * TxDescriptor.size))
            try memory.writeUInt64LE(at, low)
            try memory.writeUInt64LE(at.advanced(by: 8), high)
        } catch {
            // The driver's own ring and buffers, and memory checked when the write was accepted: cannot fail.
            preconditionFailure("polling driver: \(error)")
        }
        posted += 1
        r.sends += 1
        r.segments += 1
        r.descriptorsWritten += 1
        r.bytesCopied += UInt64(template.headerLength + payload)
        perDestination[destination].packets += 1
        perDestination[destination].sends += 1
        perDestination[destination].descriptors += 1
        perDestination[destination].payloadBytes += UInt64(payload)
    }

    public func transmitFrame(_ bytes: [UInt8], length: Int) -> DriverReceipt? { nil }

    public func kick() -> DriverReceipt {
        var r = DriverReceipt()
        guard posted != rung else { return r }
        rung = posted
        device.writeRegister(.tdt, UInt32(posted % UInt64(ringSize)))
        r.doorbells = 1
        return r
    }

    /// Never called: no cause is enabled.
    public func interrupt(vector: Int) -> DriverReceipt { DriverReceipt() }

    public func poll(budget: Int) -> DriverReceipt { watchdog() }

    /// The poll: reads `TDH`, takes back everything before it, tells the OS which writes are done and posts what
    /// waited for room.
    public func watchdog() -> DriverReceipt {
        var r = DriverReceipt()
        polls += 1
        guard posted != reclaimed else {
            idlePolls += 1
            return r
        }
        let head = UInt64(device.readRegister(.tdh)) % UInt64(ringSize)
        r.registerReads = 1
        let done = (head + UInt64(ringSize) - reclaimed % UInt64(ringSize)) % UInt64(ringSize)
        if done == 0 { idlePolls += 1 }
        reclaimed += done
        r.descriptorsReclaimed = done
        while let first = inFlight.first, first.end <= reclaimed {
            inFlight.removeFirst()
            delegate?.writeCompleted(first.id)
        }
        post(&r)
        r.kickNeeded = posted != rung
        return r
    }

    public func installHardwarePolicy(slot: Int, _ policy: HardwarePolicy) -> DriverReceipt? { nil }
    public func removeHardwarePolicy(slot: Int) -> DriverReceipt { DriverReceipt() }

    public func destinationCounters(_ destination: DestinationID) -> DestinationCounters {
        perDestination.indices.contains(destination.rawValue) ? perDestination[destination.rawValue] : DestinationCounters()
    }

    public var statistics: DriverStatistics {
        var s = DriverStatistics()
        s.extra = [.init("polls", polls), .init("idle polls", idlePolls)]
        return s
    }
}
