import SimCore
import Testing

@testable import HostMemory

/// An injected IOTLB miss storm (`IOMMU.missesEveryTranslation`): every translation misses and walks, the data is
/// untouched, and the IOTLB is warm again afterwards.
@Suite("IOMMU miss storm")
struct IOMMUMissStormTests {
    @Test("while storming every access misses and costs the miss latency; the bytes are the same")
    func everyTranslationMisses() throws {
        let (memory, iommu, dma, frames) = try IOMMUTests.world(pages: 4)
        for (k, frame) in frames.enumerated() { try memory.writeUInt8(frame, UInt8(40 + k)) }
        var calm: [UInt8] = []
        for page in 0..<4 { calm.append(try dma.readUInt8(IOMMUTests.device(UInt64(page)))) }
        #expect(iommu.counters.misses == 4)
        _ = dma.takeAddedLatency()

        iommu.missesEveryTranslation = true
        var stormy: [UInt8] = []
        for _ in 0..<3 {
            for page in 0..<4 { stormy.append(try dma.readUInt8(IOMMUTests.device(UInt64(page)))) }
        }
        let storm = iommu.counters
        #expect(stormy == calm + calm + calm)
        #expect(storm.misses == 4 + 12)
        #expect(storm.hits == 0)
        #expect(storm.forcedMisses == 12)
        let latency = dma.takeAddedLatency()
        let expected = iommu.configuration.missLatency * 12
        #expect(latency == expected)

        iommu.missesEveryTranslation = false
        for page in 0..<4 { _ = try dma.readUInt8(IOMMUTests.device(UInt64(page))) }
        let after = iommu.counters
        #expect(after.hits == 4)
        #expect(after.misses == 16)
        #expect(iommu.iotlbOccupancy == 4)
    }

    @Test("a global invalidation empties the IOTLB: the next access of each page misses once")
    func flushThenMissOnce() throws {
        let (_, iommu, dma, _) = try IOMMUTests.world(pages: 3)
        for page in 0..<3 { _ = try dma.readUInt8(IOMMUTests.device(UInt64(page))) }
        #expect(iommu.invalidateAll() == 3)
        for _ in 0..<2 {
            for page in 0..<3 { _ = try dma.readUInt8(IOMMUTests.device(UInt64(page))) }
        }
        let c = iommu.counters
        #expect(c.misses == 6)
        #expect(c.hits == 3)
        #expect(c.invalidations == 1)
        #expect(c.forcedMisses == 0)
    }
}
