import Testing

@testable import HostMemory

@Suite("AddressSpace")
struct AddressSpaceTests {
    @Test("a 3-page buffer starting 100 bytes into a page spans 4 scattered frames")
    func bufferSpansFourFrames() throws {
        let memory = PhysicalMemory(size: 64 << 20, seed: 5)
        let space = AddressSpace(memory: memory, id: 1)
        let length = 3 * 4096
        let buffer = try space.allocate(bytes: length, startOffset: 100)
        #expect(buffer == AddressSpace.allocationBase.advanced(by: 100))
        #expect(memory.framesInUse == 4)
        #expect(space.mappedPages == 4)

        var pieces: [PhysicalRange] = []
        pieces.reserveCapacity(8)
        try space.physicalPieces(of: buffer, length: length, into: &pieces)
        #expect(pieces.map(\.length) == [4096 - 100, 4096, 4096, 100])
        #expect(pieces.reduce(0) { $0 + $1.length } == length)
        #expect(pieces[0].address.pageOffset == 100)
        #expect(pieces.dropFirst().allSatisfy { $0.address.isPageAligned })
        #expect(Set(pieces.map(\.address.pageBase)).count == 4)
        #expect(space.pageWalks == 4)
        for (index, piece) in pieces.enumerated() {
            #expect(try space.translate(buffer.advanced(by: index == 0 ? 0 : index * 4096 - 100)) == piece.address)
        }
        #expect(space.pageWalks == 8)
    }

