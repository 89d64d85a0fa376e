import HostMemory
import NICModel
import SimCore
import Testing

@Suite("Statistics registers")
struct StatisticsTests {
    @Test("GPTC, GOTCL and GOTCH count good packets and octets and clear on read")
    func goodPackets() throws {
        let bench = try Bench()
        bench.program()
        let lengths = [60, 42, 1514, 777]
        for (i, n) in lengths.enumerated() { try bench.post(packetBytes(count: n, tag: i), pieces: 1 + i % 2) }
        _ = try BadPacket.bufferUnallocated.post(on: bench)
        bench.doorbell()
        #expect(bench.run() == .idle)

        #expect(bench.read(.gptc) == UInt32(lengths.count))
        #expect(bench.read(.gptc) == 0)
        // Octets of the frames as handed to the MAC (no padding, no FCS); error packets do not count.
        #expect(bench.read(.gotcl) == UInt32(lengths.reduce(0, +)))
        #expect(bench.read(.gotch) == 0)
        #expect(bench.read(.gotcl) == 0)
        #expect(bench.read(.gotch) == 0)
        #expect(bench.nic.counters.framesTransmitted == UInt64(lengths.count))
        #expect(bench.nic.counters.octetsTransmitted == UInt64(lengths.reduce(0, +)))

        // The counters start again from zero.
        try bench.post(packetBytes(count: 100, tag: 9))
        bench.doorbell()
        bench.run()
        #expect(bench.read(.gptc) == 1)
        #expect(bench.read(.gotcl) == 100)
        #expect(bench.read(.gotch) == 0)
    }

    @Test("TDEC counts packets completed with an error, once per packet, and clears on read")
    func descriptorErrors() throws {
        let bench = try Bench(ringSize: 32)
        bench.program()
        let bad: [BadPacket] = [.allDescriptorsEmpty, .secondBufferUnallocated, .extendedSecondDescriptor,
                                .oneByteOverMaxFrame]
        for (i, b) in bad.enumerated() {
            _ = try b.post(on: bench)
            try bench.post(packetBytes(count: 100, tag: i))
        }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.read(.tdec) == UInt32(bad.count))
        #expect(bench.read(.tdec) == 0)
        #expect(bench.read(.gptc) == UInt32(bad.count))
        let c = bench.nic.counters
        #expect(c.txLengthErrors == 2)
        #expect(c.txDMAErrors == 1)
        #expect(c.txFormatErrors == 1)
        #expect(c.framesTransmitted == UInt64(bad.count))
    }

    @Test("RAEC counts refused register writes and clears on read")
    func registerErrors() throws {
        let bench = try Bench()
        bench.program()
        bench.write(.tdt, 99)
        bench.write(.tdlen, 3)
        bench.write(NICRegister(rawValue: 0x5000), 1)
        #expect(bench.read(.raec) == 3)
        #expect(bench.read(.raec) == 0)
        #expect(bench.nic.counters.registerErrors == 3)
    }
}
