import HostMemory
import NICModel
@testable import NICSimTesting
import SimCore
import Testing
import WireFormats

/// The wire's far end in a test: records each frame's last-bit time and bytes, then releases the frame.
final class WireRecorder: FrameSink {
    struct Arrival: Equatable {
        var time: SimTime
        var bytes: [UInt8]
    }

    private(set) var arrivals: [Arrival] = []

    func accept(_ frame: FrameHandle, simulator: Simulator) {
        arrivals.append(Arrival(time: simulator.now, bytes: simulator.frames.contents(of: frame)))
        simulator.frames.release(frame)
    }

    var frames: [[UInt8]] { arrivals.map(\.bytes) }
    var times: [SimTime] { arrivals.map(\.time) }
}

/// Records the first-bit times the NIC reports to its transmit observer.
final class FirstBitRecorder: FrameObserver {
    private(set) var times: [SimTime] = []
    func observe(_ frame: FrameHandle, at time: SimTime, simulator: Simulator) { times.append(time) }
}

/// The host's interrupt controller in a test: records the virtual time of every interrupt message.
final class InterruptRecorder: InterruptSink {
    let simulator: Simulator
    private(set) var times: [SimTime] = []
    /// The vector of each message, in the order of ``times``.
    private(set) var vectors: [Int] = []
    /// Runs synchronously inside each interrupt message (a driver that touches the device from its handler).
    var onInterrupt: (() -> Void)?

    init(simulator: Simulator) { self.simulator = simulator }

    func interruptRaised(vector: Int) {
        times.append(simulator.now)
        vectors.append(vector)
        onInterrupt?()
    }

    var count: Int { times.count }
}

/// A NIC in its own world, plus a tiny test-only driver that writes descriptors and registers itself.
///
/// Each descriptor slot `i` has its own 2 KiB buffer at ``bufferAddress(_:)``.
final class Bench {
    static let bufferSlotBytes = 2048

    let simulator: Simulator
    let memory: PhysicalMemory
    let dma: DMAEngine
    let nic: NIC
    let wire = WireRecorder()
    let interrupts: InterruptRecorder
    let ringSize: Int
    let ring: PhysicalAddress
    let buffers: PhysicalAddress
    /// The test driver's software tail: the next descriptor it writes.
    var next = 0

    init(ringSize: Int = 16, configuration: NICConfiguration = NICConfiguration(), seed: UInt64 = 1) throws {
        simulator = Simulator(seed: seed, maxFrameBytes: max(1536, configuration.maxFrameBytes))
        memory = PhysicalMemory(size: 16 << 20, seed: seed)
        dma = DMAEngine(memory: memory)
        nic = NIC(simulator: simulator, name: "nic", configuration: configuration, dma: dma)
        interrupts = InterruptRecorder(simulator: simulator)
        nic.wire = wire
        nic.interruptSink = interrupts
        self.ringSize = ringSize
        ring = try memory.allocateContiguous(bytes: ringSize * TxDescriptor.size)
        buffers = try memory.allocateContiguous(bytes: ringSize * Bench.bufferSlotBytes)
    }

    // MARK: Registers

    func read(_ register: NICRegister) -> UInt32 { nic.readRegister(register) }
    func write(_ register: NICRegister, _ value: UInt32) { nic.writeRegister(register, value) }

    /// Programs the ring with the transmitter off, puts TDH = TDT = `start`, unmasks `mask`, then enables.
    func program(start: Int = 0, mask: InterruptCause = [.txDescriptorWritten, .txDescriptorError],
                 enable: Bool = true) {
        write(.tctl, 0)
        write(.tdbal, UInt32(truncatingIfNeeded: ring.rawValue))
        write(.tdbah, UInt32(truncatingIfNeeded: ring.rawValue >> 32))
        write(.tdlen, UInt32(ringSize * TxDescriptor.size))
        write(.tdh, UInt32(start))
        write(.tdt, UInt32(start))
        write(.ims, mask.rawValue)
        if enable { write(.tctl, TransmitControl.enable.rawValue) }
        next = start
    }

    /// Writes TDT = the software tail.
    func doorbell() { write(.tdt, UInt32(next)) }

    var head: Int { Int(read(.tdh)) }

    // MARK: Descriptors

    func bufferAddress(_ index: Int) -> PhysicalAddress {
        buffers.advanced(by: index * Bench.bufferSlotBytes)
    }

    func descriptorAddress(_ index: Int) -> PhysicalAddress { ring.advanced(by: index * TxDescriptor.size) }

