import NICModel
import SimCore
import Testing

@Suite("Extended statistics registers (datasheet §9)")
struct ExtendedStatisticsTests {
    @Test("per-queue, interrupt-by-cause, ring-empty and drop-by-reason counts clear on read and after reset")
    func counts() throws {
        let bench = try Bench()
        bench.program(mask: [.txDescriptorWritten, .txDescriptorError, .txQueueEmpty])
        for i in 0..<3 { try bench.post(packetBytes(count: 100, tag: i), report: .last) }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.read(.tqpc(0)) == 3)
        #expect(bench.read(.tqpc(0)) == 0, "clear on read")
        #expect(bench.read(.tqpc(1)) == 0)
        let interrupts = UInt32(bench.interrupts.count)
        #expect(bench.read(.icc) == interrupts)
        #expect(bench.read(.ictxc) == interrupts)
        #expect(bench.read(.icerc) == 0)
        #expect(bench.read(.txqec) >= 1)
        // Receive drops while the receiver is disabled are counted by reason.
        for i in 0..<4 { bench.deliver(ReceivePathTests.udpFrame(length: 200, tag: i)) }
        #expect(bench.run() == .idle)
        #expect(bench.read(.rxddc) == 4)
        #expect(bench.read(.rxddc) == 0)
        // Writes to them are refused like any read-only register.
        let refusedBefore = bench.nic.counters.registerErrors
        bench.write(.icc, 7)
        #expect(bench.nic.counters.registerErrors == refusedBefore + 1)
        // A reset brings them back to 0 although the cumulative counters go on.
        for i in 0..<2 { bench.deliver(ReceivePathTests.udpFrame(length: 200, tag: i)) }
        #expect(bench.run() == .idle)
        bench.write(.ctrl, 1 << 26)
        #expect(bench.read(.rxddc) == 0)
        #expect(bench.nic.counters.rxDroppedDisabled == 6)
    }
}
