import HostMemory
import HostOS
import NICDriver
import NICModel
import NetworkModel
import SimCore
import WireFormats

/// One emulated machine: physical memory, an optional IOMMU, the NIC, the reference driver and the OS, with
/// the link that connects its NIC to a switch port.
public final class EmulatedHost {
    public let host: Host
    public let nic: NIC
    public let driver: Driver
    public let memory: PhysicalMemory
    public let dma: DMAEngine
    /// The link from the NIC (side A) to the switch (side B).
    public let link: Link

    /// Builds the machine `server` describes and cables its NIC to `port` of `sw`.
    init(simulator: Simulator, server: ServerSpec, seed: UInt64, switch sw: EthernetSwitch, port: Int)
        throws(WorldError)
    {
        let maxFrame = server.mtu + EthernetHeader.size
        let memory = PhysicalMemory(size: server.memoryBytes, seed: seed ^ stableHash(server.name))
        self.memory = memory
        let nicSpec = server.nic
        let iommu = nicSpec.iommu.map { spec in
            IOMMU(configuration: IOMMU.Configuration(iotlbEntries: spec.iotlbEntries, replacement: spec.fifo ? .fifo : .lru,
                                                     missLatency: .picoseconds(spec.missLatency)))
        }
        let dma = DMAEngine(memory: memory, iommu: iommu)
        self.dma = dma
        let nic = NIC(simulator: simulator, name: "\(server.name).nic",
                      configuration: NICConfiguration(lineRate: server.link.rate, maxFrameBytes: maxFrame,
                                                      dmaReadLatency: .picoseconds(nicSpec.dmaLatency),
                                                      dmaBytesPerSecond: max(1, nicSpec.dmaBitsPerSecond / 8),
                                                      txPacketBufferBytes: nicSpec.packetBufferBytes),
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
        do {
            self.driver = try Driver(device: nic, memory: memory, configuration: driverConfiguration,
                                     maxFrameBytes: maxFrame, iommu: iommu)
        } catch {
            throw WorldError(key: "",
                             message: "\(server.name): memory too small for the driver's rings: \(error)")
        }
        driver.traceSimulator = simulator
        driver.traceName = "\(server.name).driver"
        let host = Host(simulator: simulator, name: server.name, mac: server.mac, ip: server.ip, memory: memory,
                        driver: driver, configuration: HostConfiguration(cores: server.cores, clockHz: server.clockHz))
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