    func writeDescriptor(_ d: TxDescriptor, at index: Int) throws {
        var bytes = [UInt8](repeating: 0, count: TxDescriptor.size)
        d.encode(into: &bytes, at: 0)
        try memory.write(descriptorAddress(index), from: bytes, at: 0, count: TxDescriptor.size)
    }

    func writeRawDescriptor(_ bytes: [UInt8], at index: Int) throws {
        try memory.write(descriptorAddress(index), from: bytes, at: 0, count: TxDescriptor.size)
    }

    /// The status byte (`STA`) of descriptor `index` as the device left it in memory.
    func status(_ index: Int) throws -> TxStatus {
        TxStatus(rawValue: try memory.readUInt8(descriptorAddress(index).advanced(by: TxDescriptor.statusOffset)))
    }

    /// Appends one raw descriptor at the software tail and returns its index.
    @discardableResult
    func append(_ d: TxDescriptor) throws -> Int {
        let index = next
        try writeDescriptor(d, at: index)
        next = (next + 1) % ringSize
        return index
    }

    /// Where report-status goes in a packet.
    enum Report { case none, first, last }

    /// Writes `bytes` as one packet split over `pieces` descriptors (each into its own slot's buffer) at the
    /// software tail, and returns the descriptor indices. `first` is OR-ed into the first descriptor's command,
    /// with the checksum fields.
    @discardableResult
    func post(_ bytes: [UInt8], pieces: Int = 1, report: Report = .last, first: TxCommand = [],
              checksumStart: UInt8 = 0, checksumOffset: UInt8 = 0) throws -> [Int] {
        precondition(pieces >= 1)
        var indices: [Int] = []
        var offset = 0
        for k in 0..<pieces {
            let length = (bytes.count - offset) / (pieces - k)
            let index = next
            try memory.write(bufferAddress(index), from: bytes, at: offset, count: length)
            var command: TxCommand = [.insertFCS]
            if k == 0 { command.formUnion(first) }
            if k == pieces - 1 { command.insert(.endOfPacket) }
            if (report == .first && k == 0) || (report == .last && k == pieces - 1) { command.insert(.reportStatus) }
            try append(TxDescriptor(bufferAddress: bufferAddress(index).rawValue, length: UInt16(length),
                                    command: command, checksumStart: k == 0 ? checksumStart : 0,
                                    checksumOffset: k == 0 ? checksumOffset : 0))
            indices.append(index)
            offset += length
        }
        return indices
    }

    @discardableResult
    func run(until end: SimTime? = nil) -> Simulator.RunOutcome { simulator.run(until: end) }
}

/// `count` bytes that differ from packet to packet: a tag in the first bytes, then a pattern.
func packetBytes(count: Int, tag: Int) -> [UInt8] {
    (0..<count).map { i in
        switch i {
        case 0: UInt8(truncatingIfNeeded: tag)
        case 1: UInt8(truncatingIfNeeded: tag >> 8)
        default: UInt8(truncatingIfNeeded: i &* 31 &+ tag &* 7)
        }
    }
}

/// Picoseconds `units` take at `perSecond` units per second, rounded up (computed here, independently of SimCore).
func picoseconds(_ units: Int, atPerSecond perSecond: Int64) -> SimDuration {
    let numerator = Int64(units) * 1_000_000_000_000
    return .picoseconds((numerator + perSecond - 1) / perSecond)
}

let errorBits: TxStatus = [.dmaError, .lengthError, .formatError]

// MARK: Scripted drivers, more queues, the receive ring

/// Runs test actions at chosen virtual times: a driver that posts, rings doorbells or reads registers on a schedule.
/// The embedded rig's scheduler: each action is one event of the simulator, so actions at equal times run in the
/// order they were added.
typealias Script = EmbeddedNIC.Script

extension Bench {
    /// Appends a context descriptor at the software tail and returns its index.
    @discardableResult
    func appendContext(_ c: TxContextDescriptor) throws -> Int { try append(c.asDescriptor) }

    /// A context descriptor that only carries a launch time (header fields valid for a 42-byte UDP header).
    static func launchContext(nanoseconds: UInt64) -> TxContextDescriptor {
        TxContextDescriptor(launchTimeNanoseconds: nanoseconds, headerLength: 42, ipOffset: 14, udpOffset: 34,
                            flags: .launchTime)
    }

