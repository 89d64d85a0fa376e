import Testing

@testable import HostMemory

@Suite("DMAEngine")
struct DMAEngineTests {
    @Test("transfers and faults are counted")
    func counters() throws {
        let memory = PhysicalMemory(size: 1 << 20)
        let ring = try memory.allocateContiguous(bytes: 4096)
        let dma = DMAEngine(memory: memory)
        try dma.write(ring, from: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], at: 2, count: 8)
        var bytes = [UInt8](repeating: 0, count: 8)
        try dma.read(ring, count: 8, into: &bytes, at: 0)
        #expect(bytes == [3, 4, 5, 6, 7, 8, 9, 10])
        #expect(try dma.readUInt64LE(ring) == 0x0A09_0807_0605_0403)
        #expect(try dma.readUInt32LE(ring) == 0x0605_0403)
        #expect(try dma.readUInt16LE(ring) == 0x0403)
        #expect(try dma.readUInt8(ring) == 3)
        try dma.writeUInt8(ring.advanced(by: 16), 0xFF)
        try dma.writeUInt16LE(ring.advanced(by: 16), 0x1122)
        try dma.writeUInt32LE(ring.advanced(by: 16), 0x1122_3344)
        try dma.writeUInt64LE(ring.advanced(by: 16), 0x1122_3344_5566_7788)
        #expect(try memory.readUInt64LE(ring.advanced(by: 16)) == 0x1122_3344_5566_7788)
        #expect(dma.counters == DMAEngine.Counters(reads: 5, writes: 5, bytesRead: 23, bytesWritten: 23, faults: 0))
        #expect(dma.lastFault == nil)

        let outside = PhysicalAddress(rawValue: 1 << 20)
        #expect(throws: MemoryFault(code: .outOfRange, address: outside.rawValue, length: 8)) {
            try dma.readUInt64LE(outside)
        }
        #expect(throws: MemoryFault.self) { try dma.write(.zero, from: bytes, at: 0, count: 8) }
        #expect(throws: MemoryFault.self) { try dma.read(ring, count: -3, into: &bytes, at: 0) }
        #expect(dma.counters.faults == 3)
        #expect(dma.counters.reads == 5)
        #expect(dma.counters.writes == 5)
        #expect(dma.lastFault == MemoryFault(code: .badLength, address: ring.rawValue, length: -3))
    }
}
