import SimCore
import Testing

@testable import HostMemory

/// Host-cache hints (``HostCache``) must be invisible to the model: no counters, no IOTLB state, no frames backed,
/// no faults, whatever address a driver wrote.
@Suite("Host-cache hints")
struct HostCacheHintTests {
    @Test("a DMA prefetch changes no counter, IOTLB entry or backed frame, for good and bad addresses")
    func dmaPrefetchHasNoEffect() throws {
        let memory = PhysicalMemory(size: 1 << 22)
        let frames = try memory.allocateContiguous(bytes: 4 * Page.size)
        let iommu = IOMMU(configuration: IOMMU.Configuration(iotlbEntries: 2))
        try iommu.map(iova: IOVirtualAddress(rawValue: 0x10_0000), physical: frames, length: 4 * Page.size,
                      writable: true)
        let dma = DMAEngine(memory: memory, iommu: iommu)
        var bytes = [UInt8](repeating: 0, count: 64)
        try dma.read(PhysicalAddress(rawValue: 0x10_0000), count: 64, into: &bytes, at: 0)
        #expect(dma.takeAddedLatency() > .zero)  // that read missed the IOTLB
        let dmaBefore = dma.counters
        let iommuBefore = iommu.counters
        let backedBefore = memory.backedFrames
        let addresses: [UInt64] = [
            0x10_0000, 0x10_0FC0, 0x10_3000, 0x10_4000,  // mapped, crossing a page, last page, just past the mapping
            0, 0xDEAD_B000, (1 << 48) - 1, 1 << 48, UInt64.max, UInt64.max - 10,  // unmapped, at and past the limit
        ]
        for address in addresses {
            for count in [0, 1, 1472, 9000, Int(UInt16.max), Int.max, -1] {
                dma.prefetch(PhysicalAddress(rawValue: address), count: count)
                dma.prefetchTranslation(PhysicalAddress(rawValue: address))
            }
        }
        #expect(dma.counters == dmaBefore)
        #expect(dma.lastFault == nil)
        #expect(dma.addedLatency == .zero)
        #expect(iommu.counters == iommuBefore)
        #expect(iommu.iotlbOccupancy == 1)
        #expect(memory.backedFrames == backedBefore)
        // The IOTLB's order is untouched: a prefetch of another page did not make it newest.
        #expect(iommu.iotlb.pagesByRecency == [0x100])
    }

    @Test("a physical prefetch skips frames never allocated or never written, and ranges past the end")
    func physicalPrefetchIsSafe() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let frame = try memory.allocateContiguous(bytes: Page.size)
        let dma = DMAEngine(memory: memory)
        let addresses: [UInt64] = [frame.rawValue, frame.rawValue + 4000, 0, (1 << 20) - 1, 1 << 20, UInt64.max]
        for address in addresses {
            for count in [0, 1, 100_000, Int.max, Int.min] {
                memory.prefetch(address, count: count)
                dma.prefetch(PhysicalAddress(rawValue: address), count: count)
            }
        }
        #expect(memory.backedFrames == 0)
        #expect(dma.counters == DMAEngine.Counters())
    }
}
