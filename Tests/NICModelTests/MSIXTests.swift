import HostMemory
import NICModel
@testable import NICSimTesting
import SimCore
import Testing

/// Datasheet §6.3: MSI-X mode as the I210 and 82576 have it: IVAR routing, EICR, EIMS, EIAC, EIAM, EITR and the
/// other-cause vector. Each test is one rule of the conformance table (§13); times are worked out in the comments.
@Suite("MSI-X: per-queue vectors, extended cause and mask registers, EITR")
struct MSIXTests {
    static let valid = NICRegister.ivarValid

    /// MSI-X mode on, every vector enabled in EIMS, nothing auto-cleared or auto-masked.
    static func msixBench(autoMask: Bool = false) throws -> Bench {
        let bench = try Bench()
        bench.program(mask: [])
        let control: GeneralInterruptEnable = autoMask ? [.msixMode, .extendedAutoMask] : .msixMode
        bench.write(.gpie, control.rawValue)
        bench.write(.eims, NICRegister.msixVectorMask)
        return bench
    }

    /// Moves the bench's ring from TX queue 0 (disabled) to TX queue `q`.
    static func useQueue(_ q: Int, of bench: Bench) {
        bench.write(.tctl, 0)
        bench.write(.transmitQueue(0, NICRegister.QueueOffset.control), 0)
        bench.write(.transmitQueue(q, NICRegister.QueueOffset.baseLow), UInt32(truncatingIfNeeded: bench.ring.rawValue))
        bench.write(
            .transmitQueue(q, NICRegister.QueueOffset.baseHigh), UInt32(truncatingIfNeeded: bench.ring.rawValue >> 32))
        bench.write(.transmitQueue(q, NICRegister.QueueOffset.length), UInt32(bench.ringSize * TxDescriptor.size))
        bench.write(.transmitQueue(q, NICRegister.QueueOffset.control), NICRegister.QueueOffset.enableBit)
        bench.write(.tctl, TransmitControl.enable.rawValue)
    }

    @Test("a TX completion on queue 2 mapped to vector 3 sets EICR bit 3 and sends on vector 3 only, when legacy would")
    func queueToVector() throws {
        // IVAR(1) holds queues 2 and 3; TX queue 2 is bits 15:8: vector 3 | valid. One 100-byte packet with RS on
        // queue 2. Its completion raises TXDW|TXQE: TXDW goes to vector 3 (EICR bit 3, one message on vector 3 at
        // the completion instant, the instant the same packet interrupts on vector 0 in legacy mode); TXQE goes to
        // ICR, where IMS = 0 keeps it from the other vector. TXDW is not set in ICR.
        let legacy = try Bench()
        legacy.program(mask: .txDescriptorWritten)
        try legacy.post(packetBytes(count: 100, tag: 0), report: .last)
        legacy.doorbell()
        legacy.run()
        #expect(legacy.interrupts.vectors == [0])

        let bench = try Self.msixBench()
        Self.useQueue(2, of: bench)
        let (register, shift) = NICRegister.ivarEntry(queue: 2, transmit: true)
        #expect(register == .ivar(1) && shift == 8)
        bench.write(register, (3 | Self.valid) << shift)
        bench.write(.ivarMisc, (0 | Self.valid) << 8)
        try bench.post(packetBytes(count: 100, tag: 0), report: .last)
        bench.write(.transmitQueue(2, NICRegister.QueueOffset.tail), UInt32(bench.next))
        bench.run()
        #expect(bench.interrupts.vectors == [3])
        #expect(bench.interrupts.times == legacy.interrupts.times)
        #expect(bench.read(.eicr) == 1 << 3)
        #expect(InterruptCause(rawValue: bench.read(.icr)) == .txQueueEmpty)
    }

