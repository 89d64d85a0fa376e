import HostMemory
import HostOS
import NAPIDriver
import NICDriver
import NICModel
import NetworkModel
import ScenarioFormat
import SimCore
import WireFormats

/// What a machine's driver is built from: its device, memory and settings (``DriverFactory``).
public struct DriverContext {
    /// The machine's name (`server`, or a `host` receiver's name).
    public let machine: String
    /// The NIC's register space: all a driver may touch of the device.
    public let device: any RegisterSpace
    /// The machine's physical memory (rings, buffers, application pages).
    public let memory: PhysicalMemory
    /// The IOMMU between the device and memory, when the scenario has one: the driver maps what the device reaches.
    public let iommu: IOMMU?
    /// The DMA mapping API for ``iommu`` (IOVA allocator, strict or deferred invalidation with the flush timer on
    /// the run's clock), nil without an IOMMU: a driver maps through it.
    public let mapper: DMAMapper?
    /// The settings every driver honours.
    public let configuration: DriverConfiguration
    /// Largest Ethernet frame the NIC sends (MTU plus the Ethernet header), in bytes.
    public let maxFrameBytes: Int
    /// The driver the scenario names, and the NAPI-style driver's settings.
    public let kind: DriverKind
    public let napi: NAPISpec
    /// The run's simulator (for a driver's traces; a driver must not schedule events of its own).
    public let simulator: Simulator

    /// A context for a driver built outside a world (a test rig, a harness).
    public init(machine: String, device: any RegisterSpace, memory: PhysicalMemory, iommu: IOMMU?, mapper: DMAMapper?,
                configuration: DriverConfiguration, maxFrameBytes: Int, kind: DriverKind = .reference,
                napi: NAPISpec = NAPISpec(), simulator: Simulator) {
        self.machine = machine
        self.device = device
        self.memory = memory
        self.iommu = iommu
        self.mapper = mapper
        self.configuration = configuration
        self.maxFrameBytes = maxFrameBytes
        self.kind = kind
        self.napi = napi
        self.simulator = simulator
    }
}

/// Builds a machine's driver. The scenario's `driver.kind` picks ``World/defaultDriverFactory(_:)``; a library user
/// brings a driver of their own through ``World/Options/driverFactory``.
public typealias DriverFactory = (DriverContext) throws -> any NetworkDriver

/// One emulated machine: physical memory, an optional IOMMU, the NIC, its driver and the OS, with the link that
/// connects its NIC to a switch port.
public final class EmulatedHost {
    public let host: Host
    public let nic: NIC
    /// The driver, reached as the OS reaches it.
    public let driver: any NetworkDriver
    public let memory: PhysicalMemory
    public let dma: DMAEngine
    /// The link from the NIC (side A) to the switch (side B).
    public let link: Link

