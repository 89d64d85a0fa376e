import HostMemory
import HostOS
import NICInterface
import NICModel
import SimCore
import WireFormats

/// A NIC on a test bench: the device, its host memory (with or without an IOMMU), its interrupt line and the far
/// end of its wire, in one object, with virtual time that moves only when the test says so.
///
/// The rig is to a device test what swift-nio's `EmbeddedChannel` is to a channel handler test: nothing runs on its
/// own. The test writes registers and memory, hands the device frames from the wire, then moves time explicitly
/// (``advance(by:)``, ``advance(to:)``, ``runUntilIdle()``) and looks at what happened: the frames the device sent
/// (``wire``), the interrupts it raised (``interrupts``), and what it wrote into memory (``readMemory(_:count:)``).
///
/// Plug a driver onto it (``plug(configuration:maxFrameBytes:hostConfiguration:_:)``) and the rig adds the OS: a `Host`
/// that owns the driver,
/// hears the interrupt line and prices each receipt with its `CostModel`. Any `NetworkDriver` fits, nicsim's or a
/// researcher's own; it is built from the same `DriverContext` the world builds drivers from.
///
/// ```swift
/// let rig = try EmbeddedNIC()
/// let machine = try rig.plug { try Driver(device: $0.device, memory: $0.memory, configuration: $0.configuration,
///                                         maxFrameBytes: $0.maxFrameBytes, iommu: $0.iommu, mapper: $0.mapper) }
/// let (buffer, _) = try machine.buffer(4000, tag: 1)
/// _ = try machine.host.write(socket: machine.socket,
///                            entries: [WriteVectorEntry(destination: machine.receiver(0), address: buffer, length:
///                            4000)])
/// rig.runUntilIdle()
/// #expect(rig.wire.frames.count == 3)
/// #expect(rig.interrupts.count >= 1)
/// ```
public final class EmbeddedNIC {
    /// The virtual clock and event queue; it moves only in ``advance(by:)``, ``advance(to:)`` and ``runUntilIdle()``.
    public let simulator: Simulator
    /// The machine's physical memory: rings, buffers and application pages.
    public let memory: PhysicalMemory
    /// The IOMMU between the device and memory, when the rig was built with one.
    public let iommu: IOMMU?
    /// The DMA mapping API a plugged driver maps through (`DriverContext.mapper`), with ``iommu`` only: built as
    /// the world builds a machine's, with the deferred flush timer on the rig's clock.
    public let mapper: DMAMapper?
    /// The device's memory access (through ``iommu`` when there is one).
    public let dma: DMAEngine
    /// The device.
    public let device: NIC
    /// The far end of the device's wire: every frame the device sent.
    public let wire: Wire
    /// The device's interrupt line: every interrupt message, and the OS that hears it once a driver is plugged.
    public let interrupts: InterruptLine
    private var script: Script?

    /// A NIC with `configuration` on `memoryBytes` of host memory, behind an IOMMU with `iommu`'s settings when it is
    /// not nil, whose mappings a driver makes with `invalidation` (strict, or Linux's deferred default). `seed`
    /// seeds the simulator and the memory's frame placement, as the world's seed does.
    public init(configuration: NICConfiguration = NICConfiguration(), memoryBytes: Int = 64 << 20,
                iommu: IOMMU.Configuration? = nil, invalidation: DMAMapper.Invalidation = .deferred, seed: UInt64 = 1) {
        let simulator = Simulator(seed: seed, maxFrameBytes: max(1536, configuration.maxFrameBytes))
        self.simulator = simulator
        memory = PhysicalMemory(size: UInt64(memoryBytes), seed: seed)
        self.iommu = iommu.map { IOMMU(configuration: $0) }
        dma = DMAEngine(memory: memory, iommu: self.iommu)
        mapper = self.iommu.map {
            DMAMapper(iommu: $0, invalidation: invalidation, simulator: simulator, name: "server.iommu.flush-queue")
        }
        device = NIC(simulator: simulator, name: "nic", configuration: configuration, dma: dma)
        wire = Wire()
        interrupts = InterruptLine(simulator: simulator)
        device.wire = wire
        device.interruptSink = interrupts
    }

