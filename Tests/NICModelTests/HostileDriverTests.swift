import HostMemory
import NICModel
import SimCore
import Testing

/// Malformed packets a driver can post; each must become device state while the device carries on.
enum BadPacket: CaseIterable, Sendable, CustomTestStringConvertible {
    case allDescriptorsEmpty
    case oneByteOverMaxFrame
    case farOverMaxFrame
    case bufferBeyondMemory
    case bufferUnallocated
    case bufferStraddlesIntoUnallocated
    case bufferAddressOverflows
    case secondBufferUnallocated
    case extendedDescriptor
    case extendedSecondDescriptor

    var testDescription: String { "\(self)" }

    var expected: TxStatus {
        switch self {
        case .allDescriptorsEmpty, .oneByteOverMaxFrame, .farOverMaxFrame: .lengthError
        case .bufferBeyondMemory, .bufferUnallocated, .bufferStraddlesIntoUnallocated, .bufferAddressOverflows,
             .secondBufferUnallocated: .dmaError
        case .extendedDescriptor, .extendedSecondDescriptor: .formatError
        }
    }

    /// DMA faults the packet causes.
    var faults: UInt64 { expected == .dmaError ? 1 : 0 }

    /// Posts the packet at the bench's software tail and returns its descriptor indices.
    func post(on bench: Bench) throws -> [Int] {
        let maxFrame = bench.nic.configuration.maxFrameBytes
        func one(_ address: UInt64, _ length: Int, _ command: TxCommand = [.endOfPacket]) throws -> [Int] {
            [try bench.append(TxDescriptor(bufferAddress: address, length: UInt16(length), command: command))]
        }
        switch self {
        case .allDescriptorsEmpty:
            let a = try bench.append(
                TxDescriptor(bufferAddress: bench.bufferAddress(0).rawValue, length: 0, command: []))
            let b = try bench.append(TxDescriptor(bufferAddress: 0, length: 0, command: .endOfPacket))
            return [a, b]
        case .oneByteOverMaxFrame:
            return try bench.post(packetBytes(count: maxFrame + 1, tag: 9), pieces: 2, report: .none)
        case .farOverMaxFrame:
            return try one(bench.bufferAddress(bench.next).rawValue, Int(UInt16.max))
        case .bufferBeyondMemory:
            return try one(bench.memory.size + 4096, 100)
        case .bufferUnallocated:
            return try one(0x1000, 100)
        case .bufferStraddlesIntoUnallocated:
            // The buffers are the lowest contiguous allocation; the frame below them is free.
            return try one(bench.buffers.rawValue - 50, 100)
        case .bufferAddressOverflows:
            return try one(UInt64.max - 40, 100)
        case .secondBufferUnallocated:
            let a = try bench.append(TxDescriptor(bufferAddress: bench.bufferAddress(bench.next).rawValue, length: 100,
                                                  command: []))
            return [a] + (try one(0x3000, 100))
        case .extendedDescriptor:
            return try one(bench.bufferAddress(bench.next).rawValue, 100, [.endOfPacket, .extended])
        case .extendedSecondDescriptor:
            let a = try bench.append(TxDescriptor(bufferAddress: bench.bufferAddress(bench.next).rawValue, length: 100,
                                                  command: []))
            return [a] + (try one(bench.bufferAddress(a).rawValue, 100, [.endOfPacket, .extended]))
        }
    }
}

