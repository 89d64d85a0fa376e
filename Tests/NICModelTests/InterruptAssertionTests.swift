import HostMemory
import NICModel
@testable import NICSimTesting
import SimCore
import Testing

/// Datasheet §6.1 rules 1–4: held causes, assertion while ICR & IMS ≠ 0, unmasking a pending cause, auto-mask; and
/// the cause bit positions of the 8254x family. Each test is one rule of the conformance table (§13).
@Suite("Interrupts as the 82574 asserts them: ICR & IMS, INT_ASSERTED, IAM, held causes")
struct InterruptAssertionTests {
    static let asserted = InterruptCause.interruptAsserted

    @Test("IMS written for a cause already pending raises the interrupt at once; for one not pending, nothing")
    func unmaskPending() throws {
        // One 100-byte packet with RS, all causes masked: its completion (≈1.12 µs) sets TXDW|TXQE in ICR and sends
        // nothing. At 5 µs IMS = RXT0 (not pending): nothing. At 6 µs IMS = TXDW (pending): one message at 6 µs.
        let bench = try Bench()
        bench.program(mask: [])
        try bench.post(packetBytes(count: 100, tag: 0), report: .last)
        bench.doorbell()
        bench.run(until: .nanoseconds(5_000))
        #expect(bench.interrupts.count == 0)
        bench.write(.ims, InterruptCause.rxTimer.rawValue)
        #expect(bench.interrupts.count == 0)
        bench.run(until: .nanoseconds(6_000))
        bench.write(.ims, InterruptCause.txDescriptorWritten.rawValue)
        #expect(bench.interrupts.times == [.nanoseconds(6_000)])
        #expect(InterruptCause(rawValue: bench.read(.icr)) == [.txDescriptorWritten, .txQueueEmpty, Self.asserted])
    }

    @Test("unmasking under ITR: the raised interrupt waits for the end of the ITR window (NAPI mask, poll, unmask)")
    func unmaskUnderITR() throws {
        // ITR 40 = 10.24 µs. ICS LSC at 1 µs: message at 1 µs, window to 11.24 µs. The handler reads ICR and masks
        // (IMC). ICS LSC at 2 µs: masked, nothing. IMS LSC at 3 µs: owed now, sent at the window's end, 11.24 µs.
        let bench = try Bench()
        bench.program(mask: .linkStatusChange)
        bench.write(.itr, 40)
        let script = Script(simulator: bench.simulator)
        script.add(at: .nanoseconds(1_000)) { bench.write(.ics, InterruptCause.linkStatusChange.rawValue) }
        script.add(at: .nanoseconds(1_500)) {
            _ = bench.read(.icr)
            bench.write(.imc, InterruptCause.linkStatusChange.rawValue)
        }
        script.add(at: .nanoseconds(2_000)) { bench.write(.ics, InterruptCause.linkStatusChange.rawValue) }
        script.add(at: .nanoseconds(3_000)) { bench.write(.ims, InterruptCause.linkStatusChange.rawValue) }
        bench.run()
        #expect(bench.interrupts.times == [.nanoseconds(1_000), .nanoseconds(11_240)])
    }

    @Test("ICR bit 31 INT_ASSERTED reads 1 exactly while a pending cause is enabled")
    func intAsserted() throws {
        // ICS LSC with IMS = 0: ICR reads LSC alone. ICS LSC with IMS = LSC: ICR reads LSC | bit 31. ICS cannot set
        // bit 31: writing it alone sets nothing.
        let bench = try Bench()
        bench.program(mask: [])
        bench.write(.ics, InterruptCause.linkStatusChange.rawValue)
        #expect(bench.read(.icr) == InterruptCause.linkStatusChange.rawValue)
        bench.write(.ims, InterruptCause.linkStatusChange.rawValue)
        bench.write(.ics, InterruptCause.linkStatusChange.rawValue)
        #expect(bench.read(.icr) == InterruptCause.linkStatusChange.rawValue | 1 << 31)
        bench.write(.ics, 1 << 31)
        #expect(bench.read(.icr) == 0)
        #expect(bench.interrupts.count == 1)
    }

