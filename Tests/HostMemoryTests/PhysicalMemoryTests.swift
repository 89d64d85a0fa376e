import Testing

@testable import HostMemory

@Suite("PhysicalMemory")
struct PhysicalMemoryTests {
    @Test("consecutive scattered frames are never physically adjacent", arguments: [0, 1, 42, 0xDEAD_BEEF] as [UInt64])
    func consecutiveFramesAreNotAdjacent(seed: UInt64) throws {
        let memory = PhysicalMemory(size: 64 << 20, seed: seed)
        var previous = try memory.allocateFrame()
        var seen: Set<PhysicalAddress> = [previous]
        // 3000 frames cross two zone boundaries.
        for _ in 0..<3000 {
            let frame = try memory.allocateFrame()
            #expect(frame.isPageAligned)
            #expect(frame.rawValue < memory.size)
            let distance = frame > previous ? frame.rawValue - previous.rawValue : previous.rawValue - frame.rawValue
            #expect(distance > UInt64(Page.size), "frames \(previous) and \(frame) are adjacent")
            #expect(seen.insert(frame).inserted, "frame \(frame) handed out twice")
            previous = frame
        }
        #expect(memory.framesInUse == 3001)
    }

    @Test("frame order is fixed by the seed")
    func frameOrderIsDeterministic() throws {
        func frames(seed: UInt64) throws -> [PhysicalAddress] {
            let memory = PhysicalMemory(size: 16 << 20, seed: seed)
            return try (0..<100).map { _ in try memory.allocateFrame() }
        }
        #expect(try frames(seed: 7) == frames(seed: 7))
        #expect(try frames(seed: 7) != frames(seed: 8))
    }

    @Test("every frame is handed out once, then allocation fails with outOfMemory")
    func exhaustion() throws {
        let memory = PhysicalMemory(size: 40 * 4096 + 123, seed: 3)
        #expect(memory.size == 40 * 4096)
        let ring = try memory.allocateContiguous(bytes: 3 * 4096)
        var frames: Set<UInt64> = []
        for page in 0..<3 { frames.insert(ring.rawValue + UInt64(page * 4096)) }
        while let frame = try? memory.allocateFrame() {
            #expect(frames.insert(frame.rawValue).inserted)
        }
        #expect(frames.count == 40)
        #expect(memory.framesInUse == 40)
        #expect(memory.framesFree == 0)
        #expect(throws: MemoryFault(code: .outOfMemory, address: 0, length: 4096)) { try memory.allocateFrame() }
        #expect { try memory.allocateContiguous(bytes: 1) } throws: { ($0 as? MemoryFault)?.code == .outOfMemory }
    }