@Suite("Hostile driver: errors become device state, the device carries on")
struct HostileDriverTests {
    @Test("a malformed packet completes with an error status; good packets around it go out",
          arguments: BadPacket.allCases)
    func badPacket(_ bad: BadPacket) throws {
        let bench = try Bench()
        bench.program(start: 11)
        let before = packetBytes(count: 300, tag: 1)
        try bench.post(before, report: .last)
        let indices = try bad.post(on: bench)
        let after = packetBytes(count: 200, tag: 2)
        try bench.post(after, report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)

        #expect(bench.wire.frames == [before, after])
        #expect(try bench.status(indices.last!) == bad.expected.union(.descriptorDone))
        for i in indices.dropLast() { #expect(try bench.status(i) == []) }
        let c = bench.nic.counters
        #expect(c.txLengthErrors == (bad.expected == .lengthError ? 1 : 0))
        #expect(c.txDMAErrors == (bad.expected == .dmaError ? 1 : 0))
        #expect(c.txFormatErrors == (bad.expected == .formatError ? 1 : 0))
        #expect(bench.dma.counters.faults == bad.faults)
        #expect(bench.read(.tdec) == 1)
        #expect(InterruptCause(rawValue: bench.read(.icr)).contains(.txDescriptorError))
        // The bad packet is checked while the good one before it is still being fetched; both complete when that
        // fetch lands (ring order, datasheet §4.5), one report and one interrupt; the last good packet interrupts
        // on its own.
        #expect(bench.interrupts.count == 2)
        #expect(bench.head == bench.next)
        #expect(bench.simulator.frames.live == 0)

        // The next doorbell works as if nothing had happened.
        let later = packetBytes(count: 1514, tag: 3)
        try bench.post(later, report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.last == later)
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("a frame of exactly the largest size is not a length error")
    func exactlyMaxFrame() throws {
        let bench = try Bench()
        bench.program()
        let frame = packetBytes(count: bench.nic.configuration.maxFrameBytes, tag: 4)
        try bench.post(frame, pieces: 3, report: .last)
        bench.doorbell()
        bench.run()
        #expect(bench.wire.frames == [frame])
        #expect(bench.nic.counters.txLengthErrors == 0)
    }

    @Test("a packet without EOP waits for its end across doorbells")
    func packetSpanningDoorbells() throws {
        let bench = try Bench(ringSize: 8)
        bench.program(start: 6)
        let frame = packetBytes(count: 900, tag: 5)
        var slots: [Int] = []
        for k in 0..<3 {
            let index = bench.next
            try bench.memory.write(bench.bufferAddress(index), from: frame, at: k * 300, count: 300)
            try bench.append(TxDescriptor(bufferAddress: bench.bufferAddress(index).rawValue, length: 300,
                                          command: k == 2 ? [.endOfPacket, .reportStatus] : []))
            slots.append(index)
            if k < 2 {
                bench.doorbell()
                #expect(bench.run() == .idle)
                #expect(bench.wire.frames.isEmpty)
                #expect(bench.head == 6)
            }
        }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [frame])
        #expect(try bench.status(slots[2]) == .descriptorDone)
        #expect(bench.head == 1)
    }

    @Test("a packet without EOP that fills the ring: format error, no hang",
          arguments: [8, 16], [0, 3, 7])
    func noEndOfPacket(size: Int, start: Int) throws {
        let bench = try Bench(ringSize: size)
        bench.program(start: start)
        var last = 0
        for _ in 0..<(size - 1) {
            last = try bench.append(TxDescriptor(bufferAddress: bench.bufferAddress(bench.next).rawValue, length: 64,
                                                 command: [.reportStatus]))
        }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.isEmpty)
        #expect(try bench.status(last) == [.descriptorDone, .formatError])
        #expect(bench.nic.counters.txFormatErrors == 1)
        // The queue ran empty on an error packet: TXQE as well as TXDE (and TXDW, as its descriptors asked for RS).
        #expect(InterruptCause(rawValue: bench.read(.icr))
                == [.txDescriptorError, .txQueueEmpty, .txDescriptorWritten, .interruptAsserted])
        #expect(bench.head == bench.next)
        #expect(bench.simulator.frames.live == 0)