    deinit { simulator.tearDown() }

    // MARK: Virtual time

    /// The current virtual time.
    public var now: SimTime { simulator.now }

    /// Runs every event due up to `time` (inclusive) and leaves the clock there.
    @discardableResult
    public func advance(to time: SimTime) -> Simulator.RunOutcome { simulator.run(until: time) }

    /// Runs every event due in the next `duration`.
    @discardableResult
    public func advance(by duration: SimDuration) -> Simulator.RunOutcome { simulator.run(until: now + duration) }

    /// Runs until no event is left (or the simulator's event limit, when one is set, is reached).
    @discardableResult
    public func runUntilIdle() -> Simulator.RunOutcome { simulator.run() }

    /// Runs `action` at virtual time `time`, as one event of the simulation (a driver's action on a schedule).
    /// Actions at the same time run in the order they were added.
    public func at(_ time: SimTime, _ action: @escaping () -> Void) {
        let script = self.script ?? Script(simulator: simulator)
        self.script = script
        script.add(at: time, action)
    }

    // MARK: The device

    /// Reads a register as a driver does.
    public func read(_ register: NICRegister) -> UInt32 { device.readRegister(register) }

    /// Writes a register as a driver does.
    public func write(_ register: NICRegister, _ value: UInt32) { device.writeRegister(register, value) }

    /// Hands the device a frame from the wire (its last bit arrives now). False when the frame does not fit one of
    /// the simulator's frame slots, and then nothing is delivered.
    @discardableResult
    public func deliver(_ bytes: [UInt8]) -> Bool {
        let frames = simulator.frames
        guard !bytes.isEmpty, bytes.count <= frames.slotCapacity else { return false }
        let frame = frames.allocate()
        guard frames.append(bytes, from: 0, count: bytes.count, to: frame) else {
            frames.release(frame)
            return false
        }
        device.accept(frame, simulator: simulator)
        return true
    }

    // MARK: Host memory

    /// `bytes` of physically contiguous memory; with an IOMMU, also mapped for the device at the same address (an
    /// identity mapping written into the IOMMU directly, for a test that is the driver; it stays far below the IOVAs
    /// ``mapper`` hands out, which start under 4 GiB and grow down).
    public func allocate(bytes: Int) throws(MemoryFault) -> PhysicalAddress {
        let address = try memory.allocateContiguous(bytes: bytes)
        try iommu?.map(iova: IOVirtualAddress(rawValue: address.rawValue), physical: address, length: bytes,
                       writable: true)
        return address
    }

