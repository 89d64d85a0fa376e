import HostMemory
import HostOS
import NAPIDriver
import NICModel
import SimCore
import Testing
import WireFormats

/// The wire's far end: keeps every frame's last-bit time and bytes.
final class FrameSinkRecorder: FrameSink {
    struct Arrival {
        var time: SimTime
        var bytes: [UInt8]
    }
    private(set) var arrivals: [Arrival] = []

    func accept(_ frame: FrameHandle, simulator: Simulator) {
        arrivals.append(Arrival(time: simulator.now, bytes: simulator.frames.contents(of: frame)))
        simulator.frames.release(frame)
    }

    /// UDP payloads sent to `ip`:`port`, in wire order, joined.
    func payload(to ip: IPv4Address, port: UInt16) -> [UInt8] {
        var out: [UInt8] = []
        for a in arrivals where a.bytes.count >= 42 {
            let b = a.bytes
            let dst = UInt32(b[30]) << 24 | UInt32(b[31]) << 16 | UInt32(b[32]) << 8 | UInt32(b[33])
            let dport = UInt16(b[36]) << 8 | UInt16(b[37])
            guard dst == ip.rawValue && dport == port else { continue }
            let udpLength = Int(UInt16(b[38]) << 8 | UInt16(b[39]))
            let header = b[23] == 17 && udpLength >= 8 ? 42 : 0
            // With an RTP socket the 12-byte RTP header follows UDP; the tests that use RTP say so.
            out += b[header..<(34 + udpLength)]
        }
        return out
    }
}

/// Runs closures at chosen virtual times (a test's probe).
final class Probe: EventHandler {
    private var actions: [() -> Void] = []
    private var id = ComponentID(rawValue: 0)
    init(simulator: Simulator) { id = simulator.register(self, name: "probe") }
    func at(_ time: SimTime, on simulator: Simulator, _ action: @escaping () -> Void) {
        actions.append(action)
        simulator.schedule(at: time, target: id, kind: 1, a: UInt64(actions.count - 1))
    }
    func handle(_ event: Event, simulator: Simulator) { actions[Int(event.a)]() }
}

/// A NIC, its memory (and IOMMU), the NAPI driver and a Host, the NIC's wire ending in a recorder: the minimal
/// wiring `EmulatedHost` does, without links or a switch.
final class Rig {
    static let serverMAC = MACAddress(0x02, 0, 0, 0, 0, 1)
    static let serverIP = IPv4Address(192, 0, 2, 1)
    let simulator: Simulator
    let memory: PhysicalMemory
    let iommu: IOMMU?
    let mapper: DMAMapper?
    let dma: DMAEngine
    let nic: NIC
    let driver: NAPIDriver
    let host: Host
    let wire = FrameSinkRecorder()
    let process: HostOS.Process
    let socket: Socket

    init(driver configuration: DriverConfiguration = DriverConfiguration(receiveRingSize: 0),
         napi: NAPIConfiguration = NAPIConfiguration(), iommu: Bool = false,
         invalidation: DMAMapper.Invalidation = .deferred, seed: UInt64 = 1) throws {
        let simulator = Simulator(seed: seed, maxFrameBytes: 1536)
        self.simulator = simulator
        memory = PhysicalMemory(size: 256 << 20, seed: seed)
        self.iommu = iommu ? IOMMU() : nil
        dma = DMAEngine(memory: memory, iommu: self.iommu)
        nic = NIC(simulator: simulator, name: "nic", configuration: NICConfiguration(), dma: dma)
        let mapper = self.iommu.map { DMAMapper(iommu: $0, invalidation: invalidation, simulator: simulator) }
        self.mapper = mapper
        driver = try NAPIDriver(device: nic, memory: memory, configuration: configuration, napi: napi,
                                maxFrameBytes: 1514, mapper: mapper)
        host = Host(simulator: simulator, name: "server", mac: Rig.serverMAC, ip: Rig.serverIP, memory: memory,
                    driver: driver, configuration: HostConfiguration())
        nic.interruptSink = host
        nic.wire = wire
        process = host.createProcess(name: "app")
        socket = host.openSocket(process: process, port: 5004)
    }

    /// Receiver `i`: 192.0.2.(10 + i), port 6000 + i, with a static neighbour entry.
    func receiver(_ i: Int) -> SocketAddress {
        let ip = IPv4Address(192, 0, 2, UInt8(10 + i))
        host.addNeighbor(ip, mac: MACAddress(0x02, 0, 0, 0, 1, UInt8(i)))
        return SocketAddress(ip: ip, port: UInt16(6000 + i))
    }

    /// A buffer of `count` bytes in the application's memory, filled with a pattern tagged by `tag`.
    func buffer(_ count: Int, tag: Int) throws -> (VirtualAddress, [UInt8]) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ tag &* 131 &+ ($0 >> 8)) }
        let address = try process.addressSpace.allocate(bytes: count, startOffset: 100 * tag % 4096)
        try process.addressSpace.write(address, from: bytes, at: 0, count: count)
        return (address, bytes)
    }

    func figure(_ name: String) -> UInt64 {
        driver.statistics.extra.first { $0.name == name }?.value ?? .max
    }

    @discardableResult
    func run(until end: SimTime? = nil) -> Simulator.RunOutcome { simulator.run(until: end) }
}