        let good = packetBytes(count: 128, tag: 6)
        try bench.post(good, report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [good])
    }

    @Test("the ring base in unallocated memory: DMA errors, nothing sent, recovers when re-pointed")
    func ringUnreadable() throws {
        let bench = try Bench()
        bench.write(.tdbal, 0x0000_2000)
        bench.write(.tdbah, 0)
        bench.write(.tdlen, 16 * UInt32(TxDescriptor.size))
        bench.write(.ims, InterruptCause.txDescriptorError.rawValue)
        bench.write(.tctl, TransmitControl.enable.rawValue)
        bench.write(.tdt, 3)
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.isEmpty)
        #expect(bench.nic.counters.txDMAErrors >= 1)
        #expect(bench.dma.counters.faults >= 1)
        #expect(bench.read(.tdh) == 3)
        #expect(InterruptCause(rawValue: bench.read(.icr)).contains(.txDescriptorError))
        #expect(bench.interrupts.count >= 1)
        #expect(bench.simulator.frames.live == 0)

        bench.program(start: 3)
        let good = packetBytes(count: 100, tag: 7)
        try bench.post(good)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [good])
    }

    @Test("TDT beyond the ring is refused and sends nothing", arguments: [16, 17, 0x1_0000, UInt32.max] as [UInt32])
    func tailBeyondRing(value: UInt32) throws {
        let bench = try Bench(ringSize: 16)
        bench.program(start: 2)
        try bench.post(packetBytes(count: 100, tag: 8))
        let doorbells = bench.nic.counters.doorbells
        bench.write(.tdt, value)
        #expect(bench.read(.tdt) == 2)
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.isEmpty)
        #expect(bench.nic.counters.registerErrors == 1)
        #expect(bench.nic.counters.doorbells == doorbells)
        #expect(bench.read(.raec) == 1)
        #expect(bench.read(.raec) == 0)
        #expect(bench.head == 2)
    }

    @Test("TDLEN that is no whole number of descriptors, zero or too large is refused",
          arguments: [100, 8, 1, 0, 65_537 * 16, 0xFFFF_FFF0, UInt32.max] as [UInt32])
    func badRingLength(value: UInt32) throws {
        let bench = try Bench(ringSize: 16)
        bench.program(enable: false)
        bench.write(.tdlen, value)
        #expect(bench.read(.tdlen) == 16 * 16)
        #expect(bench.read(.raec) == 1)
        #expect(bench.nic.counters.registerErrors == 1)
    }

    @Test("TDBAL that is not 16-byte aligned is refused", arguments: [1, 4, 8, 15] as [UInt32])
    func unalignedBase(misalignment: UInt32) throws {
        let bench = try Bench()
        bench.program(enable: false)
        let base = UInt32(truncatingIfNeeded: bench.ring.rawValue)
        bench.write(.tdbal, base + misalignment)
        #expect(bench.read(.tdbal) == base)
        #expect(bench.read(.raec) == 1)
        // The ring still works where it was.
        bench.write(.tctl, TransmitControl.enable.rawValue)
        let good = packetBytes(count: 100, tag: 9)
        try bench.post(good)
        bench.doorbell()
        bench.run()
        #expect(bench.wire.frames == [good])
    }

    @Test("TDH cannot be written while the transmitter is enabled, nor beyond the ring")
    func headWrites() throws {
        let bench = try Bench(ringSize: 16)
        bench.program(start: 4)
        bench.write(.tdh, 9)
        #expect(bench.head == 4)
        #expect(bench.read(.raec) == 1)
        bench.write(.tctl, 0)
        bench.write(.tdh, 16)
        #expect(bench.head == 4)
        #expect(bench.read(.raec) == 1)
        bench.write(.tdh, 9)
        #expect(bench.head == 9)
        #expect(bench.nic.counters.registerErrors == 2)
    }

    @Test("writes to read-only and unknown offsets are refused and counted",
          arguments: [NICRegister.status, .icr, .gptc, .gotcl, .gotch, .tdec, .raec, NICRegister(rawValue: 0x1234),
                      NICRegister(rawValue: 0x3801), NICRegister(rawValue: UInt32.max)])
    func readOnlyAndUnknown(register: NICRegister) throws {
        let bench = try Bench()
        bench.program()
        let control = bench.read(.tctl)
        bench.write(register, 0xFFFF_FFFF)
        #expect(bench.nic.counters.registerErrors == 1)
        #expect(bench.read(.raec) == 1)
        #expect(bench.read(.tctl) == control)
        #expect(bench.read(NICRegister(rawValue: 0x1234)) == 0)
    }

    @Test("TDLEN shrunk below TDT: no fetch from outside the ring, no hang; recovers with a valid TDT",
          arguments: [false, true])
    func ringShrunkBelowTail(enabledWhileShrinking: Bool) throws {
        let bench = try Bench(ringSize: 16)
        bench.program(enable: enabledWhileShrinking)
        // Descriptors 0..<12 are all zero (no EOP): a packet still waiting for its end.
        bench.write(.tdt, 12)
        bench.write(.tdlen, 8 * UInt32(TxDescriptor.size))
        bench.write(.tctl, TransmitControl.enable.rawValue)
        bench.simulator.eventLimit = 10_000
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.isEmpty)

        // The driver re-initialises the ring it now has: 8 descriptors.
        bench.write(.tctl, 0)
        bench.write(.tdh, 0)
        bench.write(.tdt, 0)
        bench.write(.tctl, TransmitControl.enable.rawValue)
        let good = packetBytes(count: 100, tag: 10)
        bench.next = 0
        try bench.post(good)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [good])
        #expect(bench.simulator.frames.live == 0)
    }

    /// Virtual times after the doorbell at which the reset lands: at once, during the first DMA, during the
    /// first frame's wire time, between frames, near the end, after everything.
    static let resetDelays: [SimDuration] = [
        .zero, .nanoseconds(500), .nanoseconds(1300), .nanoseconds(2000), .nanoseconds(3500), .nanoseconds(7000),
        .microseconds(50),
    ]

    @Test("CTRL.RST mid-transmission: registers reset, frames freed, the device works again after re-init",
          arguments: resetDelays)
    func resetMidTransmission(delay: SimDuration) throws {
        let bench = try Bench(ringSize: 32)
        bench.program(start: 9)
        let frames = (0..<8).map { packetBytes(count: 1000, tag: $0) }
        for f in frames { try bench.post(f, pieces: 2, report: .last) }
        bench.write(.ics, InterruptCause.linkStatusChange.rawValue)
        bench.write(.tdt, 99)  // refused: RAEC 1
        bench.doorbell()
        bench.run(until: bench.simulator.now + delay)
        bench.write(.ctrl, 1 << 26)
        #expect(bench.simulator.frames.live == 0)
        // Datasheet §2: every register to its reset value, the statistics registers included.
        for register in [NICRegister.ctrl, .icr, .ims, .tctl, .tdbal, .tdbah, .tdlen, .tdh, .tdt, .gptc, .gotcl,
                         .gotch, .tdec, .raec] {
            #expect(bench.read(register) == 0, "\(register)")
        }
        let interruptsAtReset = bench.interrupts.count
        #expect(bench.run() == .idle)
        #expect(bench.simulator.frames.live == 0)
        #expect(bench.interrupts.count == interruptsAtReset)
        // What did go out is a prefix of what was posted.
        let sent = bench.wire.frames
        #expect(Array(frames.prefix(sent.count)) == sent)
        if delay >= .microseconds(50) { #expect(sent.count == frames.count) }
        if delay <= .nanoseconds(1300) { #expect(sent.isEmpty) }

        bench.program(start: 1)
        let good = packetBytes(count: 64, tag: 99)
        try bench.post(good)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.last == good)
        #expect(bench.wire.frames.count == sent.count + 1)
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("a driver that resets the device from inside the interrupt message", arguments: [false, true])
    func resetFromInterruptHandler(onError: Bool) throws {
        let bench = try Bench()
        bench.program()
        var resets = 0
        bench.interrupts.onInterrupt = {
            resets += 1
            bench.write(.ctrl, 1 << 26)
        }
        if onError {
            _ = try BadPacket.bufferUnallocated.post(on: bench)
        } else {
            try bench.post(packetBytes(count: 100, tag: 1), report: .last)
        }
        for i in 0..<4 { try bench.post(packetBytes(count: 100, tag: 2 + i), report: .none) }
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(resets == 1)
        // The good packet's interrupt comes when it is in the packet buffer (datasheet §4.5), before its first bit:
        // the reset discards it there, so nothing reaches the wire either way.
        #expect(bench.wire.frames.count == 0)
        #expect(bench.read(.tctl) == 0)
        #expect(bench.simulator.frames.live == 0)

        bench.interrupts.onInterrupt = nil
        bench.program()
        let good = packetBytes(count: 100, tag: 50)
        try bench.post(good)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.last == good)
        #expect(bench.simulator.frames.live == 0)
        // A second reset after the first must not find stale packets to free.
        bench.write(.ctrl, 1 << 26)
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("a driver that rings the doorbell from inside the interrupt message")
    func doorbellFromInterruptHandler() throws {
        let bench = try Bench()
        bench.program()
        var pending = (0..<6).map { packetBytes(count: 80 + $0, tag: $0) }
        let all = pending
        bench.interrupts.onInterrupt = {
            guard !pending.isEmpty else { return }
            _ = try? bench.post(pending.removeFirst(), report: .last)
            bench.doorbell()
        }
        _ = try BadPacket.extendedDescriptor.post(on: bench)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == all)
        #expect(bench.simulator.frames.live == 0)
        #expect(bench.head == bench.next)
    }
}
