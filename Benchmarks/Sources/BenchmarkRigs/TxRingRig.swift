import HostMemory
import HostOS
import NICDriver
import NICModel
import SimCore
import WireFormats

/// The transmit side of one machine without its OS: the reference driver and the NIC over physical memory (with
/// an IOMMU when asked), the wire ending in a sink that counts and frees frames.
///
/// ``cycle()`` is one whole TX ring cycle: one write call through the driver (translation, descriptors in host
/// memory), the doorbell, the NIC's descriptor and payload DMA, checksum offload (and segmentation with
/// ``Segmentation/nic``), the MAC, status write-back, the interrupt and the driver's reclaim.
public final class TxRingRig: InterruptSink, FrameSink {
    public enum Segmentation: Sendable {
        /// One datagram per send, cut by the driver.
        case driver
        /// One large send per entry, cut into datagrams by the NIC (TSE).
        case nic
    }

    public let simulator: Simulator
    public let memory: PhysicalMemory
    public let dma: DMAEngine
    public let nic: NIC
    public let driver: Driver
    public let space: AddressSpace
    /// The entries every write sends.
    public private(set) var entries: [WriteEntry] = []
    /// Frames that reached the end of the wire.
    public private(set) var framesOut = 0
    var interruptPending = false

    /// - Parameters:
    ///   - destinations: Entries per write, one destination each.
    ///   - bytesPerEntry: Payload bytes per entry (1472 = one 1500-byte datagram).
    ///   - segmentation: Who cuts datagrams.
    ///   - iommu: Put an IOMMU (64-entry IOTLB) between NIC and memory.
    public init(destinations: Int = 8, bytesPerEntry: Int = 1472, segmentation: Segmentation = .driver,
                iommu: Bool = true) throws {
        simulator = Simulator(seed: 1)
        memory = PhysicalMemory(size: 256 << 20, seed: 1)
        let unit = iommu ? IOMMU(configuration: IOMMU.Configuration()) : nil
        dma = DMAEngine(memory: memory, iommu: unit)
        nic = NIC(simulator: simulator, name: "nic", configuration: NICConfiguration(), dma: dma)
        driver = try Driver(
            device: nic, memory: memory,
            configuration: DriverConfiguration(
                ringSize: 1024, path: .zeroCopy, order: .roundRobin, report: .lastOfWrite,
                segmentation: segmentation == .nic ? .nic : .driver, receiveRingSize: 0),
            maxFrameBytes: 1514, iommu: unit)
        space = AddressSpace(memory: memory, id: 0)
        nic.wire = self
        nic.interruptSink = self
        let source = MACAddress(0x02, 0, 0, 0, 0, 0x01)
        for d in 0..<destinations {
            let template = HeaderTemplate(
                sourceMAC: source, destinationMAC: MACAddress(0x02, 0, 0, 0, 0x01, UInt8(truncatingIfNeeded: d + 1)),
                sourceIP: IPv4Address(192, 0, 2, 1),
                destinationIP: IPv4Address(192, 0, 2, UInt8(truncatingIfNeeded: 11 + d)),
                sourcePort: 4000, destinationPort: 5000)
            let id = driver.addDestination(template)
            let buffer = try space.allocate(bytes: bytesPerEntry)
            let bytes = (0..<bytesPerEntry).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ d) }
            try space.write(buffer, from: bytes, at: 0, count: bytes.count)
            _ = try driver.register(space: space, address: buffer, length: bytesPerEntry)
            entries.append(WriteEntry(destination: id, address: buffer, length: bytesPerEntry))
        }
    }

    /// One write call and everything it causes, until the driver has reclaimed every descriptor.
    public func cycle() throws {
        _ = try driver.accept(space: space, entries: entries)
        driver.ringDoorbell()
        while true {
            simulator.run()
            guard interruptPending else { break }
            interruptPending = false
            if driver.handleInterrupt() { driver.ringDoorbell() }
        }
    }

    public func interruptRaised(vector: Int) { interruptPending = true }

    public func accept(_ frame: FrameHandle, simulator: Simulator) {
        framesOut += 1
        simulator.frames.release(frame)
    }
}
