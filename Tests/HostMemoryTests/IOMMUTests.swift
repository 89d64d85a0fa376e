import SimCore
import Testing

@testable import HostMemory

@Suite("IOMMU")
struct IOMMUTests {
    /// The I/O virtual address `offset` bytes into IOVA page `page` of the test window at 1 MiB.
    static func iova(_ page: UInt64, _ offset: UInt64 = 0) -> IOVirtualAddress {
        IOVirtualAddress(rawValue: 0x10_0000 + page << 12 + offset)
    }

    /// The same address as the ``PhysicalAddress`` argument a ``DMAEngine`` with an IOMMU takes.
    static func device(_ page: UInt64, _ offset: UInt64 = 0) -> PhysicalAddress {
        PhysicalAddress(rawValue: iova(page, offset).rawValue)
    }

    /// Memory with `pages` scattered frames, mapped one page each to IOVA pages 0..<pages, and an engine using it.
    static func world(
        pages: Int, configuration: IOMMU.Configuration = .init(), writable: Bool = true
    ) throws -> (PhysicalMemory, IOMMU, DMAEngine, [PhysicalAddress]) {
        let memory = PhysicalMemory(size: 16 << 20, seed: 5)
        let iommu = IOMMU(configuration: configuration)
        var frames: [PhysicalAddress] = []
        for page in 0..<pages {
            let frame = try memory.allocateFrame()
            frames.append(frame)
            try iommu.map(iova: iova(UInt64(page)), physical: frame, length: Page.size, writable: writable)
        }
        return (memory, iommu, DMAEngine(memory: memory, iommu: iommu), frames)
    }

    // MARK: IOTLB replacement

    struct PatternCase: Sendable, CustomTestStringConvertible {
        var policy: IOMMU.ReplacementPolicy
        var outcomes: String
        var hits: UInt64
        var misses: UInt64
        var evictions: UInt64
        var newestFirst: [UInt64]
        var testDescription: String { policy.rawValue }
    }

    // Capacity 4, IOVA pages 0 1 2 3 0 4 0 1 ("h" hit, "m" miss).
    static let patternCases = [
        // LRU (cache listed most recent first):
        //   0 m [0] · 1 m [1 0] · 2 m [2 1 0] · 3 m [3 2 1 0] · 0 h [0 3 2 1]
        //   4 m, evicts 1, the least recently used [4 0 3 2] · 0 h [0 4 3 2] · 1 m, evicts 2 [1 0 4 3]
        //   → 2 hits, 6 misses, 2 evictions.
        PatternCase(policy: .lru, outcomes: "mmmmhmhm", hits: 2, misses: 6, evictions: 2, newestFirst: [1, 0, 4, 3]),
        // FIFO (cache listed newest fill first; hits change nothing):
        //   0 m [0] · 1 m [1 0] · 2 m [2 1 0] · 3 m [3 2 1 0] · 0 h [3 2 1 0]
        //   4 m, evicts 0, the oldest fill, although just used [4 3 2 1] · 0 m, evicts 1 [0 4 3 2]
        //   1 m, evicts 2 [1 0 4 3]
        //   → 1 hit, 7 misses, 3 evictions.
        PatternCase(policy: .fifo, outcomes: "mmmmhmmm", hits: 1, misses: 7, evictions: 3, newestFirst: [1, 0, 4, 3]),
    ]

