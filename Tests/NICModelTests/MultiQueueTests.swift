import HostMemory
import NICModel
@testable import NICSimTesting
import SimCore
import Testing

@Suite("Several TX queues: shared DMA bus, round-robin MAC, batched descriptor fetch")
struct MultiQueueTests {
    @Test("two busy queues alternate on the wire, in ring order within each", arguments: [2, 5, 12])
    func roundRobin(perQueue: Int) throws {
        let bench = try Bench(ringSize: 16)
        bench.program()
        let q1 = try bench.addTransmitQueue(1)
        for i in 0..<perQueue {
            try bench.post(packetBytes(count: 700, tag: i), report: .last)
            try q1.post(packetBytes(count: 700, tag: 100 + i))
        }
        bench.doorbell()
        q1.doorbell()
        #expect(bench.run() == .idle)
        let expected = (0..<perQueue).flatMap {
            [packetBytes(count: 700, tag: $0), packetBytes(count: 700, tag: 100 + $0)]
        }
        #expect(bench.wire.frames == expected)
        #expect(bench.nic.counters.txFramesPerQueue == [UInt64(perQueue), UInt64(perQueue), 0, 0])
        #expect(bench.head == perQueue)
        #expect(bench.read(.transmitQueue(1, NICRegister.QueueOffset.head)) == UInt32(perQueue))
        for i in 0..<perQueue { #expect(try q1.status(i) == .descriptorDone) }
        // One descriptor batch per queue: each queue's packets were posted behind one doorbell.
        #expect(bench.nic.counters.descriptorBatches == 2)
    }

    @Test("DMA contention: queue 1's buffer read waits for queue 0's on the shared bus")
    func busContention() throws {
        // A slow bus (0.5 GB/s, slower than the 10 Gb/s wire) so the bus, not the MAC, sets the times.
        let c = NICConfiguration(dmaBytesPerSecond: 500_000_000)
        let bench = try Bench(configuration: c)
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        let q1 = try bench.addTransmitQueue(1)
        let length = 1000
        try bench.post(packetBytes(count: length, tag: 0), report: .last)
        try q1.post(packetBytes(count: length, tag: 1))
        bench.doorbell()
        q1.doorbell()
        #expect(bench.run() == .idle)
        // Link bytes (datasheet §5): a descriptor is one completion TLP, 16 + 20 = 36 bytes (72 ns at 2 ns a byte);
        // the 1,000-byte buffer ⌈1,000 / 256⌉ = 4 completions, 1,000 + 4 × 20 = 1,080 bytes (2,160 ns).
        let descriptor = picoseconds(TxDescriptor.size + 20, atPerSecond: c.dmaBytesPerSecond)
        let buffer = picoseconds(length + 4 * 20, atPerSecond: c.dmaBytesPerSecond)
        // Queue 0: its descriptor, then its buffer, each a round trip. Queue 1: its descriptor read is issued once
        // queue 0's descriptor bytes have crossed; its buffer read once queue 0's buffer bytes have.
        let first = SimTime.zero + c.dmaReadLatency * 2 + descriptor + buffer
        let second = SimTime.zero + c.dmaReadLatency * 2 + descriptor + buffer * 2
        #expect(firstBits.times == [first, second])
    }

    @Test("one queue alone is not slowed by another's idle ring")
    func loneQueue() throws {
        let c = NICConfiguration(dmaBytesPerSecond: 500_000_000)
        let bench = try Bench(configuration: c)
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        let q1 = try bench.addTransmitQueue(1)
        try q1.post(packetBytes(count: 1000, tag: 1))
        q1.doorbell()
        #expect(bench.run() == .idle)
        // Descriptor 16 + 20 link bytes, buffer 1,000 + 4 × 20 (four completion TLPs): 1,116 bytes, 2,232 ns.
        #expect(
            firstBits.times == [
                SimTime.zero + c.dmaReadLatency * 2
                    + picoseconds(TxDescriptor.size + 20 + 1000 + 4 * 20, atPerSecond: c.dmaBytesPerSecond)
            ])
    }

    @Test("N packets behind one doorbell cost one descriptor batch; N doorbells far apart cost N",
          arguments: [1, 4, 15])
    func descriptorBatches(count: Int) throws {
        let together = try Bench()
        together.program()
        for i in 0..<count { try together.post(packetBytes(count: 300, tag: i), report: .last) }
        together.doorbell()
        #expect(together.run() == .idle)
        #expect(together.wire.frames.count == count)
        #expect(together.nic.counters.descriptorBatches == 1)
        #expect(together.nic.counters.descriptorsFetched == UInt64(count))

        let apart = try Bench()
        apart.program()
        let script = Script(simulator: apart.simulator)
        for i in 0..<count {
            script.add(at: .microseconds(Int64(10 * i))) {
                _ = try? apart.post(packetBytes(count: 300, tag: i), report: .last)
                apart.doorbell()
            }
        }
        #expect(apart.run() == .idle)
        #expect(apart.wire.frames == together.wire.frames)
        #expect(apart.nic.counters.descriptorBatches == UInt64(count))
        #expect(apart.nic.counters.descriptorsFetched == UInt64(count))
    }

    @Test("a disabled queue's doorbell sends nothing until TXDCTL.ENABLE is set")
    func disabledQueue() throws {
        let bench = try Bench()
        bench.program()
        let q1 = try bench.addTransmitQueue(1)
        bench.write(.transmitQueue(1, NICRegister.QueueOffset.control), 0)
        try q1.post(packetBytes(count: 100, tag: 1))
        q1.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.isEmpty)
        bench.write(.transmitQueue(1, NICRegister.QueueOffset.control), NICRegister.QueueOffset.enableBit)
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [packetBytes(count: 100, tag: 1)])
    }
}
