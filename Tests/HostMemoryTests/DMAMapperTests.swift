import SimCore
import Testing

@testable import HostMemory

@Suite("IOVA allocation and the DMA mapping life cycle")
struct DMAMapperTests {
    /// Memory, an IOMMU, a DMA engine through it and a mapper of the given mode.
    static func world(_ mode: DMAMapper.Invalidation, simulator: Simulator? = nil)
        -> (PhysicalMemory, IOMMU, DMAEngine, DMAMapper)
    {
        let memory = PhysicalMemory(size: 16 << 20, seed: 3)
        let iommu = IOMMU()
        return (memory, iommu, DMAEngine(memory: memory, iommu: iommu),
                DMAMapper(iommu: iommu, invalidation: mode, simulator: simulator))
    }

    /// A device read of one byte at `iova`: nil when it faults, else the fault-free byte.
    static func deviceRead(_ dma: DMAEngine, _ iova: IOVirtualAddress) -> MemoryFault.Code? {
        do throws(MemoryFault) {
            _ = try dma.readUInt8(PhysicalAddress(rawValue: iova.rawValue))
            return nil
        } catch {
            return error.code
        }
    }

    @Test("IOVAs come top down below 4 GiB, size aligned, and freed ranges are taken again")
    func allocationOrderAndReuse() throws {
        var a = IOVAAllocator()
        // Fresh: the free gap is pages [1, 0xFFFFF); one page goes at its top.
        #expect(a.allocate(bytes: 1) == IOVirtualAddress(rawValue: 0xFFFF_F000))
        // Two pages, aligned to 2: (0xFFFFF − 2) & ~1 = 0xFFFFC, leaving page 0xFFFFE free above it.
        #expect(a.allocate(bytes: 4097) == IOVirtualAddress(rawValue: 0xFFFF_C000))
        // One page: the highest gap that fits is the alignment hole at 0xFFFFE.
        #expect(a.allocate(bytes: 4096) == IOVirtualAddress(rawValue: 0xFFFF_E000))
        // Three pages, aligned to 4: (0xFFFFC − 3) & ~3 = 0xFFFF8; page 0xFFFFB stays free.
        #expect(a.allocate(bytes: 3 * 4096) == IOVirtualAddress(rawValue: 0xFFFF_8000))
        #expect(a.allocatedPages == 7)
        #expect(a.freeRanges == [0x1000..<0xFFFF_8000, 0xFFFF_B000..<0xFFFF_C000])
        // Freed at the top: the next page is the same one again.
        let freed1 = a.free(IOVirtualAddress(rawValue: 0xFFFF_F000), bytes: 1)
        #expect(freed1)
        #expect(a.allocate(bytes: 100) == IOVirtualAddress(rawValue: 0xFFFF_F000))
        // Freeing the two pages merges them with the hole below: gap [0xFFFFB, 0xFFFFE); one page at its top.
        let freed2 = a.free(IOVirtualAddress(rawValue: 0xFFFF_C000), bytes: 8192)
        #expect(freed2)
        #expect(a.freeRanges == [0x1000..<0xFFFF_8000, 0xFFFF_B000..<0xFFFF_E000])
        #expect(a.allocate(bytes: 1) == IOVirtualAddress(rawValue: 0xFFFF_D000))
        #expect(a.allocatedPages == 6)
        // A range freed twice, misaligned or outside is refused and changes nothing.
        let freed3 = a.free(IOVirtualAddress(rawValue: 0xFFFF_C000), bytes: 4096)
        #expect(!freed3)
        let freed4 = a.free(IOVirtualAddress(rawValue: 0xFFFF_E800), bytes: 4096)
        #expect(!freed4)
        let freed5 = a.free(IOVirtualAddress(rawValue: 0), bytes: 4096)
        #expect(!freed5)
        let freed6 = a.free(IOVirtualAddress(rawValue: 0xFFFF_F000), bytes: 8192)
        #expect(!freed6)
        #expect(a.allocatedPages == 6)
        // Nothing fits a request larger than the space, and no byte count is not a request.
        #expect(a.allocate(bytes: 1 << 40) == nil)
        #expect(a.allocate(bytes: 0) == nil)
    }