    @Test("a frame on RX queue 0 mapped to vector 5 sends on vector 5 when legacy sends on 0; RXT0 stays out of ICR")
    func receiveToVector() throws {
        // RX queue 0's entry is IVAR(0) bits 7:0. A lone 1,000-byte frame at 3 µs: RXT0 goes to vector 5 at the
        // instant the same frame interrupts on vector 0 in legacy mode (its landing, datasheet §11.2).
        let frame = ReceivePathTests.udpFrame(length: 1000, tag: 1)
        let legacy = try Bench()
        let legacyRing = try RxRingDriver(bench: legacy, ringSize: 2)
        legacyRing.program(tail: 1)
        Script(simulator: legacy.simulator).add(at: .microseconds(3)) { legacy.deliver(frame) }
        legacy.run()
        #expect(legacy.interrupts.vectors == [0])

        let bench = try Bench()
        let rx = try RxRingDriver(bench: bench, ringSize: 2)
        rx.program(tail: 1, mask: [])
        bench.write(.gpie, GeneralInterruptEnable.msixMode.rawValue)
        bench.write(.eims, NICRegister.msixVectorMask)
        let (register, shift) = NICRegister.ivarEntry(queue: 0, transmit: false)
        #expect(register == .ivar(0) && shift == 0)
        bench.write(register, (5 | Self.valid) << shift)
        bench.write(.ivarMisc, (0 | Self.valid) << 8)
        let script = Script(simulator: bench.simulator)
        script.add(at: .microseconds(3)) { bench.deliver(frame) }
        bench.run()
        #expect(bench.interrupts.vectors == [5])
        #expect(bench.interrupts.times == legacy.interrupts.times)
        #expect(bench.read(.eicr) == 1 << 5)
        #expect(bench.read(.icr) == 0)
        #expect(try rx.buffer(0, count: frame.count) == frame)
    }

    @Test("IVAR: an entry without its valid bit sends nothing and sets no EICR bit; DD is still written")
    func invalidEntry() throws {
        // TX queue 0's entry (IVAR(0) bits 15:8) names vector 1 without bit 7: the completion reaches no vector.
        let bench = try Self.msixBench()
        bench.write(.ivar(0), 1 << 8)
        try bench.post(packetBytes(count: 100, tag: 0), report: .last)
        bench.doorbell()
        bench.run()
        #expect(bench.interrupts.count == 0)
        #expect(bench.read(.eicr) == 0)
        #expect(try bench.status(0).contains(.descriptorDone))
        // The same with the valid bit: one message on vector 1.
        bench.write(.ivar(0), (1 | Self.valid) << 8)
        try bench.post(packetBytes(count: 100, tag: 1), report: .last)
        bench.doorbell()
        bench.run()
        #expect(bench.interrupts.vectors == [1])
    }

    @Test("EIMS written for a vector whose EICR bit is set raises its message at once; EIMC masks")
    func unmaskPending() throws {
        // EIMS = 0 except vector 3 masked by EIMC. EICS bit 3 at 1 µs: EICR bit 3, no message. EIMS bit 2 at 2 µs
        // (not pending): nothing. EIMS bit 3 at 3 µs: one message on vector 3 at 3 µs.
        let bench = try Self.msixBench()
        bench.write(.eimc, NICRegister.msixVectorMask)
        let script = Script(simulator: bench.simulator)
        script.add(at: .nanoseconds(1_000)) { bench.write(.eics, 1 << 3) }
        script.add(at: .nanoseconds(2_000)) { bench.write(.eims, 1 << 2) }
        script.add(at: .nanoseconds(3_000)) { bench.write(.eims, 1 << 3) }
        bench.run(until: .nanoseconds(2_500))
        #expect(bench.interrupts.count == 0)
        #expect(bench.read(.eicr) == 1 << 3)
        #expect(bench.read(.eims) == 1 << 2)
        bench.run()
        #expect(bench.interrupts.times == [.nanoseconds(3_000)])
        #expect(bench.interrupts.vectors == [3])
    }

    @Test("EIAC: a vector's EICR bit clears when its message goes; without EIAC it stays until written 1")
    func autoClear() throws {
        let bench = try Self.msixBench()
        bench.write(.eiac, 1 << 1)
        bench.write(.eics, 1 << 1 | 1 << 2)
        #expect(bench.interrupts.vectors == [1, 2])
        #expect(bench.read(.eicr) == 1 << 2)
        bench.write(.eicr, 1 << 2)
        #expect(bench.read(.eicr) == 0)
    }

