import SimCore
import Testing

@testable import HostMemory

/// Property-style checks: random guest-controlled (address, length) pairs never trap, and each outcome matches a
/// simple reference model of the fault rules.
@Suite("Random ranges")
struct RandomRangeTests {
    /// A random address near an interesting boundary, or anywhere.
    static func address(_ random: inout RandomStream, near points: [UInt64]) -> UInt64 {
        switch random.next() % 4 {
        case 0: return random.next()
        case 1: return UInt64.max &- random.next() % 8192
        default:
            let point = points[Int(random.next() % UInt64(points.count))]
            return point &+ random.next() % 16384 &- 8192
        }
    }

    /// A random length: small, around a page, huge, or negative.
    static func length(_ random: inout RandomStream) -> Int {
        switch random.next() % 6 {
        case 0: return -Int(random.next() % 100) - 1
        case 1: return Int(truncatingIfNeeded: random.next())
        case 2: return Int(random.next() % 9000)
        default: return Int(random.next() % 64)
        }
    }

    @Test("physical accesses fault exactly as the reference model says", arguments: [1, 2, 3] as [UInt64])
    func physical(seed: UInt64) throws {
        var random = RandomStream(seed: seed, name: "HostMemoryTests.physical")
        let size: UInt64 = 4 << 20
        let memory = PhysicalMemory(size: size, seed: seed)
        var allocated: Set<UInt64> = []
        for _ in 0..<64 { allocated.insert(try memory.allocateFrame().rawValue >> 12) }
        let run = try memory.allocateContiguous(bytes: 8 * 4096)
        for page in 0..<8 { allocated.insert(run.rawValue >> 12 + UInt64(page)) }
        let points = allocated.sorted().map { $0 << 12 } + [0, size]
        let dma = DMAEngine(memory: memory)
        var buffer = [UInt8](repeating: 0, count: 9000)
        var outcomes: [MemoryFault.Code?: Int] = [:]

        for _ in 0..<5000 {
            let address = Self.address(&random, near: points)
            let length = Self.length(&random)
            let expected = Self.expectedFault(address: address, length: length, size: size, allocated: allocated)
            outcomes[expected, default: 0] += 1
            let roomy = length <= buffer.count
            do {
                if roomy {
                    try dma.read(PhysicalAddress(rawValue: address), count: length, into: &buffer, at: 0)
                    try memory.write(PhysicalAddress(rawValue: address), from: buffer, at: 0, count: length)
                } else {
                    try memory.fill(PhysicalAddress(rawValue: address), count: length, value: 7)
                }
                #expect(expected == nil, "\(address), \(length) should fault with \(String(describing: expected))")
            } catch {
                #expect(error.code == expected, "\(address), \(length): \(error)")
            }
            _ = try? memory.readUInt64LE(PhysicalAddress(rawValue: address))
            _ = try? memory.copy(from: PhysicalAddress(rawValue: address), to: run, count: length)
        }
        // The generator reaches every outcome, so the comparison above means something.
        let codes: [MemoryFault.Code?] = [nil, .badLength, .addressOverflow, .outOfRange, .unmappedPhysical]
        for code in codes {
            #expect(outcomes[code, default: 0] > 50, "outcome \(String(describing: code)) seen too rarely: \(outcomes)")
        }
        #expect(dma.counters.faults > 0 && dma.counters.reads > 0)
    }

    static func expectedFault(address: UInt64, length: Int, size: UInt64, allocated: Set<UInt64>) -> MemoryFault.Code? {
        if length < 0 { return .badLength }
        if UInt64.max - address < UInt64(length) { return .addressOverflow }
        if address + UInt64(length) > size { return .outOfRange }
        guard length > 0 else { return nil }
        for frame in (address >> 12)...((address + UInt64(length) - 1) >> 12) where !allocated.contains(frame) {
            return .unmappedPhysical
        }
        return nil
    }

    @Test("virtual translations and accesses never trap and agree with each other", arguments: [4, 5] as [UInt64])
    func virtual(seed: UInt64) throws {
        var random = RandomStream(seed: seed, name: "HostMemoryTests.virtual")
        let memory = PhysicalMemory(size: 16 << 20, seed: seed)
        let space = AddressSpace(memory: memory, id: 1)
        var buffers: [(VirtualAddress, Int)] = []
        for _ in 0..<20 {
            let length = 1 + Int(random.next() % 20000)
            buffers.append((try space.allocate(bytes: length, startOffset: Int(random.next() % 4096)), length))
        }
        let translations = TranslationBuffer()
        for (address, length) in buffers.prefix(10) {
            _ = try translations.register(space: space, address: address, length: length)
        }
        let points = buffers.flatMap { [$0.0.rawValue, $0.0.rawValue + UInt64($0.1)] } + [AddressSpace.limit]
        var pieces: [PhysicalRange] = []
        var walked: [PhysicalRange] = []
        var bytes = [UInt8](repeating: 0, count: 9000)
        for _ in 0..<5000 {
            let address = VirtualAddress(rawValue: Self.address(&random, near: points))
            let length = Self.length(&random)
            pieces.removeAll(keepingCapacity: true)
            walked.removeAll(keepingCapacity: true)
            let hit = translations.translate(space: space, address: address, length: length, into: &pieces)
            let walkResult = Result { () throws(MemoryFault) in
                try space.physicalPieces(of: address, length: length, into: &walked)
            }
            if hit {
                #expect(pieces == walked)
                #expect((try? walkResult.get()) != nil)
            }
            if case .failure = walkResult { #expect(walked.isEmpty) }
            if length <= bytes.count {
                let readResult = Result { () throws(MemoryFault) in
                    try space.read(address, count: length, into: &bytes, at: 0)
                }
                #expect((try? readResult.get()) != nil || (try? walkResult.get()) == nil)
            }
            _ = try? space.translate(address)
        }
    }
}