    @Test("pages mapped to adjacent frames merge into one piece")
    func adjacentFramesMerge() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let space = AddressSpace(memory: memory, id: 1)
        let run = try memory.allocateContiguous(bytes: 3 * 4096)
        let far = try memory.allocateFrame()
        let page = VirtualAddress(rawValue: 0x7000_0000)
        space.map(page: page, to: run, writable: true)
        space.map(page: page.advanced(by: 4096), to: run.advanced(by: 4096), writable: true)
        space.map(page: page.advanced(by: 8192), to: far, writable: true)
        space.map(page: page.advanced(by: 12288), to: run.advanced(by: 8192), writable: true)
        var pieces = [PhysicalRange(address: run.advanced(by: -10), length: 10)]
        try space.physicalPieces(of: page, length: 4 * 4096, into: &pieces)
        #expect(
            pieces == [
                PhysicalRange(address: run.advanced(by: -10), length: 10),
                PhysicalRange(address: run, length: 8192),
                PhysicalRange(address: far, length: 4096),
                PhysicalRange(address: run.advanced(by: 8192), length: 4096),
            ])
        try space.physicalPieces(of: page, length: 0, into: &pieces)
        #expect(pieces.count == 4)
    }

    @Test("CPU writes and reads round trip across pages, and reach the same bytes physically")
    func roundTrip() throws {
        let memory = PhysicalMemory(size: 16 << 20, seed: 9)
        let space = AddressSpace(memory: memory, id: 2)
        let length = 10_000
        let buffer = try space.allocate(bytes: length, startOffset: 4000)
        let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        try space.write(buffer, from: data, at: 0, count: length)
        var back = [UInt8](repeating: 0, count: length)
        try space.read(buffer, count: length, into: &back, at: 0)
        #expect(back == data)

        var pieces: [PhysicalRange] = []
        try space.physicalPieces(of: buffer, length: length, into: &pieces)
        var gathered: [UInt8] = []
        for piece in pieces {
            var part = [UInt8](repeating: 0, count: piece.length)
            try memory.read(piece.address, count: piece.length, into: &part, at: 0)
            gathered += part
        }
        #expect(gathered == data)
    }

    @Test("copy from virtual to physical moves the bytes without intermediate buffers")
    func copyToPhysical() throws {
        let memory = PhysicalMemory(size: 16 << 20, seed: 1)
        let space = AddressSpace(memory: memory, id: 3)
        let buffer = try space.allocate(bytes: 9000, startOffset: 2000)
        let data = (0..<9000).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 8)) }
        try space.write(buffer, from: data, at: 0, count: 9000)
        let driver = try memory.allocateContiguous(bytes: 16384)
        try space.copy(from: buffer.advanced(by: 50), toPhysical: driver.advanced(by: 3000), count: 8900)
        var back = [UInt8](repeating: 0, count: 8900)
        try memory.read(driver.advanced(by: 3000), count: 8900, into: &back, at: 0)
        #expect(back == Array(data[50..<8950]))
        #expect(space.pageWalks == 0)
        #expect { try space.copy(from: buffer, toPhysical: driver.advanced(by: 16000), count: 1000) } throws: {
            ($0 as? MemoryFault)?.code == .outOfRange || ($0 as? MemoryFault)?.code == .unmappedPhysical
        }
    }

    @Test("buffers are separated by unmapped guard pages")
    func guardPages() throws {
        let memory = PhysicalMemory(size: 16 << 20)
        let space = AddressSpace(memory: memory, id: 4)
        let first = try space.allocate(bytes: 4096)
        let second = try space.allocate(bytes: 100, startOffset: 10)
        #expect(second.pageBase.rawValue == first.rawValue + 2 * 4096)
        #expect(throws: MemoryFault(code: .unmappedVirtual, address: first.rawValue + 4096, length: 1)) {
            try space.translate(first.advanced(by: 4096))
        }
        var bytes = [UInt8](repeating: 0, count: 2)
        #expect(throws: MemoryFault(code: .unmappedVirtual, address: first.rawValue + 4096, length: 2)) {
            try space.read(first.advanced(by: 4095), count: 2, into: &bytes, at: 0)
        }
    }

    @Test("read-only pages refuse writes and keep their bytes")
    func readOnly() throws {
        let memory = PhysicalMemory(size: 16 << 20)
        let space = AddressSpace(memory: memory, id: 5)
        let buffer = try space.allocate(bytes: 100, writable: false)
        #expect(throws: MemoryFault(code: .notWritable, address: buffer.rawValue, length: 4)) {
            try space.write(buffer, from: [1, 2, 3, 4], at: 0, count: 4)
        }
        var bytes = [UInt8](repeating: 9, count: 4)
        try space.read(buffer, count: 4, into: &bytes, at: 0)
        #expect(bytes == [0, 0, 0, 0])
    }

    @Test(
        "bad virtual ranges are typed faults",
        arguments: [
            (0x5000, 1, MemoryFault.Code.unmappedVirtual),
            (0x1000_0000 + 4000, 200, .unmappedVirtual),
            (UInt64.max - 2, 10, .addressOverflow),
            (0x1000_0000, -1, .badLength),
            ((1 << 47) - 1, 2, .outOfRange),
        ] as [(UInt64, Int, MemoryFault.Code)]
    )
    func virtualFaults(address: UInt64, length: Int, code: MemoryFault.Code) throws {
        let memory = PhysicalMemory(size: 16 << 20)
        let space = AddressSpace(memory: memory, id: 6)
        _ = try space.allocate(bytes: 4096)
        var pieces = [PhysicalRange(address: .zero, length: 1)]
        pieces.reserveCapacity(4)
        let fault = #expect(throws: MemoryFault.self) {
            try space.physicalPieces(of: VirtualAddress(rawValue: address), length: length, into: &pieces)
        }
        #expect(fault?.code == code)
        #expect(pieces == [PhysicalRange(address: .zero, length: 1)])
        var bytes = [UInt8](repeating: 0, count: 300)
        let readFault = #expect(throws: MemoryFault.self) {
            try space.read(VirtualAddress(rawValue: address), count: length, into: &bytes, at: 0)
        }
        #expect(readFault?.code == code)
    }

    @Test("a page mapped to a frame nobody allocated faults as unmapped physical memory")
    func mappedToUnallocatedFrame() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let space = AddressSpace(memory: memory, id: 7)
        let page = VirtualAddress(rawValue: 0x2000_0000)
        space.map(page: page, to: PhysicalAddress(rawValue: 0x8000), writable: true)
        #expect(try space.translate(page.advanced(by: 5)) == PhysicalAddress(rawValue: 0x8005))
        var bytes = [UInt8](repeating: 0, count: 4)
        #expect(throws: MemoryFault(code: .unmappedPhysical, address: 0x8005, length: 4)) {
            try space.read(page.advanced(by: 5), count: 4, into: &bytes, at: 0)
        }
    }

    @Test("allocation refuses bad sizes and running out of frames maps nothing")
    func allocationFailures() throws {
        let memory = PhysicalMemory(size: 8 * 4096)
        let space = AddressSpace(memory: memory, id: 8)
        for (bytes, offset) in [(0, 0), (-5, 0), (10, 4096), (10, -1), (Int.max, 1)] {
            #expect { try space.allocate(bytes: bytes, startOffset: offset) } throws: {
                ($0 as? MemoryFault)?.code == .badLength
            }
        }
        #expect { try space.allocate(bytes: 9 * 4096) } throws: { ($0 as? MemoryFault)?.code == .outOfMemory }
        #expect(memory.framesInUse == 0)
        #expect(space.mappedPages == 0)
        _ = try space.allocate(bytes: 8 * 4096)
        #expect(memory.framesInUse == 8)
    }

    @Test("map refuses unaligned pages")
    func mapPrecondition() async {
        await #expect(processExitsWith: .failure) {
            let space = AddressSpace(memory: PhysicalMemory(size: 1 << 20), id: 0)
            space.map(page: VirtualAddress(rawValue: 0x1234), to: .zero, writable: true)
        }
    }
}

@Suite("AddressSpace.isMapped")
struct IsMappedTests {
    @Test("isMapped accepts exactly the ranges a CPU access would")
    func isMapped() throws {
        let memory = PhysicalMemory(size: 16 << 20)
        let space = AddressSpace(memory: memory, id: 1)
        let buffer = try space.allocate(bytes: 5000, startOffset: 50, writable: false)
        #expect(space.isMapped(buffer, length: 5000))
        #expect(space.isMapped(buffer.advanced(by: -50), length: 8192))
        #expect(!space.isMapped(buffer, length: 8192))
        #expect(!space.isMapped(buffer, length: -1))
        #expect(!space.isMapped(buffer, length: 10, writable: true))
        #expect(!space.isMapped(VirtualAddress(rawValue: .max), length: 2))
        #expect(space.isMapped(VirtualAddress(rawValue: 0x10), length: 0))
        #expect(space.pageWalks == 0)
    }
}