    @Test("a mapping's device address is an IOVA, not the physical address, and keeps the in-page offset")
    func mapGivesIOVA() throws {
        let (memory, iommu, dma, mapper) = Self.world(.strict)
        let frame = try memory.allocateContiguous(bytes: 2 * Page.size)
        try memory.writeUInt8(frame.advanced(by: 0x1010), 0xA5)
        // 0x10 bytes into the second frame, 8 bytes: one page, at the top of the IOVA space.
        let iova = try mapper.map(frame.advanced(by: 0x1010), length: 8, writable: false)
        #expect(iova == IOVirtualAddress(rawValue: 0xFFFF_F010))
        #expect(iova.rawValue != frame.advanced(by: 0x1010).rawValue)
        #expect(try dma.readUInt8(PhysicalAddress(rawValue: iova.rawValue)) == 0xA5)
        #expect(iommu.mappedPages == 1)
        #expect(mapper.takeWork() == DMAMapper.Work(pagesMapped: 1))
        #expect(mapper.takeWork() == DMAMapper.Work())
        // A read-only mapping refuses device writes.
        #expect(throws: MemoryFault.self) { try dma.writeUInt8(PhysicalAddress(rawValue: iova.rawValue), 1) }
    }

    @Test("strict: an unmap invalidates at once, a stale DMA faults, and the IOVA is free again")
    func strictUnmapInvalidates() throws {
        let (memory, iommu, dma, mapper) = Self.world(.strict)
        let frame = try memory.allocateFrame()
        let iova = try mapper.map(frame, length: 1514, writable: false)
        #expect(Self.deviceRead(dma, iova) == nil)  // the walk fills the IOTLB
        #expect(iommu.iotlbOccupancy == 1)
        try mapper.unmap(iova, length: 1514)
        #expect(iommu.iotlbOccupancy == 0)
        #expect(Self.deviceRead(dma, iova) == .iommuUnmapped)
        #expect(mapper.takeWork() == DMAMapper.Work(pagesMapped: 1, pagesUnmapped: 1, invalidations: 1))
        #expect(mapper.queuedUnmaps == 0)
        // Reused: the next mapping gets the same IOVA.
        #expect(try mapper.map(frame, length: 64, writable: false) == iova)
    }

    @Test("deferred: the stale translation works until the flush at 256 queued unmaps; the IOVA waits too")
    func deferredFlushesAt256() throws {
        let (memory, iommu, dma, mapper) = Self.world(.deferred)
        let frame = try memory.allocateFrame()
        let first = try mapper.map(frame, length: 1514, writable: false)
        #expect(Self.deviceRead(dma, first) == nil)
        try mapper.unmap(first, length: 1514)
        // The page table entry is gone, the IOTLB entry is not: the device still reaches the page.
        #expect(iommu.mappedPages == 0)
        #expect(Self.deviceRead(dma, first) == nil)
        #expect(mapper.queuedUnmaps == 1)
        // The IOVA is not reused before the flush: 254 more map/unmap pairs take pages 0xFFFFE down to 0xFFF01.
        var last = first
        for _ in 0..<254 {
            last = try mapper.map(frame, length: 64, writable: false)
            try mapper.unmap(last, length: 64)
        }
        #expect(last == IOVirtualAddress(rawValue: 0xFFF0_1000))
        #expect(mapper.queuedUnmaps == 255)
        #expect(mapper.totals.flushes == 0)
        #expect(Self.deviceRead(dma, first) == nil)
        // The 256th queued unmap flushes: one global invalidation, every queued IOVA free.
        let final = try mapper.map(frame, length: 64, writable: false)
        #expect(final == IOVirtualAddress(rawValue: 0xFFF0_0000))
        try mapper.unmap(final, length: 64)
        #expect(mapper.queuedUnmaps == 0)
        #expect(Self.deviceRead(dma, first) == .iommuUnmapped)
        #expect(mapper.takeWork() == DMAMapper.Work(pagesMapped: 256, pagesUnmapped: 256, invalidations: 0, flushes: 1))
        #expect(iommu.counters.invalidations == 1)
        #expect(mapper.allocator.allocatedPages == 0)
        #expect(try mapper.map(frame, length: 64, writable: false) == first)
    }

