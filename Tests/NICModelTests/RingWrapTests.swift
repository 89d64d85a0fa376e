import HostMemory
import NICModel
import SimCore
import Testing

@Suite("TX ring wrap-around")
struct RingWrapTests {
    /// Every start position of rings of 8, 16 and 64 descriptors.
    static let cases: [(Int, Int)] = [8, 16, 64].flatMap { size in (0..<size).map { (size, $0) } }

    /// One planned packet: its bytes, descriptor count and where report-status goes.
    struct Planned {
        var bytes: [UInt8]
        var pieces: Int
        var report: Bench.Report
    }

    /// Packets of 1–3 descriptors that together fill the whole ring (size − 1 descriptors).
    static func mixedBatch(size: Int, start: Int) -> [Planned] {
        var plan: [Planned] = []
        var used = 0
        var p = 0
        while used < size - 1 {
            let pieces = min(1 + (p + start) % 3, size - 1 - used)
            let report: Bench.Report = p % 2 == 1 ? .none : (p % 4 == 0 ? .first : .last)
            let length = 60 + (p * 131 + start * 17) % 400
            let bytes = packetBytes(count: length, tag: p * 100 + start)
            plan.append(Planned(bytes: bytes, pieces: pieces, report: report))
            used += pieces
            p += 1
        }
        plan[plan.count - 1].report = .last
        return plan
    }

    /// size − 1 one-descriptor packets, report-status on every third and on the last.
    static func singleBatch(size: Int, start: Int) -> [Planned] {
        (0..<(size - 1)).map { p in
            Planned(bytes: packetBytes(count: 64 + (p * 7) % 1450, tag: 50_000 + p), pieces: 1,
                    report: p % 3 == 0 || p == size - 2 ? .last : .none)
        }
    }

    @Test("frames, TDH, DD write-back and frame storage across the wrap, every start", arguments: cases)
    func wrapAround(size: Int, start: Int) throws {
        let bench = try Bench(ringSize: size)
        bench.program(start: start, mask: .txDescriptorWritten)
        #expect(bench.head == start)
        #expect(bench.read(.tdt) == UInt32(start))

        var expectedFrames: [[UInt8]] = []
        var expectedHead = start
        var expectedInterrupts = 0
        for batch in [Self.mixedBatch(size: size, start: start), Self.singleBatch(size: size, start: start)] {
            var reported: Set<Int> = []
            var slots: [Int] = []
            for packet in batch {
                let indices = try bench.post(packet.bytes, pieces: packet.pieces, report: packet.report)
                slots += indices
                if packet.report != .none, let last = indices.last { reported.insert(last) }
            }
            // size − 1 consecutive slots from the head; they wrap past the end unless the head is 0 or 1.
            #expect(slots == (0..<(size - 1)).map { (expectedHead + $0) % size })
            #expect((expectedHead + slots.count > size) == (expectedHead >= 2))
            bench.doorbell()
            #expect(bench.run() == .idle)

            expectedFrames += batch.map(\.bytes)
            expectedHead = (expectedHead + slots.count) % size
            expectedInterrupts += reported.count
            #expect(bench.wire.frames == expectedFrames, "size \(size) start \(start)")
            #expect(bench.head == expectedHead)
            for slot in slots {
                let status = try bench.status(slot)
                #expect(status == (reported.contains(slot) ? .descriptorDone : []), "slot \(slot)")
            }
            #expect(bench.interrupts.count == expectedInterrupts)
            #expect(bench.simulator.frames.live == 0)
        }
        #expect(bench.nic.counters.framesTransmitted == UInt64(expectedFrames.count))
        let c = bench.nic.counters
        #expect(c.txDMAErrors + c.txLengthErrors + c.txFormatErrors == 0)
    }

    @Test("frames that wait for room in the ring keep their order", arguments: [8, 16])
    func refillWhileRunning(size: Int) throws {
        // The driver tops the ring up whenever the head moves: 5 rounds of posting what fits.
        let bench = try Bench(ringSize: size)
        bench.program(start: size / 2, mask: .txDescriptorWritten)
        var sent: [[UInt8]] = []
        var tag = 0
        for _ in 0..<5 {
            let free = (bench.head - bench.next - 1 + size) % size
            for _ in 0..<free {
                let bytes = packetBytes(count: 60 + tag * 13 % 1000, tag: tag)
                try bench.post(bytes, report: .last)
                sent.append(bytes)
                tag += 1
            }
            bench.doorbell()
            bench.run(until: bench.simulator.now + .microseconds(3))
        }
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == sent)
        #expect(bench.head == bench.next)
        #expect(bench.simulator.frames.live == 0)
    }
}