    /// Writes the four transmit moderation registers (raw register values).
    func moderate(itr: UInt32 = 0, tidv: UInt32 = 0, tadv: UInt32 = 0, txft: UInt32 = 0) {
        write(.itr, itr)
        write(.tidv, tidv)
        write(.tadv, tadv)
        write(.txft, txft)
    }

    /// Hands the NIC a frame from the wire (its last bit arrives now).
    func deliver(_ bytes: [UInt8]) {
        let frames = simulator.frames
        let frame = frames.allocate()
        precondition(frames.append(bytes, from: 0, count: bytes.count, to: frame))
        nic.accept(frame, simulator: simulator)
    }

    /// Programs and enables transmit queue `queue` (≥ 1) with its own ring; the transmitter must be enabled already.
    func addTransmitQueue(_ queue: Int, ringSize: Int = 16) throws -> TxRingDriver {
        let driver = try TxRingDriver(bench: self, queue: queue, ringSize: ringSize)
        driver.program()
        return driver
    }
}

/// A test driver for one more transmit queue: its own ring and 2 KiB buffer per slot, registers at 0x3800 + 0x100·q.
final class TxRingDriver {
    unowned let bench: Bench
    let queue: Int
    let ringSize: Int
    let ring: PhysicalAddress
    let buffers: PhysicalAddress
    var next = 0

    init(bench: Bench, queue: Int, ringSize: Int) throws {
        self.bench = bench
        self.queue = queue
        self.ringSize = ringSize
        ring = try bench.memory.allocateContiguous(bytes: ringSize * TxDescriptor.size)
        buffers = try bench.memory.allocateContiguous(bytes: ringSize * Bench.bufferSlotBytes)
    }

    func register(_ offset: UInt32) -> NICRegister { .transmitQueue(queue, offset) }

    /// TDBAL/TDBAH/TDLEN, TDH = TDT = 0, then TXDCTL.ENABLE.
    func program() {
        bench.write(register(NICRegister.QueueOffset.baseLow), UInt32(truncatingIfNeeded: ring.rawValue))
        bench.write(register(NICRegister.QueueOffset.baseHigh), UInt32(truncatingIfNeeded: ring.rawValue >> 32))
        bench.write(register(NICRegister.QueueOffset.length), UInt32(ringSize * TxDescriptor.size))
        bench.write(register(NICRegister.QueueOffset.head), 0)
        bench.write(register(NICRegister.QueueOffset.tail), 0)
        bench.write(register(NICRegister.QueueOffset.control), NICRegister.QueueOffset.enableBit)
        next = 0
    }

    func doorbell() { bench.write(register(NICRegister.QueueOffset.tail), UInt32(next)) }

    func descriptorAddress(_ index: Int) -> PhysicalAddress { ring.advanced(by: index * TxDescriptor.size) }

    @discardableResult
    func append(_ d: TxDescriptor) throws -> Int {
        var bytes = [UInt8](repeating: 0, count: TxDescriptor.size)
        d.encode(into: &bytes, at: 0)
        try bench.memory.write(descriptorAddress(next), from: bytes, at: 0, count: TxDescriptor.size)
        defer { next = (next + 1) % ringSize }
        return next
    }

    /// One single-descriptor packet with EOP (and RS when `report`).
    @discardableResult
    func post(_ bytes: [UInt8], report: Bool = true) throws -> Int {
        let buffer = buffers.advanced(by: next * Bench.bufferSlotBytes)
        try bench.memory.write(buffer, from: bytes, at: 0, count: bytes.count)
        let command: TxCommand = report ? [.endOfPacket, .insertFCS, .reportStatus] : [.endOfPacket, .insertFCS]
        return try append(TxDescriptor(bufferAddress: buffer.rawValue, length: UInt16(bytes.count), command: command))
    }

    func status(_ index: Int) throws -> TxStatus {
        TxStatus(rawValue: try bench.memory.readUInt8(descriptorAddress(index).advanced(by: TxDescriptor.statusOffset)))
    }
}

/// A test driver for receive queue 0: a ring of receive descriptors, each pointing at its own 2 KiB buffer.
final class RxRingDriver {
    unowned let bench: Bench
    let ringSize: Int
    let ring: PhysicalAddress
    let buffers: PhysicalAddress

    init(bench: Bench, ringSize: Int) throws {
        self.bench = bench
        self.ringSize = ringSize
        ring = try bench.memory.allocateContiguous(bytes: ringSize * RxDescriptor.size)
        buffers = try bench.memory.allocateContiguous(bytes: ringSize * Bench.bufferSlotBytes)
        for i in 0..<ringSize { try writeFresh(i) }
    }

