import HostMemory
import NICModel
import SimCore

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
    /// Runs synchronously inside each interrupt message (a driver that touches the device from its handler).
    var onInterrupt: (() -> Void)?

    init(simulator: Simulator) { self.simulator = simulator }

    func interruptRaised(vector: Int) {
        times.append(simulator.now)
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