    /// `count` bytes of memory at `address`, as the device left them.
    public func readMemory(_ address: PhysicalAddress, count: Int) throws(MemoryFault) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try memory.read(address, count: count, into: &bytes, at: 0)
        return bytes
    }

    /// Writes `bytes` at `address`, as a driver writes descriptors and buffers.
    public func writeMemory(_ bytes: [UInt8], at address: PhysicalAddress) throws(MemoryFault) {
        try memory.write(address, from: bytes, at: 0, count: bytes.count)
    }

    // MARK: Plugging a driver

    /// Builds a driver with `make` from the rig's device, memory and IOMMU, and an OS (`Host`) around it that hears
    /// the interrupt line. The OS's name is `server`; its addresses are ``EmbeddedHost/mac`` and ``EmbeddedHost/ip``.
    public func plug<D: NetworkDriver>(
        configuration: DriverConfiguration = DriverConfiguration(), maxFrameBytes: Int? = nil,
        hostConfiguration: HostConfiguration = HostConfiguration(), _ make: (DriverContext) throws -> D
    ) throws -> EmbeddedHost<D> {
        let context = DriverContext(machine: "server", device: device, memory: memory, iommu: iommu, mapper: mapper,
                                    configuration: configuration,
                                    maxFrameBytes: maxFrameBytes ?? device.configuration.maxFrameBytes,
                                    kind: .reference, napi: NAPISpec(), simulator: simulator)
        let driver = try make(context)
        let host = Host(simulator: simulator, name: "server", mac: EmbeddedHost<D>.mac, ip: EmbeddedHost<D>.ip,
                        memory: memory, driver: driver, configuration: hostConfiguration)
        interrupts.handler = host
        return EmbeddedHost(rig: self, driver: driver, host: host)
    }

    /// Plugs the driver a scenario's `driver.kind` names (`World.defaultDriverFactory(_:)`).
    public func plug(
        _ kind: DriverKind, configuration: DriverConfiguration = DriverConfiguration(), napi: NAPISpec = NAPISpec(),
        hostConfiguration: HostConfiguration = HostConfiguration()
    ) throws -> EmbeddedHost<any NetworkDriver> {
        let context = DriverContext(machine: "server", device: device, memory: memory, iommu: iommu, mapper: mapper,
                                    configuration: configuration, maxFrameBytes: device.configuration.maxFrameBytes,
                                    kind: kind, napi: napi, simulator: simulator)
        let driver = try World.defaultDriverFactory(context)
        let host = Host(simulator: simulator, name: "server", mac: EmbeddedHost<any NetworkDriver>.mac,
                        ip: EmbeddedHost<any NetworkDriver>.ip, memory: memory, driver: driver,
                        configuration: hostConfiguration)
        interrupts.handler = host
        return EmbeddedHost(rig: self, driver: driver, host: host)
    }

    // MARK: What the rig sees

    /// The far end of the device's wire: keeps each frame's last-bit time and bytes, then releases the frame.
    public final class Wire: FrameSink {
        /// One frame as it left the device.
        public struct Arrival: Equatable, Sendable {
            /// When the frame's last bit left the device.
            public var time: SimTime
            /// The frame's bytes (without the FCS); empty when ``Wire/keepsBytes`` is off.
            public var bytes: [UInt8]
            /// The frame's length in bytes (without the FCS).
            public var length: Int
        }

        /// Every frame in wire order.
        public private(set) var arrivals: [Arrival] = []
        /// Keep each frame's bytes (on by default; a long run that needs only lengths and times turns it off).
        public var keepsBytes = true

        init() {}

        public func accept(_ frame: FrameHandle, simulator: Simulator) {
            let length = simulator.frames.length(of: frame)
            arrivals.append(Arrival(time: simulator.now, bytes: keepsBytes ? simulator.frames.contents(of: frame) : [],
                                    length: length))
            simulator.frames.release(frame)
        }

        /// The frames' bytes in wire order.
        public var frames: [[UInt8]] { arrivals.map(\.bytes) }
        /// The frames' last-bit times in wire order.
        public var times: [SimTime] { arrivals.map(\.time) }
        /// Forgets the frames seen so far.
        public func removeAll() { arrivals.removeAll() }

        /// The UDP payloads (after any RTP header when `rtpHeader`) of the frames sent to `ip`:`port`, joined in
        /// wire order.
        public func payload(to ip: IPv4Address, port: UInt16, rtpHeader: Bool = false) -> [UInt8] {
            var out: [UInt8] = []
            for bytes in frames {
                guard let datagram = UDPDatagramView(parsing: bytes, at: 0, length: bytes.count),
                      datagram.ip.destination == ip, datagram.udp.destinationPort == port else { continue }
                let start = datagram.payloadOffset + (rtpHeader ? 12 : 0)
                let end = datagram.payloadOffset + datagram.payloadLength
                guard start <= end else { continue }
                out += bytes[start..<end]
            }
            return out
        }
    }

    /// The device's interrupt line: records every interrupt message (time and vector) and passes it on to the
    /// OS once a driver is plugged.
    public final class InterruptLine: InterruptSink {
        /// One interrupt message.
        public struct Message: Equatable, Sendable {
            public var time: SimTime
            public var vector: Int
        }

        let simulator: Simulator
        /// Every message in the order the device sent them.
        public private(set) var messages: [Message] = []
        /// Who hears the line: the plugged OS, or nobody.
        public var handler: (any InterruptSink)?
        /// Runs inside each message, before ``handler`` (a test driver that touches the device from its handler).
        public var onInterrupt: (() -> Void)?

        init(simulator: Simulator) { self.simulator = simulator }

        public func interruptRaised(vector: Int) {
            messages.append(Message(time: simulator.now, vector: vector))
            onInterrupt?()
            handler?.interruptRaised(vector: vector)
        }

        /// Messages so far.
        public var count: Int { messages.count }
        /// Their times.
        public var times: [SimTime] { messages.map(\.time) }
        /// Forgets the messages seen so far.
        public func removeAll() { messages.removeAll() }
    }

    /// Runs closures at chosen virtual times, one event each.
    final class Script: EventHandler {
        private var actions: [() -> Void] = []
        private var id = ComponentID(rawValue: 0)
        let simulator: Simulator

        init(simulator: Simulator) {
            self.simulator = simulator
            id = simulator.register(self, name: "script")
        }

        func add(at time: SimTime, _ action: @escaping () -> Void) {
            actions.append(action)
            simulator.schedule(ScriptEvent.run(action: actions.count - 1), at: time, for: id)
        }

        func handle(_ event: Event, simulator: Simulator) {
            guard case .run(let index) = ScriptEvent(decoding: event), actions.indices.contains(index) else { return }
            actions[index]()
        }
    }
}

