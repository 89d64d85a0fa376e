import Testing

@testable import SimCore

@Suite("Ring")
struct RingTests {
    @Test("elements come out in the order they went in, across many wraps, against an array")
    func fifoAgainstArray() {
        var ring = Ring(capacity: 5, filler: -1)  // storage of 8 slots, full at 5
        var reference: [Int] = []
        var random = RandomStream(seed: 7, name: "RingTests")
        var next = 0
        for _ in 0..<10_000 {
            if reference.count < 5 && (reference.isEmpty || random.nextUnit() < 0.55) {
                ring.append(next)
                reference.append(next)
                next += 1
            } else {
                #expect(ring.removeFirst() == reference.removeFirst())
            }
            #expect(ring.count == reference.count)
            #expect(ring.first == reference.first)
            #expect(ring.isFull == (reference.count == 5))
            #expect(ring.free == 5 - reference.count)
            for i in 0..<reference.count where ring[i] != reference[i] { Issue.record("position \(i) differs") }
        }
        #expect(next > 4_000)
    }

    @Test("a capacity that is not a power of two is exact; positions change in place; removeFirst(n) and removeAll")
    func capacityPositionsAndRemoval() {
        var ring = Ring(capacity: 3, filler: 0)
        #expect(ring.capacity == 3 && ring.isEmpty && ring.first == nil)
        for v in [10, 20, 30] { ring.append(v) }
        #expect(ring.isFull)
        ring[1] += 5
        #expect(ring[0] == 10 && ring[1] == 25 && ring[2] == 30)
        ring.removeFirst(2)
        #expect(ring.count == 1 && ring.first == 30)
        ring.append(40)
        ring.append(50)
        #expect(ring.isFull && ring[2] == 50)
        ring.removeAll()
        #expect(ring.isEmpty && ring.free == 3)
        let empty = Ring(capacity: 0, filler: 0)
        #expect(empty.isFull && empty.isEmpty)
    }
}
