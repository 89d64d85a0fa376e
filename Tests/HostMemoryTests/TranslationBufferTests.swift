import Testing

@testable import HostMemory

@Suite("TranslationBuffer")
struct TranslationBufferTests {
    /// An address space with one 5-page buffer starting 300 bytes into its first page.
    func world() throws -> (AddressSpace, VirtualAddress, Int) {
        let memory = PhysicalMemory(size: 64 << 20, seed: 21)
        let space = AddressSpace(memory: memory, id: 1)
        let length = 5 * 4096 - 300
        return (space, try space.allocate(bytes: length, startOffset: 300), length)
    }

    @Test("registration walks and pins every page once")
    func registrationCounts() throws {
        let (space, buffer, length) = try world()
        let translations = TranslationBuffer()
        _ = try translations.register(space: space, address: buffer, length: length)
        #expect(translations.counters == TranslationCounters(pageWalks: 5, pagesPinned: 5, registrations: 1))
        #expect(space.pageWalks == 5)
        #expect(translations.pinnedPages == 5)
    }

    @Test("translations inside a registered region hit without new page walks and match a walk")
    func hitsMatchWalks() throws {
        let (space, buffer, length) = try world()
        let translations = TranslationBuffer()
        _ = try translations.register(space: space, address: buffer, length: length)
        var pieces: [PhysicalRange] = []
        pieces.reserveCapacity(8)
        var walked: [PhysicalRange] = []
        for (offset, count) in [(0, length), (1, 1), (3796, 1), (3795, 2), (5000, 9000), (length - 1, 1), (17, 0)] {
            pieces.removeAll(keepingCapacity: true)
            let walksBefore = space.pageWalks
            #expect(
                translations.translate(space: space, address: buffer.advanced(by: offset), length: count, into: &pieces)
            )
            #expect(space.pageWalks == walksBefore)
            walked.removeAll(keepingCapacity: true)
            try space.physicalPieces(of: buffer.advanced(by: offset), length: count, into: &walked)
            #expect(pieces == walked, "offset \(offset) length \(count)")
        }
        #expect(translations.counters.hits == 7)
        #expect(translations.counters.misses == 0)
        #expect(translations.counters.pageWalks == 5)
    }

    @Test(
        "ranges not wholly inside a region miss and append nothing",
        arguments: [(-1, 10), (0, 5 * 4096 - 299), (100, 5 * 4096), (5 * 4096 - 300, 0), (-300, 0), (0, -1)]
    )
    func misses(offset: Int, count: Int) throws {
        let (space, buffer, length) = try world()
        #expect(length == 5 * 4096 - 300)
        let translations = TranslationBuffer()
        _ = try translations.register(space: space, address: buffer, length: length)
        var pieces: [PhysicalRange] = []
        #expect(
            !translations.translate(space: space, address: buffer.advanced(by: offset), length: count, into: &pieces))
        #expect(pieces.isEmpty)
        #expect(translations.counters.misses == 1)
        #expect(translations.counters.hits == 0)
    }

    @Test("regions belong to their address space and end when unregistered")
    func spacesAndUnregistering() throws {
        let (space, buffer, length) = try world()
        let other = AddressSpace(memory: space.memory, id: 2)
        let otherBuffer = try other.allocate(bytes: length, startOffset: 300)
        #expect(otherBuffer == buffer)
        let translations = TranslationBuffer()
        let id = try translations.register(space: space, address: buffer, length: length)
        var pieces: [PhysicalRange] = []
        #expect(!translations.translate(space: other, address: buffer, length: 10, into: &pieces))
        #expect(translations.translate(space: space, address: buffer, length: 10, into: &pieces))
        translations.unregister(id)
        translations.unregister(id)
        #expect(translations.pinnedPages == 0)
        #expect(translations.regionCount == 0)
        #expect(!translations.translate(space: space, address: buffer, length: 10, into: &pieces))
        #expect(
            translations.counters
                == TranslationCounters(
                    hits: 1, misses: 2, pageWalks: 5, pagesPinned: 5,
                    registrations: 1))
        #expect(throws: MemoryFault(code: .notRegistered, address: 0, length: 10)) {
            try translations.translate(region: id, offset: 0, length: 10, into: &pieces)
        }
    }

    @Test("overlapping and nested regions are all found")
    func overlappingRegions() throws {
        let memory = PhysicalMemory(size: 64 << 20, seed: 2)
        let space = AddressSpace(memory: memory, id: 1)
        let buffer = try space.allocate(bytes: 40 * 4096)
        let translations = TranslationBuffer()
        // A long region first, then short ones starting later: lookups past the short ones must still find it.
        _ = try translations.register(space: space, address: buffer, length: 40 * 4096)
        _ = try translations.register(space: space, address: buffer.advanced(by: 4096), length: 100)
        _ = try translations.register(space: space, address: buffer.advanced(by: 8192), length: 100)
        var pieces: [PhysicalRange] = []
        #expect(translations.translate(space: space, address: buffer.advanced(by: 20000), length: 50000, into: &pieces))
        #expect(translations.translate(space: space, address: buffer.advanced(by: 8200), length: 10, into: &pieces))
        #expect(
            !translations.translate(
                space: space, address: buffer.advanced(by: 39 * 4096), length: 8192,
                into: &pieces))
    }

    @Test("translation by region id checks the offset against the region")
    func translateByRegion() throws {
        let (space, buffer, length) = try world()
        let translations = TranslationBuffer()
        let id = try translations.register(space: space, address: buffer, length: length)
        var pieces: [PhysicalRange] = []
        try translations.translate(region: id, offset: 4000, length: 500, into: &pieces)
        var walked: [PhysicalRange] = []
        try space.physicalPieces(of: buffer.advanced(by: 4000), length: 500, into: &walked)
        #expect(pieces == walked)
        #expect { try translations.translate(region: id, offset: length - 10, length: 11, into: &pieces) } throws: {
            ($0 as? MemoryFault)?.code == .outOfRange
        }
        #expect { try translations.translate(region: id, offset: -1, length: 1, into: &pieces) } throws: {
            ($0 as? MemoryFault)?.code == .badLength
        }
    }

    @Test("registering an unmapped or empty range fails and pins nothing")
    func badRegistrations() throws {
        let (space, buffer, length) = try world()
        let translations = TranslationBuffer()
        #expect { try translations.register(space: space, address: buffer, length: length + 4000) } throws: {
            ($0 as? MemoryFault)?.code == .unmappedVirtual
        }
        #expect { try translations.register(space: space, address: buffer, length: 0) } throws: {
            ($0 as? MemoryFault)?.code == .badLength
        }
        #expect(translations.counters.registrations == 0)
        #expect(translations.counters.pagesPinned == 0)
        #expect(translations.regionCount == 0)
    }
}