    /// Receives the stop event of ``deferredFlushesAfterTenMilliseconds()``.
    final class Probe: EventHandler {
        var seen: [(SimTime, Int)] = []
        let mapper: DMAMapper
        init(_ mapper: DMAMapper) { self.mapper = mapper }
        func handle(_ event: Event, simulator: Simulator) { seen.append((simulator.now, mapper.queuedUnmaps)) }
    }

    @Test("deferred: 10 ms after the first queued unmap the timer flushes, and the work waits for the next take")
    func deferredFlushesAfterTenMilliseconds() throws {
        let simulator = Simulator(seed: 1)
        let (memory, _, dma, mapper) = Self.world(.deferred, simulator: simulator)
        let probe = Probe(mapper)
        let id = simulator.register(probe, name: "probe")
        let frame = try memory.allocateFrame()
        let iova = try mapper.map(frame, length: 100, writable: false)
        #expect(Self.deviceRead(dma, iova) == nil)
        try mapper.unmap(iova, length: 100)
        #expect(mapper.isTimerArmed)
        // Looks 1 ps before and at 10 ms: queued until the timer fires at 10 ms (it was scheduled first).
        simulator.schedule(at: .picoseconds(10_000_000_000 - 1), target: id, kind: 0)
        simulator.schedule(at: .milliseconds(10), target: id, kind: 0)
        _ = simulator.run()
        #expect(probe.seen.map { $0.0 } == [.picoseconds(9_999_999_999), .milliseconds(10)])
        #expect(probe.seen.map { $0.1 } == [1, 0])
        #expect(!mapper.isTimerArmed)
        #expect(Self.deviceRead(dma, iova) == .iommuUnmapped)
        #expect(mapper.takeWork() == DMAMapper.Work(pagesMapped: 1, pagesUnmapped: 1, flushes: 1))
        simulator.tearDown()
    }

    @Test("a scattered mapping is one IOVA range over its pages, stays mapped and is found by physical address")
    func scatteredStaysMapped() throws {
        let (memory, iommu, dma, mapper) = Self.world(.strict)
        let a = try memory.allocateFrame()
        let b = try memory.allocateFrame()
        try memory.writeUInt8(b.advanced(by: 5), 0x5A)
        // 0x100 bytes from 0xF00 into frame a, then 6 bytes of frame b: two pages, IOVA-contiguous.
        let pieces = [
            PhysicalRange(address: a.advanced(by: 0xF00), length: 0x100), PhysicalRange(address: b, length: 6),
        ]
        let iova = try mapper.mapScattered(pieces, writable: false)
        #expect(iova == IOVirtualAddress(rawValue: 0xFFFF_EF00))
        #expect(try dma.readUInt8(PhysicalAddress(rawValue: iova.rawValue + 0x105)) == 0x5A)
        #expect(mapper.persistentAddress(of: b.advanced(by: 5)) == IOVirtualAddress(rawValue: 0xFFFF_F005))
        #expect(mapper.persistentAddress(of: try memory.allocateFrame()) == nil)
        #expect(iommu.mappedPages == 2)
        #expect(mapper.takeWork() == DMAMapper.Work(pagesMapped: 2))
        // A piece in the middle that does not start a page is refused, nothing mapped.
        #expect(throws: MemoryFault.self) {
            _ = try mapper.mapScattered(
                [PhysicalRange(address: a, length: 8), PhysicalRange(address: b.advanced(by: 8), length: 8)],
                writable: false)
        }
        #expect(iommu.mappedPages == 2)
    }
}
