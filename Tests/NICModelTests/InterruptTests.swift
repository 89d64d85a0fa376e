import HostMemory
import NICModel
import SimCore
import Testing

@Suite("Interrupts: causes, mask, read-to-clear")
struct InterruptTests {
    @Test("RS on every packet: one interrupt per packet, when it is in the packet buffer", arguments: [1, 2, 7])
    func everyPacket(count: Int) throws {
        let bench = try Bench()
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program(mask: .txDescriptorWritten)
        for i in 0..<count { try bench.post(packetBytes(count: 200 + 100 * i, tag: i), report: .last) }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.times.count == count)
        // Datasheet §4.5: each packet is done when its fetch completes, no later than its first bit (the MAC may
        // still be busy with the one before), and well before its last bit; the first meets an idle MAC.
        #expect(bench.interrupts.times.count == count)
        #expect(bench.interrupts.times.first == firstBits.times.first)
        for i in 0..<count {
            #expect(bench.interrupts.times[i] <= firstBits.times[i])
            #expect(bench.interrupts.times[i] < bench.wire.times[i])
        }
        #expect(bench.nic.counters.interrupts == UInt64(count))
    }

    @Test("RPS on every packet: one interrupt per packet, at its last bit", arguments: [1, 2, 7])
    func everyPacketReportSent(count: Int) throws {
        let bench = try Bench()
        bench.program(mask: .txDescriptorWritten)
        for i in 0..<count {
            try bench.post(packetBytes(count: 200 + 100 * i, tag: i), report: .last, first: .reportPacketSent)
        }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.times.count == count)
        #expect(bench.interrupts.times == bench.wire.times)
        #expect(bench.nic.counters.interrupts == UInt64(count))
    }

    @Test("""
        RS (RS|RPS) only on the last of N packets: exactly one interrupt, when it is in the packet buffer \
        (on the wire)
        """,
          arguments: [1, 2, 5, 15], [false, true])
    func lastOnly(count: Int, reportSent: Bool) throws {
        let bench = try Bench(ringSize: 32)
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program(mask: [.txDescriptorWritten, .txDescriptorError, .txQueueEmpty])
        for i in 0..<count {
            try bench.post(packetBytes(count: 1000, tag: i), pieces: 1 + i % 2, report: i == count - 1 ? .last : .none,
                           first: reportSent && i == count - 1 ? .reportPacketSent : [])
        }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.times.count == count)
        if reportSent {
            #expect(bench.interrupts.times == [bench.wire.times.last])
        } else {
            // Fetched no later than its first bit; TXQE comes with it (every descriptor is done, datasheet §6.1).
            #expect(bench.interrupts.times.count == 1)
            #expect(bench.interrupts.times[0] <= firstBits.times.last!)
        }
        #expect(InterruptCause(rawValue: bench.read(.icr)) == [.txDescriptorWritten, .txQueueEmpty, .interruptAsserted])
    }

    @Test("a masked cause sends no interrupt but shows in ICR; ICR clears on read")
    func masked() throws {
        let bench = try Bench()
        bench.program(mask: [])
        #expect(bench.read(.ims) == 0)
        for i in 0..<3 { try bench.post(packetBytes(count: 100, tag: i), report: .last) }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.count == 3)
        #expect(bench.interrupts.count == 0)
        #expect(bench.nic.counters.interrupts == 0)
        let cause = InterruptCause(rawValue: bench.read(.icr))
        #expect(cause.contains(.txDescriptorWritten))
        #expect(cause.contains(.txQueueEmpty))
        #expect(!cause.contains(.txDescriptorError))
        #expect(bench.read(.icr) == 0)
    }

    @Test("IMC masks what IMS unmasked")
    func maskClear() throws {
        let bench = try Bench()
        bench.program(mask: [.txDescriptorWritten, .linkStatusChange])
        bench.write(.imc, InterruptCause.txDescriptorWritten.rawValue)
        #expect(InterruptCause(rawValue: bench.read(.ims)) == .linkStatusChange)
        try bench.post(packetBytes(count: 100, tag: 0), report: .last)
        bench.doorbell()
        bench.run()
        #expect(bench.wire.frames.count == 1)
        #expect(bench.interrupts.count == 0)
        #expect(InterruptCause(rawValue: bench.read(.icr)).contains(.txDescriptorWritten))
    }

    @Test("ICS sets a cause, and interrupts at once only when the cause is enabled")
    func causeSet() throws {
        let bench = try Bench()
        bench.program(mask: [])
        bench.run(until: .nanoseconds(1234))
        bench.write(.ics, InterruptCause.linkStatusChange.rawValue)
        #expect(bench.interrupts.count == 0)
        #expect(bench.read(.icr) == InterruptCause.linkStatusChange.rawValue)
        #expect(bench.read(.icr) == 0)

        bench.write(.ims, InterruptCause.linkStatusChange.rawValue)
        bench.write(.ics, InterruptCause([.linkStatusChange, .txQueueEmpty]).rawValue)
        #expect(bench.interrupts.times == [.nanoseconds(1234)])
        #expect(InterruptCause(rawValue: bench.read(.icr)) == [.linkStatusChange, .txQueueEmpty, .interruptAsserted])
        #expect(bench.read(.icr) == 0)

        // A cause outside the mask, set while another is pending, sends nothing more.
        bench.write(.ics, InterruptCause.txQueueEmpty.rawValue)
        #expect(bench.interrupts.count == 1)
        // Unknown cause bits survive the round trip.
        bench.write(.ics, 1 << 30)
        #expect(bench.read(.icr) == InterruptCause.txQueueEmpty.rawValue | 1 << 30)
        // Write-only registers read as 0.
        #expect(bench.read(.ics) == 0)
        #expect(bench.read(.imc) == 0)
    }
}
