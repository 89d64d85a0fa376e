import HostMemory
import HostOS
@testable import NICDriver
import NICModel
import NICSimTesting
import SimCore
import Testing
import WireFormats

/// The reference driver behind an IOMMU: IOVAs from the allocator, what each send hands the device mapped per send
/// and unmapped at completion, registered buffers mapped once; the host prices the receipts (cost model: map
/// 300, unmap 300, strict invalidation 2,000, translation hit 20 cycles).
@Suite("Reference driver: the IOMMU's life cycle")
struct DriverIOMMUTests {
    /// The reference driver plugged onto the embedded rig behind an IOMMU, its mapper built as the world builds it.
    final class Rig {
        let bench: EmbeddedNIC
        let machine: EmbeddedHost<Driver>
        let iommu: IOMMU
        let mapper: DMAMapper
        var nic: NIC { bench.device }
        var driver: Driver { machine.driver }
        var host: Host { machine.host }
        var wire: EmbeddedNIC.Wire { bench.wire }
        var process: HostOS.Process { machine.process }
        var socket: Socket { machine.socket }
        var simulator: Simulator { bench.simulator }
        let to: SocketAddress

        init(path: PayloadPath, invalidation: DMAMapper.Invalidation) throws {
            bench = EmbeddedNIC(iommu: IOMMU.Configuration(), invalidation: invalidation, seed: 9)
            iommu = try #require(bench.iommu)
            mapper = try #require(bench.mapper)
            machine = try bench.plug(configuration: DriverConfiguration(path: path, receiveRingSize: 0),
                                     maxFrameBytes: 1514) { c in
                try Driver(device: c.device, memory: c.memory, configuration: c.configuration,
                           maxFrameBytes: c.maxFrameBytes, iommu: c.iommu, mapper: c.mapper)
            }
            to = machine.receiver(0)
        }

        /// `count` bytes of the application's memory, `offset` bytes into a page, filled with a pattern.
        func buffer(_ count: Int, offset: Int) throws -> VirtualAddress {
            let address = try process.addressSpace.allocate(bytes: count, startOffset: offset)
            try process.addressSpace.write(address, from: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) },
                                           at: 0, count: count)
            return address
        }
    }

    /// The device sees IOVAs: the transmit ring's base register holds the top of the IOVA space below 4 GiB
    /// (1,024 descriptors × 16 bytes = 4 pages, aligned to 4: 0x1_0000_0000 − 0x4000), not the ring's physical
    /// address.
    @Test func ringBaseIsAnIOVA() throws {
        let rig = try Rig(path: .copy, invalidation: .strict)
        #expect(rig.driver.ringDevice == 0xFFFF_C000)
        #expect(rig.driver.ringDevice != rig.driver.ringBase.rawValue)
        #expect(rig.nic.readRegister(.tdbal) == 0xFFFF_C000)
    }

    /// One 1,000-byte datagram by copy: header and payload (42 + 1,000 bytes) in one bounce slot inside one page.
    /// Strict: 1 page mapped for the send, 1 unmapped at completion with 1 invalidation: 300 + 300 + 2,000 =
    /// 2,600 translation cycles. Deferred: 600, and the unmap is queued until the 10 ms timer flushes it.
    @Test(arguments: [DMAMapper.Invalidation.strict, .deferred])
    func copySendIsMappedAndUnmapped(_ mode: DMAMapper.Invalidation) throws {
        let rig = try Rig(path: .copy, invalidation: mode)
        let address = try rig.buffer(1_000, offset: 0)
        let mappedBefore = rig.iommu.mappedPages
        let (workBefore, cyclesBefore) = (rig.host.driverWork, rig.host.cycles.translation)
        try rig.host.write(
            socket: rig.socket, entries: [WriteVectorEntry(destination: rig.to, address: address, length: 1_000)])
        _ = rig.simulator.run(until: .milliseconds(5))
        #expect(rig.wire.frames.count == 1)
        let work = rig.host.driverWork
        #expect(work.iommuMaps - workBefore.iommuMaps == 1)
        #expect(work.iommuUnmaps - workBefore.iommuUnmaps == 1)
        #expect(work.iotlbInvalidations - workBefore.iotlbInvalidations == (mode == .strict ? 1 : 0))
        #expect(rig.host.cycles.translation - cyclesBefore == (mode == .strict ? 2_600 : 600))
        #expect(rig.iommu.mappedPages == mappedBefore)
        #expect(rig.mapper.queuedUnmaps == (mode == .strict ? 0 : 1))
        #expect(rig.iommu.counters.faults == 0)
        _ = rig.simulator.run()
        #expect(rig.mapper.queuedUnmaps == 0)
        #expect(rig.mapper.totals.flushes == (mode == .strict ? 0 : 1))
    }

    /// A registered 8,192-byte buffer 100 bytes into its first page: 3 pages mapped once, and kept. Zero-copy
    /// sends it in ⌈8,192 / 1,472⌉ = 6 datagrams; each maps only its header slot (1 page) and unmaps it at
    /// completion: 6 × (300 + 300 + 2,000 + 20) = 15,720 translation cycles in strict mode.
    @Test func registeredBufferStaysMapped() throws {
        let rig = try Rig(path: .zeroCopy, invalidation: .strict)
        let address = try rig.buffer(8_192, offset: 100)
        let pagesBefore = rig.iommu.mappedPages
        try rig.host.registerBuffer(process: rig.process, address: address, length: 8_192)
        #expect(rig.iommu.mappedPages - pagesBefore == 3)
        let mappedBefore = rig.iommu.mappedPages
        let (workBefore, cyclesBefore) = (rig.host.driverWork, rig.host.cycles.translation)
        try rig.host.write(
            socket: rig.socket, entries: [WriteVectorEntry(destination: rig.to, address: address, length: 8_192)])
        _ = rig.simulator.run()
        #expect(rig.wire.frames.count == 6)
        let work = rig.host.driverWork
        #expect(work.translationHits - workBefore.translationHits == 6)
        #expect(work.iommuMaps - workBefore.iommuMaps == 6)
        #expect(work.iommuUnmaps - workBefore.iommuUnmaps == 6)
        #expect(work.iotlbInvalidations - workBefore.iotlbInvalidations == 6)
        #expect(rig.host.cycles.translation - cyclesBefore == 15_720)
        #expect(rig.iommu.mappedPages == mappedBefore)
        #expect(rig.iommu.counters.faults == 0)
    }
}