/// A driver plugged onto an ``EmbeddedNIC``, and the OS around it: one process with one socket, bound to port 5004.
public final class EmbeddedHost<D> {
    /// The OS's addresses.
    public static var mac: MACAddress { MACAddress(0x02, 0, 0, 0, 0, 1) }
    public static var ip: IPv4Address { IPv4Address(192, 0, 2, 1) }

    /// The rig the driver is plugged onto.
    public let rig: EmbeddedNIC
    /// The driver, as its own type.
    public let driver: D
    /// The OS: it calls the driver, prices its receipts and hears the interrupt line.
    public let host: Host
    /// An application process and its socket.
    public let process: HostOS.Process
    public let socket: Socket

    init(rig: EmbeddedNIC, driver: D, host: Host) {
        self.rig = rig
        self.driver = driver
        self.host = host
        process = host.createProcess(name: "app")
        socket = host.openSocket(process: process, port: 5004)
    }

    /// Receiver `i`: 192.0.2.(10 + i), port 6000 + i, with a static neighbour entry (MAC 02:00:00:00:01:i).
    public func receiver(_ i: Int) -> SocketAddress {
        let ip = IPv4Address(192, 0, 2, UInt8(truncatingIfNeeded: 10 + i))
        host.addNeighbor(ip, mac: MACAddress(0x02, 0, 0, 0, 1, UInt8(truncatingIfNeeded: i)))
        return SocketAddress(ip: ip, port: UInt16(truncatingIfNeeded: 6000 + i))
    }

    /// A buffer of `count` bytes in the application's memory, starting `100 × tag` bytes into a page, filled with a
    /// pattern that differs with `tag`; returns its address and the bytes.
    public func buffer(_ count: Int, tag: Int) throws -> (VirtualAddress, [UInt8]) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ tag &* 131 &+ ($0 >> 8)) }
        let address = try process.addressSpace.allocate(bytes: count, startOffset: 100 * tag % 4096)
        try process.addressSpace.write(address, from: bytes, at: 0, count: count)
        return (address, bytes)
    }

    /// One write call through the socket: an entry per (destination, address, length).
    @discardableResult
    public func write(_ entries: [(SocketAddress, VirtualAddress, Int)]) throws(HostError) -> WriteID {
        try host.write(socket: socket, entries: entries.map {
            WriteVectorEntry(destination: $0.0, address: $0.1, length: $0.2)
        })
    }
}

/// What an ``EmbeddedNIC``'s script schedules for itself.
enum ScriptEvent {
    /// Run the script's action number `action`.
    case run(action: Int)
}