    func bufferAddress(_ index: Int) -> PhysicalAddress { buffers.advanced(by: index * Bench.bufferSlotBytes) }
    func descriptorAddress(_ index: Int) -> PhysicalAddress { ring.advanced(by: index * RxDescriptor.size) }

    /// Writes descriptor `index` as the driver posts it: its buffer address, the device's fields zero.
    func writeFresh(_ index: Int) throws {
        var bytes = [UInt8](repeating: 0, count: RxDescriptor.size)
        RxDescriptor(bufferAddress: bufferAddress(index).rawValue).encode(into: &bytes, at: 0)
        try bench.memory.write(descriptorAddress(index), from: bytes, at: 0, count: RxDescriptor.size)
    }

    /// RDBAL/RDBAH/RDLEN, RDH = 0, RDT = `tail`, then RCTL = EN | BSIZE (`bufferSizeCode`: 0 = 2,048 … 3 = 256)
    /// | `filter` (by default promiscuous: UPE, MPE and BAM, so that any test frame passes the address filter).
    func program(tail: Int, bufferSizeCode: UInt32 = 0, enable: Bool = true, mask: InterruptCause = .rxTimer,
                 filter: ReceiveControl = [.unicastPromiscuous, .multicastPromiscuous, .broadcastAccept]) {
        bench.write(.rctl, 0)
        bench.write(.receiveQueue(0, NICRegister.QueueOffset.baseLow), UInt32(truncatingIfNeeded: ring.rawValue))
        bench.write(.receiveQueue(0, NICRegister.QueueOffset.baseHigh), UInt32(truncatingIfNeeded: ring.rawValue >> 32))
        bench.write(.receiveQueue(0, NICRegister.QueueOffset.length), UInt32(ringSize * RxDescriptor.size))
        bench.write(.receiveQueue(0, NICRegister.QueueOffset.head), 0)
        bench.write(.receiveQueue(0, NICRegister.QueueOffset.tail), UInt32(tail))
        bench.write(.ims, mask.rawValue)
        bench.write(.rctl, (enable ? ReceiveControl.enable.rawValue : 0) | bufferSizeCode << 16 | filter.rawValue)
    }

    func setTail(_ tail: Int) { bench.write(.receiveQueue(0, NICRegister.QueueOffset.tail), UInt32(tail)) }
    var head: Int { Int(bench.read(.receiveQueue(0, NICRegister.QueueOffset.head))) }

    func descriptor(_ index: Int) throws -> RxDescriptor {
        var bytes = [UInt8](repeating: 0, count: RxDescriptor.size)
        try bench.memory.read(descriptorAddress(index), count: RxDescriptor.size, into: &bytes, at: 0)
        return try #require(RxDescriptor(decoding: bytes, at: 0))
    }

    func buffer(_ index: Int, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bench.memory.read(bufferAddress(index), count: count, into: &bytes, at: 0)
        return bytes
    }
}

/// A plain UDP/IPv4 test template (42-byte header) and one with RTP (54 bytes).
enum Templates {
    static let udp = HeaderTemplate(
        sourceMAC: MACAddress(0x02, 0, 0, 0, 0, 1), destinationMAC: MACAddress(0x02, 0, 0, 0, 0, 2),
        sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 2),
        sourcePort: 5004, destinationPort: 1234)
    static let rtp = HeaderTemplate(
        sourceMAC: MACAddress(0x02, 0, 0, 0, 0, 1), destinationMAC: MACAddress(0x02, 0, 0, 0, 0, 3),
        sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 3),
        sourcePort: 5004, destinationPort: 1235, rtp: HeaderTemplate.RTPFields(ssrc: 0xDEAD_BEEF))

    /// A complete datagram with correct checksums, as a driver segmenting in software would build it.
    static func frame(_ template: HeaderTemplate, payload: ArraySlice<UInt8>, identification: UInt16,
                      rtpSequence: UInt16 = 0, rtpTimestamp: UInt32 = 0) -> [UInt8] {
        let payload = Array(payload)
        var header = [UInt8](repeating: 0, count: template.headerLength)
        var sum = InternetChecksum()
        sum.add(payload, from: 0, count: payload.count)
        template.render(into: &header, at: 0, payloadLength: payload.count, identification: identification,
                        rtpSequence: rtpSequence, rtpTimestamp: rtpTimestamp, checksum: .full(payloadSum: sum))
        return header + payload
    }
}