    /// Builds the machine `server` describes and cables its NIC to `port` of `sw`.
    init(simulator: Simulator, server: ServerSpec, seed: UInt64, switch sw: EthernetSwitch, port: Int,
         driverFactory: DriverFactory? = nil) throws(WorldError)
    {
        let maxFrame = server.mtu + EthernetHeader.size
        let memory = PhysicalMemory(size: server.memoryBytes, seed: seed ^ stableHash(server.name))
        self.memory = memory
        let nicSpec = server.nic
        let iommu = nicSpec.iommu.map { spec in
            IOMMU(
                configuration: IOMMU.Configuration(
                    iotlbEntries: spec.iotlbEntries, replacement: spec.fifo ? .fifo : .lru,
                    missLatency: .picoseconds(spec.missLatency)))
        }
        let dma = DMAEngine(memory: memory, iommu: iommu)
        self.dma = dma
        let mapper = iommu.map { iommu in
            // The scenario's IOMMUInvalidation names the same two modes as HostMemory's.
            let mode = DMAMapper.Invalidation(rawValue: (nicSpec.iommu?.invalidation ?? .deferred).rawValue)
            return DMAMapper(iommu: iommu, invalidation: mode ?? .deferred, simulator: simulator,
                             name: "\(server.name).iommu.flush-queue")
        }
        let nic = NIC(simulator: simulator, name: "\(server.name).nic",
                      configuration: NICConfiguration(lineRate: server.link.rate, maxFrameBytes: maxFrame,
                                                      dmaReadLatency: .picoseconds(nicSpec.dmaLatency),
                                                      dmaBytesPerSecond: max(1, nicSpec.dmaBitsPerSecond / 8),
                                                      txPacketBufferBytes: nicSpec.packetBufferBytes,
                                                      stationAddress: server.mac,
                                                      clockOffsetNanoseconds: nicSpec.clockOffsetNanoseconds,
                                                      clockDriftPartsPerBillion: nicSpec.clockDriftPPB),
                      dma: dma)
        self.nic = nic
        var driverConfiguration = DriverConfiguration(
            ringSize: server.txRingSize, packetSize: server.packetSize,
            path: server.driverMode == .zeroCopy ? .zeroCopy : .copy,
            order: server.order == .interleaved ? .roundRobin : .destinationMajor,
            report: server.interrupts == .perPacket ? .everyPacket : .lastOfWrite,
            segmentation: nicSpec.segmentation == .nic ? .nic : .driver,
            moderation: ModerationRegisterValues(
                itr: registerUnits(nicSpec.interruptInterval, unit: 256_000),
                tidv: registerUnits(nicSpec.txDelay, unit: 1_024_000),
                tadv: registerUnits(nicSpec.txAbsoluteDelay, unit: 1_024_000),
                txft: UInt32(nicSpec.txFrames),
                rdtr: registerUnits(nicSpec.rxDelay, unit: 1_024_000),
                radv: registerUnits(nicSpec.rxAbsoluteDelay, unit: 1_024_000),
                rxft: UInt32(nicSpec.rxFrames)),
            receiveRingSize: nicSpec.rxRingSize)
        driverConfiguration.watchdogInterval = .picoseconds(server.watchdog)
        driverConfiguration.reportPacketSent = server.reportPacketSent
        let context = DriverContext(machine: server.name, device: nic, memory: memory, iommu: iommu, mapper: mapper,
                                    configuration: driverConfiguration, maxFrameBytes: maxFrame,
                                    kind: server.driverKind, napi: server.napi, simulator: simulator)
        do {
            self.driver = try (driverFactory ?? World.defaultDriverFactory)(context)
        } catch {
            throw WorldError(
                key: "",
                message: "\(server.name): the \(server.driverKind.rawValue) driver could not be built: \(error)")
        }
        let host = Host(simulator: simulator, name: server.name, mac: server.mac, ip: server.ip, memory: memory,
                        driver: driver, configuration: HostConfiguration(cores: server.cores, clockHz: server.clockHz))
        host.pollBudget = server.napi.budget
        self.host = host
        nic.interruptSink = host
        let link = Link(simulator: simulator, name: "link.\(server.name)", rateBitsPerSecond: server.link.rate,
                        propagationDelay: .picoseconds(server.link.delay))
        link.attach(a: nic, b: sw.ingress(port))
        nic.wire = link.endA
        sw.connectEgress(port, to: link.endB)
        sw.addEntry(server.mac.rawValue, port: port)
        self.link = link
    }
}

/// A duration in a register's units, rounded to the nearest unit (at least 1 when the duration is not 0).
func registerUnits(_ picoseconds: Int64, unit: Int64) -> UInt32 {
    guard picoseconds > 0 else { return 0 }
    return UInt32(clamping: max(1, (picoseconds + unit / 2) / unit))
}

extension World {
    /// Builds the driver a scenario's `driver.kind` names.
    public static func defaultDriverFactory(_ c: DriverContext) throws -> any NetworkDriver {
        switch c.kind {
        case .reference:
            let driver = try Driver(device: c.device, memory: c.memory, configuration: c.configuration,
                                    maxFrameBytes: c.maxFrameBytes, iommu: c.iommu, mapper: c.mapper)
            driver.traceSimulator = c.simulator
            driver.traceName = "\(c.machine).driver"
            driver.hostClock = c.simulator
            return driver
        case .napi:
            var napi = NAPIConfiguration()
            if c.napi.transmitQueues > 0 { napi.transmitQueues = c.napi.transmitQueues }
            napi.byteQueueLimits = c.napi.byteQueueLimit
            napi.headWriteBack = c.napi.headWriteBack
            napi.msix = c.napi.msix
            let driver = try NAPIDriver(device: c.device, memory: c.memory, configuration: c.configuration, napi: napi,
                                        maxFrameBytes: c.maxFrameBytes, iommu: c.iommu, mapper: c.mapper)
            driver.hostClock = c.simulator
            return driver
        }
    }
}