    @Test("IAM with CTRL_EXT.IAME: an asserted ICR read masks IAM's bits; without IAME or INT_ASSERTED, nothing")
    func autoMask() throws {
        let bench = try Bench()
        let lsc = InterruptCause.linkStatusChange.rawValue
        let txqe = InterruptCause.txQueueEmpty.rawValue
        bench.program(mask: [])
        bench.write(.iam, 0xFFFF_FFFF)
        bench.write(.ims, lsc | txqe)
        // Without IAME: an asserted read leaves IMS alone.
        bench.write(.ics, lsc)
        #expect(bench.read(.icr) == lsc | 1 << 31)
        #expect(bench.read(.ims) == lsc | txqe)
        // With IAME: the asserted read clears every IAM bit in IMS (as a write of IAM to IMC).
        bench.write(.ctrlExt, ExtendedControl.autoMaskEnable.rawValue)
        #expect(bench.read(.ctrlExt) == 1 << 27)
        bench.write(.ics, lsc)
        #expect(bench.read(.icr) == lsc | 1 << 31)
        #expect(bench.read(.ims) == 0)
        // Masked now: a read of a pending but disabled cause is not asserted and masks nothing more.
        bench.write(.ims, lsc)
        bench.write(.ics, txqe)
        #expect(bench.read(.icr) == txqe)
        #expect(bench.read(.ims) == lsc)
        // Two messages: the two ICS LSC writes while LSC was enabled.
        #expect(bench.interrupts.count == 2)
    }

    @Test("a cause held by TIDV is not in ICR until the timer expires; then it is, with the interrupt")
    func heldCause() throws {
        // TIDV 10 = 10.24 µs. One 100-byte IDE packet with RS completes (is in the packet buffer, datasheet §4.5) at
        // c = 2·500 ns + (16 + 20 + 100 + 20) B / 3,938 MB/s ≈ 1.040 µs (each read one completion TLP of 20 overhead
        // bytes, datasheet §5), and leaves the wire (8 + 100 + 4)·8 bits / 10 Gb/s later. ICR read at 6 µs: 0
        // (TXDW|TXQE held on the TX path; TXQE
        // masked, so the report may wait). Interrupt at c + 10.24 µs, and ICR then reads TXDW|TXQE|INT_ASSERTED.
        let bench = try Bench()
        bench.program(mask: .txDescriptorWritten)
        bench.moderate(tidv: 10)
        try bench.post(packetBytes(count: ModerationThroughNICTests.length, tag: 0), report: .last,
                       first: .interruptDelay)
        bench.doorbell()
        var early: UInt32 = 0xDEAD
        var atInterrupt: UInt32 = 0
        let script = Script(simulator: bench.simulator)
        script.add(at: .nanoseconds(6_000)) { early = bench.read(.icr) }
        bench.interrupts.onInterrupt = { atInterrupt = bench.read(.icr) }
        bench.run()
        let c = SimTime.zero + ModerationThroughNICTests.doorbellToDone(bench.nic.configuration)
        #expect(
            bench.wire.times == [SimTime.zero + ModerationThroughNICTests.doorbellToLastBit(bench.nic.configuration)])
        #expect(early == 0)
        #expect(bench.interrupts.times == [c + .nanoseconds(10_240)])
        #expect(atInterrupt == InterruptCause([.txDescriptorWritten, .txQueueEmpty, Self.asserted]).rawValue)
    }

    @Test("cause bits sit where the 8254x family has them; nicsim's TXDE is on a bit the 8254x/82571/82574 reserve")
    func bitPositions() {
        // 82540/82574 ICR: TXDW 0, TXQE 1, LSC 2, RXDMT0 4, RXO 6, RXT0 7, INT_ASSERTED 31 (82571/82574).
        #expect(InterruptCause.txDescriptorWritten.rawValue == 1 << 0)
        #expect(InterruptCause.txQueueEmpty.rawValue == 1 << 1)
        #expect(InterruptCause.linkStatusChange.rawValue == 1 << 2)
        #expect(InterruptCause.rxDescriptorsExhausted.rawValue == 1 << 4)
        #expect(InterruptCause.rxOverrun.rawValue == 1 << 6)
        #expect(InterruptCause.rxTimer.rawValue == 1 << 7)
        #expect(InterruptCause.interruptAsserted.rawValue == 1 << 31)
        // Bits the family defines: 0–4, 6, 7, 9–25 (RXSEQ, MDAC, RXCFG, GPI, TXD_LOW, SRPD, ACK, MNG, the 82574's
        // MSI-X queue bits and parity bits) and 31.
        let defined: UInt32 = 0b1101_1111 | 0x03FF_FE00 | 1 << 31
        #expect(InterruptCause.txDescriptorError.rawValue & defined == 0)
        #expect(InterruptCause.txDescriptorError.rawValue.nonzeroBitCount == 1)
    }
}