    @Test("EIAM with GPIE.EIAME: a message masks its vector in EIMS; without EIAME nothing is masked")
    func autoMask() throws {
        // Vector 1 auto-masks: the first EICS sends, the second (EIMS bit 1 now clear) does not. Vector 2 has no
        // EIAM bit: both its EICS writes send. Without EIAME, EIAM does nothing.
        let bench = try Self.msixBench(autoMask: true)
        bench.write(.eiac, NICRegister.msixVectorMask)
        bench.write(.eiam, 1 << 1)
        bench.write(.eics, 1 << 1)
        #expect(bench.read(.eims) & (1 << 1) == 0)
        bench.write(.eics, 1 << 1)
        bench.write(.eics, 1 << 2)
        bench.write(.eics, 1 << 2)
        #expect(bench.interrupts.vectors == [1, 2, 2])
        // Unmasking vector 1 raises the cause its second EICS left pending.
        bench.write(.eims, 1 << 1)
        #expect(bench.interrupts.vectors == [1, 2, 2, 1])

        let plain = try Self.msixBench(autoMask: false)
        plain.write(.eiac, NICRegister.msixVectorMask)
        plain.write(.eiam, 1 << 1)
        plain.write(.eics, 1 << 1)
        plain.write(.eics, 1 << 1)
        #expect(plain.interrupts.vectors == [1, 1])
        #expect(plain.read(.eims) == NICRegister.msixVectorMask)
    }

    @Test("EITR: bits 14:2 in µs space one vector's messages; another vector is not held back")
    func throttlePerVector() throws {
        // EITR(1) = 10 << 2 = 40: 10 µs. EITR(2) = 0. EICS vector 1 at 1 µs: sent (window to 11 µs). EICS vector 2 at
        // 2 µs: sent. EICS vector 1 at 3 µs: owed, sent at 11 µs. EICS vector 2 at 4 µs: sent. EICS vector 1 at 5 µs
        // merges into the owed one. EIAC auto-clears, so each message ends its cause.
        let bench = try Self.msixBench()
        bench.write(.eiac, NICRegister.msixVectorMask)
        bench.write(.eitr(1), 40 | 3 | 1 << 15)
        #expect(bench.read(.eitr(1)) == 40)
        let script = Script(simulator: bench.simulator)
        script.add(at: .nanoseconds(1_000)) { bench.write(.eics, 1 << 1) }
        script.add(at: .nanoseconds(2_000)) { bench.write(.eics, 1 << 2) }
        script.add(at: .nanoseconds(3_000)) { bench.write(.eics, 1 << 1) }
        script.add(at: .nanoseconds(4_000)) { bench.write(.eics, 1 << 2) }
        script.add(at: .nanoseconds(5_000)) { bench.write(.eics, 1 << 1) }
        bench.run()
        #expect(bench.interrupts.times == [.nanoseconds(1_000), .nanoseconds(2_000), .nanoseconds(4_000),
                                           .nanoseconds(11_000)])
        #expect(bench.interrupts.vectors == [1, 2, 2, 1])
    }

    @Test("other causes: an ICR cause enabled in IMS goes to IVAR_MISC's vector; masked in IMS, to none")
    func otherCauses() throws {
        // IVAR_MISC bits 15:8 = vector 0 | valid. ICS LSC with IMS = 0: ICR holds it, no message. IMS = LSC for the
        // pending cause: one message on vector 0. ICR reads LSC | INT_ASSERTED.
        let bench = try Self.msixBench()
        bench.write(.ivarMisc, (0 | Self.valid) << 8)
        bench.write(.ics, InterruptCause.linkStatusChange.rawValue)
        #expect(bench.interrupts.count == 0)
        bench.write(.ims, InterruptCause.linkStatusChange.rawValue)
        #expect(bench.interrupts.vectors == [0])
        #expect(bench.read(.icr) == InterruptCause.linkStatusChange.rawValue | 1 << 31)
    }

    @Test("GPIE.MSIX_MODE clear: causes go to vector 0 as in legacy mode and EICS sends nothing")
    func legacyMode() throws {
        let bench = try Bench()
        bench.program(mask: .txDescriptorWritten)
        bench.write(.ivar(0), (1 | Self.valid) << 8)
        bench.write(.eims, NICRegister.msixVectorMask)
        bench.write(.eics, 1 << 1)
        #expect(bench.interrupts.count == 0)
        try bench.post(packetBytes(count: 100, tag: 0), report: .last)
        bench.doorbell()
        bench.run()
        #expect(bench.interrupts.vectors == [0])
        #expect(bench.read(.gpie) == 0)
    }
}