    @Test("contiguous allocations are aligned, contiguous and disjoint from scattered frames")
    func contiguousAllocation() throws {
        let memory = PhysicalMemory(size: 8 << 20, seed: 11)
        let scattered = try (0..<50).map { _ in try memory.allocateFrame().rawValue }
        let ring = try memory.allocateContiguous(bytes: 5000, alignment: 64 << 10)
        #expect(ring.rawValue % (64 << 10) == 0)
        try memory.check(ring, length: 8192)
        let other = try memory.allocateContiguous(bytes: 4096)
        #expect(other.rawValue + 4096 <= ring.rawValue)
        for frame in scattered {
            #expect(frame < other.rawValue)
        }
        #expect { try memory.allocateContiguous(bytes: 4096, alignment: 3000) } throws: {
            ($0 as? MemoryFault)?.code == .badLength
        }
        #expect { try memory.allocateContiguous(bytes: 0) } throws: { ($0 as? MemoryFault)?.code == .badLength }
    }

    @Test("scattered and contiguous allocations share a small memory in either order")
    func smallMemoryMixesAllocators() throws {
        let memory = PhysicalMemory(size: 1 << 20, seed: 4)
        var taken: Set<UInt64> = []
        // 20 used frames leave 236 free ones in at most 21 gaps, so some gap holds 8.
        for _ in 0..<20 { taken.insert(try memory.allocateFrame().rawValue) }
        let ring = try memory.allocateContiguous(bytes: 8 * 4096)
        for page in 0..<8 { #expect(taken.insert(ring.rawValue + UInt64(page * 4096)).inserted) }
        for _ in 0..<(256 - 28) { #expect(taken.insert(try memory.allocateFrame().rawValue).inserted) }
        #expect(memory.framesFree == 0)
        #expect(taken.count == 256)
    }

    @Test("round trip of bytes across non-adjacent frames fills and preserves neighbours")
    func roundTripAcrossFrames() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let base = try memory.allocateContiguous(bytes: 3 * 4096)
        let pattern = (0..<6000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let start = base.advanced(by: 4096 - 1000)
        try memory.write(start, from: pattern, at: 0, count: pattern.count)
        var back = [UInt8](repeating: 0xEE, count: 6010)
        try memory.read(start, count: 6000, into: &back, at: 5)
        #expect(Array(back[5..<6005]) == pattern)
        #expect(back[0..<5].allSatisfy { $0 == 0xEE })
        #expect(back[6005...].allSatisfy { $0 == 0xEE })
        #expect(try memory.readUInt8(start.advanced(by: -1)) == 0)
        #expect(try memory.readUInt8(start.advanced(by: 6000)) == 0)
    }

    @Test("written frames keep their own bytes across arenas, and their storage starts on every cache-line colour")
    func frameStorageIsColouredAndDisjoint() throws {
        let memory = PhysicalMemory(size: 64 << 20, seed: 7)
        // 1,100 frames fill the arenas of 16, 32, 64, 128 and 256 pages and two of 512 (504 frames each).
        let frames = try (0..<1100).map { _ in try memory.allocateFrame() }
        for (k, frame) in frames.enumerated() {
            // Every byte of each frame, so that storage overlapping a neighbour's by even one line would show.
            let pattern = (0..<Page.size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ k &* 7 &+ 1) }
            try memory.write(frame, from: pattern, at: 0, count: Page.size)
        }
        var colours = Set<Int>()
        var buffer = [UInt8](repeating: 0, count: Page.size)
        for (k, frame) in frames.enumerated() {
            try memory.read(frame, count: Page.size, into: &buffer, at: 0)
            #expect(buffer == (0..<Page.size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ k &* 7 &+ 1) },
                    "frame \(k) lost its bytes")
            let slot = memory.slot(ofFrame: Int(frame.rawValue >> UInt64(Page.shift)))
            let host = Int(bitPattern: memory.storage[Int(slot)])
            colours.insert((host & (Page.size - 1)) >> 6)
        }
        // Packed at 4 KiB, every frame would start at the same offset within a host page: one colour.
        #expect(colours.count == Page.size / 64)
    }

    @Test("frames get storage only when written")
    func lazyStorage() throws {
        let memory = PhysicalMemory(size: 1 << 30)
        let buffer = try memory.allocateContiguous(bytes: 16 * 4096)
        #expect(memory.framesInUse == 16)
        #expect(memory.backedFrames == 0)
        var bytes = [UInt8](repeating: 9, count: 4096)
        try memory.read(buffer, count: 4096, into: &bytes, at: 0)
        #expect(bytes.allSatisfy { $0 == 0 })
        try memory.fill(buffer, count: 16 * 4096, value: 0)
        #expect(memory.backedFrames == 0)
        try memory.writeUInt8(buffer.advanced(by: 4095), 1)
        try memory.writeUInt8(buffer.advanced(by: 4096), 1)
        #expect(memory.backedFrames == 2)
        try memory.writeUInt8(buffer.advanced(by: 4097), 2)
        #expect(memory.backedFrames == 2)
    }

    @Test("little-endian integers round trip at every offset around a frame boundary")
    func integersAcrossFrameBoundary() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let base = try memory.allocateContiguous(bytes: 2 * 4096)
        let boundary = base.advanced(by: 4096)
        for back in 1...8 {
            let address = boundary.advanced(by: -back)
            try memory.fill(base, count: 8192, value: 0)
            try memory.writeUInt64LE(address, 0x0102_0304_0506_0708)
            #expect(try memory.readUInt64LE(address) == 0x0102_0304_0506_0708)
            #expect(try memory.readUInt8(address) == 0x08)
            #expect(try memory.readUInt8(address.advanced(by: 7)) == 0x01)
            #expect(try memory.readUInt32LE(address) == 0x0506_0708)
            #expect(try memory.readUInt16LE(address.advanced(by: 6)) == 0x0102)
            #expect(try memory.readUInt8(address.advanced(by: 8)) == 0)

            try memory.writeUInt32LE(address, 0xAABB_CCDD)
            #expect(try memory.readUInt32LE(address) == 0xAABB_CCDD)
            try memory.writeUInt16LE(address, 0x1234)
            var bytes = [UInt8](repeating: 0, count: 2)
            try memory.read(address, count: 2, into: &bytes, at: 0)
            #expect(bytes == [0x34, 0x12])
        }
    }

    @Test("an integer that runs into an unallocated frame faults and writes nothing")
    func integerIntoUnallocatedFrame() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let frame = try memory.allocateContiguous(bytes: 4096)
        let last = frame.advanced(by: 4094)
        try memory.writeUInt16LE(last, 0xBEEF)
        let below = frame.advanced(by: -4094)
        #expect(throws: MemoryFault(code: .unmappedPhysical, address: below.rawValue, length: 8)) {
            try memory.readUInt64LE(below)
        }
        let lastFrame = PhysicalMemory(size: 1 << 20)
        let top = try lastFrame.allocateContiguous(bytes: 4096)
        #expect(top.rawValue == (1 << 20) - 4096)
        #expect { try lastFrame.writeUInt32LE(top.advanced(by: 4094), 1) } throws: {
            ($0 as? MemoryFault)?.code == .outOfRange
        }
        #expect(try lastFrame.readUInt16LE(top.advanced(by: 4094)) == 0)
    }

    @Test("copy behaves like memmove, within and across frames")
    func copyOverlapping() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let base = try memory.allocateContiguous(bytes: 4 * 4096)
        let size = 4 * 4096
        let pattern = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        for (source, destination, count) in [(0, 100, 9000), (100, 0, 9000), (4000, 4090, 5000), (10, 5000, 3000)] {
            try memory.write(base, from: pattern, at: 0, count: size)
            var expected = pattern
            let moved = Array(pattern[source..<(source + count)])
            expected.replaceSubrange(destination..<(destination + count), with: moved)
            try memory.copy(from: base.advanced(by: source), to: base.advanced(by: destination), count: count)
            var actual = [UInt8](repeating: 0, count: size)
            try memory.read(base, count: size, into: &actual, at: 0)
            #expect(actual == expected, "copy \(source) -> \(destination) x \(count)")
        }
    }

    @Test("copy from a never-written frame zeroes the destination")
    func copyFromZeroFrame() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let source = try memory.allocateContiguous(bytes: 4096)
        let destination = try memory.allocateContiguous(bytes: 4096)
        try memory.fill(destination, count: 4096, value: 0x55)
        try memory.copy(from: source, to: destination.advanced(by: 10), count: 20)
        var bytes = [UInt8](repeating: 0, count: 40)
        try memory.read(destination, count: 40, into: &bytes, at: 0)
        #expect(
            bytes == [UInt8](repeating: 0x55, count: 10) + [UInt8](repeating: 0, count: 20)
                + [UInt8](repeating: 0x55, count: 10))
    }

    @Test("faults leave memory unchanged")
    func faultIsAtomic() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let frame = try memory.allocateContiguous(bytes: 4096)
        let bytes = [UInt8](repeating: 0xAB, count: 8192)
        #expect(throws: MemoryFault(code: .unmappedPhysical, address: frame.rawValue - 4096, length: 8192)) {
            try memory.write(frame.advanced(by: -4096), from: bytes, at: 0, count: 8192)
        }
        #expect(throws: MemoryFault.self) { try memory.fill(frame, count: 8192, value: 1) }
        #expect(try memory.readUInt64LE(frame) == 0)
        #expect(memory.backedFrames == 0)
    }

    @Test(
        "bad physical ranges are typed faults",
        arguments: [
            (0x4000, 1, MemoryFault.Code.unmappedPhysical),
            (UInt64(1 << 20), 1, .outOfRange),
            ((1 << 20) - 4, 8, .outOfRange),
            (UInt64.max - 2, 10, .addressOverflow),
            (0x1000, -1, .badLength),
            (0x1000, Int.min, .badLength),
            (UInt64.max, Int.max, .addressOverflow),
        ] as [(UInt64, Int, MemoryFault.Code)]
    )
    func physicalFaults(address: UInt64, length: Int, code: MemoryFault.Code) throws {
        let memory = PhysicalMemory(size: 1 << 20)
        _ = try memory.allocateContiguous(bytes: 4096)
        let fault = #expect(throws: MemoryFault.self) {
            try memory.check(PhysicalAddress(rawValue: address), length: length)
        }
        #expect(fault?.code == code)
        #expect(fault?.address == address)
        #expect(fault?.length == length)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(throws: MemoryFault.self) {
            try memory.read(PhysicalAddress(rawValue: address), count: length, into: &buffer, at: 0)
        }
    }

    @Test("zero-length ranges are valid anywhere up to the end")
    func zeroLength() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        try memory.check(PhysicalAddress(rawValue: 0x3000), length: 0)
        try memory.check(PhysicalAddress(rawValue: 1 << 20), length: 0)
        #expect(throws: MemoryFault(code: .outOfRange, address: (1 << 20) + 1, length: 0)) {
            try memory.check(PhysicalAddress(rawValue: (1 << 20) + 1), length: 0)
        }
    }

    @Test("addresses and faults describe themselves in grouped hexadecimal")
    func descriptions() {
        #expect(PhysicalAddress(rawValue: 0x1234).description == "0x0000_1234")
        #expect(VirtualAddress(rawValue: 0x1000_0000).description == "0x1000_0000")
        #expect(PhysicalAddress(rawValue: 0x1_0000_0000).description == "0x0001_0000_0000")
        #expect(PhysicalAddress(rawValue: .max).description == "0xFFFF_FFFF_FFFF_FFFF")
        let fault = MemoryFault(code: .unmappedVirtual, address: 0x2000, length: 64)
        #expect(fault.description == "unmappedVirtual at 0x0000_2000 (length 64)")
        #expect(MemoryFault.Code(rawValue: 99).description == "code(99)")
    }

    @Test("physical memory of zero frames is refused")
    func zeroSizeIsRefused() async {
        await #expect(processExitsWith: .failure) {
            _ = PhysicalMemory(size: 4095)
        }
    }
}
