import HostMemory
import HostOS
@testable import NAPIDriver
import NICModel
import SimCore
import Testing
import WireFormats

/// The NAPI driver maps what it hands the device for each send and unmaps it on completion, through the shared
/// `DMAMapper`; its receipts carry the work and the host prices it (cost model: map 300, unmap 300, strict
/// invalidation 2,000, deferred flush 2,000, translation hit 20 cycles).
@Suite("NAPI driver: the IOMMU's life cycle")
struct IOMMULifeCycleTests {
    /// One 1,000-byte datagram by copy: header and payload (42 + 1,000 bytes) in one slot buffer, inside one page:
    /// one page mapped for the send, one unmapped at completion, and in strict mode one invalidation:
    /// 300 + 300 + 2,000 = 2,600 translation cycles. Deferred: 600, and the unmap waits on the flush queue.
    @Test(arguments: [DMAMapper.Invalidation.strict, .deferred])
    func copySendIsMappedAndUnmapped(_ mode: DMAMapper.Invalidation) throws {
        let rig = try Rig(driver: DriverConfiguration(path: .copy, receiveRingSize: 0), iommu: true, invalidation: mode)
        let iommu = try #require(rig.iommu)
        let mapper = try #require(rig.mapper)
        let (address, bytes) = try rig.buffer(1_000, tag: 0)
        let to = rig.receiver(0)
        let mappedBefore = iommu.mappedPages
        let (workBefore, cyclesBefore) = (rig.host.driverWork, rig.host.cycles.translation)
        try rig.host.write(
            socket: rig.socket, entries: [WriteVectorEntry(destination: to, address: address, length: 1_000)])
        rig.run(until: .milliseconds(5))
        #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes)
        let work = rig.host.driverWork
        #expect(work.iommuMaps - workBefore.iommuMaps == 1)
        #expect(work.iommuUnmaps - workBefore.iommuUnmaps == 1)
        #expect(work.iotlbInvalidations - workBefore.iotlbInvalidations == (mode == .strict ? 1 : 0))
        #expect(work.iotlbFlushes == workBefore.iotlbFlushes)
        #expect(rig.host.cycles.translation - cyclesBefore == (mode == .strict ? 2_600 : 600))
        #expect(iommu.mappedPages == mappedBefore)
        #expect(mapper.queuedUnmaps == (mode == .strict ? 0 : 1))
        #expect(iommu.counters.faults == 0)
        // Deferred: the flush timer fires 10 ms after the unmap queued; nothing is queued after it.
        rig.run()
        #expect(mapper.queuedUnmaps == 0)
        #expect(mapper.totals.flushes == (mode == .strict ? 0 : 1))
    }

    /// A registered 8,192-byte buffer 100 bytes into its first page spans 3 pages: registration maps them once
    /// (one IOVA range, as dma_map_sg) and they stay mapped. Writing it by zero-copy takes ⌈8,192 / 1,472⌉ = 6
    /// sends; each maps only its header slot (1 page) and unmaps it at completion, the payload descriptors using
    /// the registered mapping: 6 maps, 6 unmaps, 6 strict invalidations and 6 translation hits,
    /// 6 × (300 + 300 + 2,000 + 20) = 15,720 translation cycles.
    @Test func registeredBufferStaysMapped() throws {
        let rig = try Rig(driver: DriverConfiguration(path: .zeroCopy, receiveRingSize: 0), iommu: true,
                          invalidation: .strict)
        let iommu = try #require(rig.iommu)
        let (address, bytes) = try rig.buffer(8_192, tag: 1)
        let beforeRegistration = (iommu.mappedPages, rig.host.driverWork.iommuMaps)
        try rig.host.registerBuffer(process: rig.process, address: address, length: 8_192)
        #expect(iommu.mappedPages - beforeRegistration.0 == 3)
        #expect(rig.host.driverWork.iommuMaps - beforeRegistration.1 == 3)
        let to = rig.receiver(0)
        let mappedBefore = iommu.mappedPages
        let (workBefore, cyclesBefore) = (rig.host.driverWork, rig.host.cycles.translation)
        try rig.host.write(
            socket: rig.socket, entries: [WriteVectorEntry(destination: to, address: address, length: 8_192)])
        rig.run()
        #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes)
        let work = rig.host.driverWork
        #expect(work.sends - workBefore.sends == 6)
        #expect(work.translationHits - workBefore.translationHits == 6)
        #expect(work.iommuMaps - workBefore.iommuMaps == 6)
        #expect(work.iommuUnmaps - workBefore.iommuUnmaps == 6)
        #expect(work.iotlbInvalidations - workBefore.iotlbInvalidations == 6)
        #expect(rig.host.cycles.translation - cyclesBefore == 15_720)
        #expect(iommu.mappedPages == mappedBefore)
        #expect(iommu.counters.faults == 0)
    }
}
