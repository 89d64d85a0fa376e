import HostMemory
import HostOS
import NAPIDriver
import NICModel
import NICSimTesting
import SimCore
import Testing
import WireFormats

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

/// The NAPI driver plugged onto NICSimTesting's embedded NIC rig, with the OS around it, under the names these tests
/// use.
final class Rig {
    static let serverMAC = EmbeddedHost<NAPIDriver>.mac
    static let serverIP = EmbeddedHost<NAPIDriver>.ip
    let bench: EmbeddedNIC
    let machine: EmbeddedHost<NAPIDriver>
    var simulator: Simulator { bench.simulator }
    var memory: PhysicalMemory { bench.memory }
    var iommu: IOMMU? { bench.iommu }
    var mapper: DMAMapper? { bench.mapper }
    var dma: DMAEngine { bench.dma }
    var nic: NIC { bench.device }
    var driver: NAPIDriver { machine.driver }
    var host: Host { machine.host }
    var wire: EmbeddedNIC.Wire { bench.wire }
    var process: HostOS.Process { machine.process }
    var socket: Socket { machine.socket }

    init(driver configuration: DriverConfiguration = DriverConfiguration(receiveRingSize: 0),
         napi: NAPIConfiguration = NAPIConfiguration(), iommu: Bool = false,
         invalidation: DMAMapper.Invalidation = .deferred, seed: UInt64 = 1) throws {
        bench = EmbeddedNIC(memoryBytes: 256 << 20, iommu: iommu ? IOMMU.Configuration() : nil,
                            invalidation: invalidation, seed: seed)
        machine = try bench.plug(configuration: configuration, maxFrameBytes: 1514) { c in
            try NAPIDriver(device: c.device, memory: c.memory, configuration: c.configuration, napi: napi,
                           maxFrameBytes: c.maxFrameBytes, iommu: c.iommu, mapper: c.mapper)
        }
    }

    /// Receiver `i`: 192.0.2.(10 + i), port 6000 + i, with a static neighbour entry.
    func receiver(_ i: Int) -> SocketAddress { machine.receiver(i) }

    /// A buffer of `count` bytes in the application's memory, filled with a pattern tagged by `tag`.
    func buffer(_ count: Int, tag: Int) throws -> (VirtualAddress, [UInt8]) { try machine.buffer(count, tag: tag) }

    func figure(_ name: String) -> UInt64 {
        driver.statistics.extra.first { $0.name == name }?.value ?? .max
    }

    @discardableResult
    func run(until end: SimTime? = nil) -> Simulator.RunOutcome { simulator.run(until: end) }
}
