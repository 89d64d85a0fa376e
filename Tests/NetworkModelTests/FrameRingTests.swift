import SimCore
import Testing

@testable import NetworkModel

@Suite struct FrameRingTests {
    @Test(arguments: [1, 3, 4, 5, 1000])
    func capacityRoundsUpToPowerOfTwo(requested: Int) {
        let ring = FrameRing(minimumCapacity: requested)
        #expect(ring.capacity >= requested)
        #expect(ring.capacity & (ring.capacity - 1) == 0)
        #expect(ring.capacity < 2 * requested || requested == 1)
    }

    /// Fills and drains the ring from every start position, checking FIFO order and the full/empty edges.
    @Test func wrapsAroundFromEveryStartPosition() {
        let capacity = 8
        for start in 0..<capacity {
            var ring = FrameRing(minimumCapacity: capacity)
            for i in 0..<start {
                ring.append(FrameHandle(rawValue: UInt32(100 + i)))
                _ = ring.removeFirst()
            }
            #expect(ring.isEmpty)
            #expect(ring.first == nil)
            for i in 0..<capacity {
                #expect(!ring.isFull)
                ring.append(FrameHandle(rawValue: UInt32(i)))
            }
            #expect(ring.isFull)
            #expect(ring.count == capacity)
            #expect(ring.first == FrameHandle(rawValue: 0))
            var out: [UInt32] = []
            while !ring.isEmpty { out.append(ring.removeFirst().rawValue) }
            #expect(out == (0..<UInt32(capacity)).map { $0 })
        }
    }

    @Test func interleavedAppendAndRemoveKeepOrder() {
        var ring = FrameRing(minimumCapacity: 4)
        var next: UInt32 = 0
        var expected: UInt32 = 0
        for round in 0..<50 {
            for _ in 0..<(round % 4 + 1) where !ring.isFull {
                ring.append(FrameHandle(rawValue: next))
                next += 1
            }
            for _ in 0..<(round % 3 + 1) where !ring.isEmpty {
                #expect(ring.removeFirst().rawValue == expected)
                expected += 1
            }
        }
    }

    /// Storage grows while the ring holds frames that wrap around its end; order survives every growth step.
    @Test func growsInOrderFromEveryStartPosition() {
        for start in 0..<20 {
            var ring = FrameRing(minimumCapacity: 100)
            #expect(ring.capacity == 128)
            for i in 0..<start {
                ring.append(FrameHandle(rawValue: UInt32(i)))
                _ = ring.removeFirst()
            }
            for i in 0..<128 {
                #expect(!ring.isFull)
                ring.append(FrameHandle(rawValue: UInt32(i)))
                if i % 5 == 4 {
                    // Take one out and put it back at the tail: the head moves while storage is growing.
                    let f = ring.removeFirst()
                    ring.append(f)
                }
            }
            #expect(ring.isFull)
            var out: [UInt32] = []
            while !ring.isEmpty { out.append(ring.removeFirst().rawValue) }
            #expect(out.count == 128)
            #expect(Set(out).count == 128)
        }
    }
}