    @Test("a known access pattern gives exact hits and misses", arguments: patternCases)
    func replacementPattern(case expected: PatternCase) throws {
        let (_, iommu, _, frames) = try Self.world(
            pages: 5, configuration: .init(iotlbEntries: 4, replacement: expected.policy))
        var outcomes = ""
        for page in [0, 1, 2, 3, 0, 4, 0, 1] as [UInt64] {
            let result = try iommu.translate(Self.iova(page, 0x123), access: .read)
            #expect(result.physical == frames[Int(page)].advanced(by: 0x123))
            #expect(result.latency == (result.isHit ? .zero : .nanoseconds(128)))
            outcomes.append(result.isHit ? "h" : "m")
        }
        #expect(outcomes == expected.outcomes)
        #expect(
            iommu.counters
                == IOMMU.Counters(
                    translations: 8, hits: expected.hits, misses: expected.misses, evictions: expected.evictions))
        #expect(iommu.iotlb.pagesByRecency.map { $0 - 0x100 } == expected.newestFirst)
        #expect(iommu.iotlbOccupancy == 4)
    }

    @Test("the same pattern through the DMA engine costs misses × miss latency", arguments: patternCases)
    func replacementPatternThroughDMA(case expected: PatternCase) throws {
        let (_, iommu, dma, _) = try Self.world(
            pages: 5, configuration: .init(iotlbEntries: 4, replacement: expected.policy))
        for page in [0, 1, 2, 3, 0, 4, 0, 1] as [UInt64] {
            _ = try dma.readUInt32LE(Self.device(page, 8))
        }
        #expect(iommu.counters.hits == expected.hits)
        #expect(iommu.counters.misses == expected.misses)
        #expect(dma.takeAddedLatency() == .nanoseconds(128) * Int64(expected.misses))
        #expect(dma.takeAddedLatency() == .zero)
    }

    @Test("an IOTLB of capacity 0 misses every time and caches nothing")
    func noIOTLB() throws {
        let (_, iommu, _, _) = try Self.world(pages: 1, configuration: .init(iotlbEntries: 0))
        for _ in 0..<3 { #expect(try !iommu.translate(Self.iova(0), access: .read).isHit) }
        #expect(iommu.counters == IOMMU.Counters(translations: 3, misses: 3))
        #expect(iommu.iotlbOccupancy == 0)
    }

    // MARK: Scattered transfers

    @Test("a transfer over 3 IOVA pages reaches 3 scattered frames")
    func scatteredTransfer() throws {
        let (memory, iommu, dma, frames) = try Self.world(pages: 3)
        // Page k of the IOVA window holds bytes k * 4096 ..< (k + 1) * 4096 of this pattern.
        let pattern = (0..<3 * Page.size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 12) }
        for (page, frame) in frames.enumerated() {
            try memory.write(frame, from: pattern, at: page * Page.size, count: Page.size)
        }
        // The frames really are scattered: the range needs three pieces.
        var pieces: [PhysicalRange] = []
        try iommu.translate(Self.iova(0), length: 3 * Page.size, access: .read, into: &pieces)
        #expect(pieces.count == 3)
        #expect(pieces.map(\.address) == frames)

        var bytes = [UInt8](repeating: 0, count: 9000)
        let count = 2 * Page.size + 500
        try dma.read(Self.device(0, 100), count: count, into: &bytes, at: 10)
        #expect(Array(bytes[10..<(10 + count)]) == Array(pattern[100..<(100 + count)]))
        #expect(bytes[0..<10].allSatisfy { $0 == 0 })

        // Write 4300 bytes from 4000 bytes into page 0: the end of page 0, all of page 1, the start of page 2.
        let source = (0..<4300).map { UInt8(truncatingIfNeeded: 255 - $0) }
        try dma.write(Self.device(0, 4000), from: source, at: 0, count: 4300)
        var back = [UInt8](repeating: 0, count: 4300)
        try memory.read(frames[0].advanced(by: 4000), count: 96, into: &back, at: 0)
        try memory.read(frames[1], count: 4096, into: &back, at: 96)
        try memory.read(frames[2], count: 108, into: &back, at: 4192)
        #expect(back == source)

        // 3 pages for the pieces, 3 for the read (misses), 3 for the write (hits).
        #expect(iommu.counters == IOMMU.Counters(translations: 9, hits: 6, misses: 3))
        #expect(dma.counters == DMAEngine.Counters(reads: 1, writes: 1, bytesRead: UInt64(count), bytesWritten: 4300))
    }

    @Test("integers split across two scattered frames are little-endian")
    func integersAcrossPages() throws {
        let (memory, _, dma, frames) = try Self.world(pages: 2)
        try dma.writeUInt64LE(Self.device(0, 4093), 0x0807_0605_0403_0201)
        #expect(try memory.readUInt8(frames[0].advanced(by: 4093)) == 0x01)
        #expect(try memory.readUInt8(frames[0].advanced(by: 4095)) == 0x03)
        #expect(try memory.readUInt8(frames[1]) == 0x04)
        #expect(try memory.readUInt8(frames[1].advanced(by: 4)) == 0x08)
        #expect(try dma.readUInt64LE(Self.device(0, 4093)) == 0x0807_0605_0403_0201)
        #expect(try dma.readUInt32LE(Self.device(0, 4094)) == 0x0504_0302)
        #expect(try dma.readUInt16LE(Self.device(0, 4095)) == 0x0403)
        #expect(try dma.readUInt8(Self.device(1)) == 0x04)
        try dma.writeUInt16LE(Self.device(0, 4095), 0xBBAA)
        #expect(try memory.readUInt8(frames[0].advanced(by: 4095)) == 0xAA)
        #expect(try memory.readUInt8(frames[1]) == 0xBB)
    }

    // MARK: Faults

    @Test("an unmapped IOVA faults, is counted, and leaves memory unchanged")
    func unmappedFault() throws {
        let (memory, iommu, dma, frames) = try Self.world(pages: 2)
        let source = [UInt8](repeating: 0xEE, count: 200)
        // Pages 1 (mapped) and 2 (not mapped): the fault names the first byte of page 2.
        #expect(throws: MemoryFault(code: .iommuUnmapped, address: Self.iova(2).rawValue, length: 200)) {
            try dma.write(Self.device(1, 4000), from: source, at: 0, count: 200)
        }
        #expect(try memory.readUInt8(frames[1].advanced(by: 4000)) == 0)
        #expect(iommu.counters == IOMMU.Counters(translations: 2, misses: 2, unmappedFaults: 1))
        #expect(dma.counters.faults == 1)
        #expect(dma.counters.writes == 0)
        #expect(dma.lastFault?.code == .iommuUnmapped)
        // A translation of an unmapped page still walked, so it still costs its miss.
        #expect(dma.takeAddedLatency() == .nanoseconds(256))

        #expect(throws: MemoryFault(code: .iommuUnmapped, address: 0x40, length: 4)) {
            try dma.readUInt32LE(PhysicalAddress(rawValue: 0x40))
        }
        // Beyond the 48-bit IOVA space: a range fault before any translation.
        #expect(throws: MemoryFault(code: .outOfRange, address: 1 << 48, length: 1)) {
            try dma.readUInt8(PhysicalAddress(rawValue: 1 << 48))
        }
        #expect(iommu.counters.unmappedFaults == 2)
        #expect(iommu.counters.translations == 3)
        #expect(dma.counters.faults == 3)
    }

    @Test("a write to a read-only mapping is a permission fault; reads still work")
    func permissionFault() throws {
        let (memory, iommu, dma, frames) = try Self.world(pages: 1, writable: false)
        try memory.writeUInt32LE(frames[0].advanced(by: 16), 0xCAFE_F00D)
        #expect(try dma.readUInt32LE(Self.device(0, 16)) == 0xCAFE_F00D)  // miss, fills the IOTLB
        #expect(throws: MemoryFault(code: .iommuPermission, address: Self.iova(0, 16).rawValue, length: 4)) {
            try dma.writeUInt32LE(Self.device(0, 16), 0)  // hit, then refused
        }
        iommu.invalidateAll()
        #expect(throws: MemoryFault(code: .iommuPermission, address: Self.iova(0).rawValue, length: 8)) {
            try dma.write(Self.device(0), from: [UInt8](repeating: 1, count: 8), at: 0, count: 8)  // miss, refused
        }
        #expect(try memory.readUInt32LE(frames[0].advanced(by: 16)) == 0xCAFE_F00D)
        #expect(try memory.readUInt8(frames[0]) == 0)
        #expect(
            iommu.counters
                == IOMMU.Counters(
                    translations: 3, hits: 1, misses: 2, permissionFaults: 2, invalidations: 1, invalidatedEntries: 1))
        #expect(iommu.counters.faults == 2)
        #expect(dma.counters.faults == 2)
    }

    @Test("a mapping to a frame nobody allocated faults in physical memory")
    func mappingToUnallocatedFrame() throws {
        let (_, iommu, dma, _) = try Self.world(pages: 1)
        try iommu.map(
            iova: Self.iova(1), physical: PhysicalAddress(rawValue: 0x5000), length: Page.size, writable: true)
        var bytes = [UInt8](repeating: 0, count: 64)
        #expect(throws: MemoryFault(code: .unmappedPhysical, address: 0x5000, length: 64)) {
            try dma.read(Self.device(0, 4064), count: 64, into: &bytes, at: 0)
        }
        #expect(bytes.allSatisfy { $0 == 0 })
    }

    // MARK: Invalidation

    @Test("invalidation forces the next translation to miss")
    func invalidateForcesMiss() throws {
        let (_, iommu, _, _) = try Self.world(pages: 3)
        #expect(try !iommu.translate(Self.iova(1), access: .read).isHit)
        #expect(try iommu.translate(Self.iova(1, 5), access: .read).isHit)
        #expect(try iommu.invalidate(iova: Self.iova(2), length: 100) == 0)  // page 2 not cached
        #expect(try iommu.invalidate(iova: Self.iova(0, 4095), length: 2) == 1)  // touches pages 0 and 1
        #expect(try !iommu.translate(Self.iova(1), access: .read).isHit)
        #expect(try iommu.translate(Self.iova(1), access: .read).isHit)
        _ = try iommu.translate(Self.iova(2), access: .read)
        #expect(iommu.invalidateAll() == 2)
        #expect(iommu.iotlbOccupancy == 0)
        #expect(try !iommu.translate(Self.iova(2), access: .read).isHit)
        #expect(
            iommu.counters
                == IOMMU.Counters(translations: 6, hits: 2, misses: 4, invalidations: 3, invalidatedEntries: 3))
        #expect(throws: MemoryFault(code: .badLength, address: Self.iova(0).rawValue, length: -1)) {
            try iommu.invalidate(iova: Self.iova(0), length: -1)
        }
        #expect(iommu.counters.invalidations == 3)
    }

    @Test("unmapping keeps a cached translation until it is invalidated, as hardware does")
    func staleUntilInvalidated() throws {
        let (_, iommu, _, frames) = try Self.world(pages: 1)
        _ = try iommu.translate(Self.iova(0), access: .read)
        #expect(try iommu.unmap(iova: Self.iova(0), length: 1) == 1)
        #expect(iommu.mappedPages == 0)
        #expect(try iommu.translate(Self.iova(0, 9), access: .write).physical == frames[0].advanced(by: 9))
        try iommu.invalidate(iova: Self.iova(0), length: Page.size)
        #expect(throws: MemoryFault(code: .iommuUnmapped, address: Self.iova(0, 9).rawValue, length: 1)) {
            try iommu.translate(Self.iova(0, 9), access: .read)
        }
    }

    // MARK: Latency

    @Test("added latency is misses × miss latency, faults included, and taking it resets it")
    func latencyAccounting() throws {
        let (_, iommu, dma, _) = try Self.world(
            pages: 4, configuration: .init(iotlbEntries: 2, missLatency: .nanoseconds(50)))
        var bytes = [UInt8](repeating: 0, count: 3 * Page.size)
        try dma.read(Self.device(0), count: 3 * Page.size, into: &bytes, at: 0)  // 3 misses
        #expect(dma.addedLatency == .nanoseconds(150))
        _ = try dma.readUInt8(Self.device(2))  // hit
        try dma.writeUInt8(Self.device(0), 1)  // miss (page 0 was evicted)
        #expect(throws: MemoryFault.self) { try dma.readUInt8(Self.device(9)) }  // miss, fault
        #expect(iommu.counters.misses == 5)
        #expect(dma.takeAddedLatency() == .nanoseconds(250))
        #expect(dma.addedLatency == .zero)
        #expect(IOMMU.Configuration().missLatency == .nanoseconds(128))
    }

    @Test("an engine without an IOMMU adds no latency and reaches physical memory directly")
    func noIOMMU() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let ring = try memory.allocateContiguous(bytes: 4096)
        let dma = DMAEngine(memory: memory)
        #expect(dma.iommu == nil)
        try dma.writeUInt32LE(ring, 0x1234_5678)
        #expect(try memory.readUInt32LE(ring) == 0x1234_5678)
        #expect(dma.takeAddedLatency() == .zero)
    }

    // MARK: Page table

    @Test(
        "bad mappings are refused and map nothing",
        arguments: [
            (0x10_0001, 0x1000, 4096, MemoryFault.Code.misaligned),
            (0x10_0000, 0x1001, 4096, .misaligned),
            (0x10_0000, 0x1000, 0, .badLength),
            (0x10_0000, 0x1000, -4096, .badLength),
            (0xFFFF_FFFF_FFFF_F000, 0x1000, 8192, .addressOverflow),
            ((1 << 48) - 4096, 0x1000, 8192, .outOfRange),
            (0x10_0000, (1 << 52) - 4096, 8192, .outOfRange),
        ] as [(UInt64, UInt64, Int, MemoryFault.Code)])
    func badMappings(iova: UInt64, physical: UInt64, length: Int, code: MemoryFault.Code) {
        let iommu = IOMMU()
        #expect(throws: MemoryFault.self) {
            do throws(MemoryFault) {
                try iommu.map(
                    iova: IOVirtualAddress(rawValue: iova), physical: PhysicalAddress(rawValue: physical),
                    length: length, writable: true)
            } catch {
                #expect(error.code == code)
                throw error
            }
        }
        #expect(iommu.mappedPages == 0)
    }

    @Test("map rounds up to whole pages; unmap counts what it removed")
    func mapAndUnmap() throws {
        let iommu = IOMMU()
        try iommu.map(
            iova: Self.iova(0), physical: PhysicalAddress(rawValue: 0x8000), length: 2 * Page.size + 1,
            writable: true)
        #expect(iommu.mappedPages == 3)
        #expect(try iommu.translate(Self.iova(2, 7), access: .read).physical == PhysicalAddress(rawValue: 0xA007))
        #expect(try iommu.unmap(iova: Self.iova(1), length: 1 << 40) == 2)  // wide range: visits mapped pages
        #expect(try iommu.unmap(iova: Self.iova(0), length: 5 * Page.size) == 1)
        #expect(iommu.mappedPages == 0)
        #expect(throws: MemoryFault(code: .misaligned, address: Self.iova(0, 1).rawValue, length: 1)) {
            try iommu.unmap(iova: Self.iova(0, 1), length: 1)
        }
    }

    // MARK: Seeded random accesses

    /// A reference model of the IOMMU: a page table and an IOTLB as a plain array, most recent first.
    struct Reference {
        var capacity: Int
        var policy: IOMMU.ReplacementPolicy
        var table: [UInt64: (frame: UInt64, writable: Bool)] = [:]
        var cache: [(page: UInt64, frame: UInt64, writable: Bool)] = []
        var counters = IOMMU.Counters()

        /// Translates one page, or returns the fault code.
        mutating func translate(page: UInt64, write: Bool) -> Result<UInt64, MemoryFault> {
            counters.translations += 1
            var entry: (frame: UInt64, writable: Bool)
            if let index = cache.firstIndex(where: { $0.page == page }) {
                counters.hits += 1
                entry = (cache[index].frame, cache[index].writable)
                if policy == .lru { cache.insert(cache.remove(at: index), at: 0) }
            } else {
                counters.misses += 1
                guard let walked = table[page] else {
                    counters.unmappedFaults += 1
                    return .failure(MemoryFault(code: .iommuUnmapped, address: 0, length: 0))
                }
                entry = walked
                if capacity > 0 {
                    if cache.count == capacity {
                        cache.removeLast()
                        counters.evictions += 1
                    }
                    cache.insert((page, walked.frame, walked.writable), at: 0)
                }
            }
            if write && !entry.writable {
                counters.permissionFaults += 1
                return .failure(MemoryFault(code: .iommuPermission, address: 0, length: 0))
            }
            return .success(entry.frame)
        }
    }

    @Test(
        "random maps, invalidations and hostile DMA never trap and match a reference model",
        arguments: [1, 2, 3] as [UInt64], IOMMU.ReplacementPolicy.allCases)
    func randomAccesses(seed: UInt64, policy: IOMMU.ReplacementPolicy) throws {
        var random = RandomStream(seed: seed, name: "HostMemoryTests.iommu.\(policy)")
        let memory = PhysicalMemory(size: 4 << 20, seed: seed)
        var frames: [UInt64] = []
        for _ in 0..<12 { frames.append(try memory.allocateFrame().rawValue) }
        frames.append(0x3F_F000)  // in range, never allocated
        let capacity = Int(random.next() % 6)
        let iommu = IOMMU(configuration: .init(iotlbEntries: capacity, replacement: policy))
        let dma = DMAEngine(memory: memory, iommu: iommu)
        var reference = Reference(capacity: capacity, policy: policy)
        let window: UInt64 = 0x10_0000
        var buffer = [UInt8](repeating: 0, count: 9000)
        var successes = 0

        for _ in 0..<3000 {
            let page = random.next() % 16
            switch random.next() % 10 {
            case 0:
                let frame = frames[Int(random.next() % UInt64(frames.count))]
                let writable = random.next() % 3 != 0
                try iommu.map(
                    iova: IOVirtualAddress(rawValue: window + page << 12), physical: PhysicalAddress(rawValue: frame),
                    length: Page.size, writable: writable)
                reference.table[(window >> 12) + page] = (frame, writable)
            case 1:
                try iommu.unmap(iova: IOVirtualAddress(rawValue: window + page << 12), length: Page.size)
                reference.table[(window >> 12) + page] = nil
            case 2:
                let count = Int(random.next() % 3) * Page.size + Int(random.next() % 100)
                let removed = try iommu.invalidate(iova: IOVirtualAddress(rawValue: window + page << 12), length: count)
                let first = (window >> 12) + page
                let last = count == 0 ? first - 1 : (window + page << 12 + UInt64(count) - 1) >> 12
                let before = reference.cache.count
                reference.cache.removeAll { $0.page >= first && $0.page <= last }
                #expect(removed == before - reference.cache.count)
                reference.counters.invalidations += 1
                reference.counters.invalidatedEntries += UInt64(removed)
            default:
                // A device access: near the window, or anywhere; any length, sometimes hostile.
                let address: UInt64 =
                    random.next() % 8 == 0 ? random.next() : window &+ random.next() % (18 << 12) &- 4096
                let length: Int
                switch random.next() % 8 {
                case 0: length = -Int(random.next() % 9) - 1
                case 1: length = Int(truncatingIfNeeded: random.next() >> 1)
                case 2: length = Int(random.next() % 9000)
                default: length = Int(random.next() % 70)
                }
                let write = random.next() % 2 == 0
                let expected = Self.expectedOutcome(
                    address: address, length: length, write: write, reference: &reference, memory: memory)
                var outcome: MemoryFault.Code?
                do {
                    if write {
                        for index in 0..<min(max(length, 0), buffer.count) {
                            buffer[index] = UInt8(truncatingIfNeeded: random.next())
                        }
                        try dma.write(PhysicalAddress(rawValue: address), from: buffer, at: 0, count: length)
                    } else {
                        try dma.read(PhysicalAddress(rawValue: address), count: length, into: &buffer, at: 0)
                    }
                } catch {
                    outcome = error.code
                }
                #expect(outcome == expected.fault, "\(address), \(length)")
                // The bytes the engine moved are the bytes at the reference's physical pieces (for a write whose
                // pages alias one frame, only the last writer's bytes survive, so that case is not compared).
                let frames = expected.pieces.map { $0.0 >> 12 }
                if outcome == nil && expected.fault == nil && !(write && Set(frames).count < frames.count) {
                    var done = 0
                    for (physical, count) in expected.pieces {
                        var direct = [UInt8](repeating: 0, count: count)
                        try memory.read(PhysicalAddress(rawValue: physical), count: count, into: &direct, at: 0)
                        #expect(direct[...] == buffer[done..<(done + count)])
                        done += count
                    }
                }
                if outcome == nil { successes += 1 }
            }
            #expect(iommu.counters == reference.counters)
            #expect(iommu.iotlb.pagesByRecency == reference.cache.map(\.page))
        }
        #expect(successes > 100)
        #expect(iommu.counters.faults > 0)
        #expect(dma.takeAddedLatency() == .nanoseconds(128) * Int64(reference.counters.misses))
    }

    /// What a device access should do under the reference model: the physical pieces (split per page), or the fault
    /// code. Counts translations in the reference as the IOMMU would.
    static func expectedOutcome(
        address: UInt64, length: Int, write: Bool, reference: inout Reference, memory: PhysicalMemory
    ) -> (pieces: [(UInt64, Int)], fault: MemoryFault.Code?) {
        if length < 0 { return ([], .badLength) }
        let (end, overflow) = address.addingReportingOverflow(UInt64(length))
        if overflow { return ([], .addressOverflow) }
        if end > 1 << 48 { return ([], .outOfRange) }
        var pieces: [(UInt64, Int)] = []
        var current = address
        while current < end {
            let chunk = min(end - current, 4096 - current & 0xFFF)
            switch reference.translate(page: current >> 12, write: write) {
            case .failure(let fault): return ([], fault.code)
            case .success(let frame): pieces.append((frame | current & 0xFFF, Int(chunk)))
            }
            current += chunk
        }
        for (physical, _) in pieces where !memory.isAllocated(frame: Int(physical >> 12)) {
            return ([], .unmappedPhysical)
        }
        return (pieces, nil)
    }
}
