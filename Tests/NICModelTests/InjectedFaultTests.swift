import HostMemory
import NICModel
import SimCore
import Testing
import WireFormats

/// A bus that fails the transfers the test picks: every `every`-th transfer of `kinds` while `isActive` (the device
/// sees only `DMATransferGate`; the scenarios' fault injector is one such gate).
final class FailingBus: DMATransferGate {
    var kinds: DMATransferKinds
    let every: Int
    var isActive = true
    /// Transfers of `kinds` offered while active, and those failed.
    private(set) var offered = 0
    private(set) var failed = 0

    init(_ kinds: DMATransferKinds, every: Int = 1) {
        self.kinds = kinds
        self.every = every
    }

    func admit(_ kind: DMATransferKinds, at address: UInt64, length: Int) throws(MemoryFault) {
        guard isActive, kinds.contains(kind) else { return }
        offered += 1
        guard offered % every == 0 else { return }
        failed += 1
        throw MemoryFault(code: .masterAbort, address: address, length: length)
    }
}

/// Datasheet §8.1: a DMA transfer the bus fails (a master abort) ends as the datasheet says, whichever transfer it
/// is. The faults come from outside the device, through its `transferGate`.
@Suite("DMA transfers the bus fails")
struct InjectedFaultTests {
    /// Posts `count` one-descriptor packets with RS and rings the doorbell.
    static func postPackets(_ bench: Bench, count: Int) throws {
        for k in 0..<count { try bench.post(packetBytes(count: 200, tag: k)) }
        bench.doorbell()
    }

    @Test("every 2nd payload read fails: those packets complete with DMAE, the others go out")
    func payloadAborts() throws {
        let bench = try Bench(ringSize: 16)
        bench.program()
        let bus = FailingBus(.payload, every: 2)
        bench.nic.transferGate = bus
        try Self.postPackets(bench, count: 6)
        bench.run()
        let sent = bench.wire.frames.map { Int($0[0]) }
        #expect(sent == [0, 2, 4])
        for k in 0..<6 {
            let status = try bench.status(k)
            #expect(status.contains(.descriptorDone))
            #expect(status.contains(.dmaError) == (k % 2 == 1))
        }
        let counters = bench.nic.counters
        let errors = counters.txDMAErrors
        #expect(bus.failed == 3)
        #expect(errors == 3)
        #expect(bench.read(.tdec) == 3)
        #expect(bus.offered == 6)
        #expect(bench.head == 6)
    }

    @Test("a bus that fails other transfers, or none, fails nothing")
    func inactiveOrOtherKinds() throws {
        let bench = try Bench(ringSize: 16)
        bench.program()
        let bus = FailingBus(.receive)
        bench.nic.transferGate = bus
        try Self.postPackets(bench, count: 4)
        bench.run()
        #expect(bench.wire.frames.count == 4)
        #expect(bus.failed == 0)
        // A bus that fails everything, then one that fails nothing again: the next packets go through.
        bus.kinds = .all
        try Self.postPackets(bench, count: 2)
        bench.run()
        bus.isActive = false
        try Self.postPackets(bench, count: 2)
        bench.run()
        #expect(bench.wire.frames.count == 6)
        let errors = bench.nic.counters.txDMAErrors
        #expect(errors == 2)
    }

    @Test("a failed descriptor read ends its packet with DMAE at that descriptor; nothing reaches the wire")
    func descriptorFetchAbort() throws {
        let bench = try Bench(ringSize: 16)
        bench.program()
        // The second descriptor read of the batch fails: the packet's EOP descriptor.
        bench.nic.transferGate = FailingBus(.descriptorFetch, every: 2)
        try bench.post(packetBytes(count: 300, tag: 1), pieces: 2)
        bench.doorbell()
        bench.run()
        #expect(bench.wire.frames.isEmpty)
        let status = try bench.status(1)
        #expect(status == [.descriptorDone, .dmaError])
        let errors = bench.nic.counters.txDMAErrors
        #expect(errors == 1)
        #expect(bench.head == 2)
    }

    @Test("a lost write-back: frames go out and TDH moves, but no DD is written")
    func lostWriteBack() throws {
        let bench = try Bench(ringSize: 16)
        bench.program()
        bench.nic.transferGate = FailingBus(.writeBack)
        try Self.postPackets(bench, count: 4)
        bench.run()
        #expect(bench.wire.frames.count == 4)
        for k in 0..<4 { #expect(try bench.status(k).isEmpty) }
        #expect(bench.head == 4)
        let written = bench.nic.counters.descriptorsWrittenBack
        #expect(written == 0)
        // The causes are still raised: the host hears about completions it cannot see.
        #expect(bench.interrupts.count == 4)
    }

    @Test("a received frame whose buffer write fails is flagged RXE and not counted good")
    func receiveAbort() throws {
        let bench = try Bench(ringSize: 16)
        let rx = try RxRingDriver(bench: bench, ringSize: 8)
        rx.program(tail: 7)
        bench.nic.transferGate = FailingBus(.receive, every: 2)
        for k in 0..<4 { bench.deliver(packetBytes(count: 100, tag: k)) }
        bench.run()
        let counters = bench.nic.counters
        let good = counters.framesReceived
        let bad = counters.rxDMAErrors
        #expect(good == 2)
        #expect(bad == 2)
        #expect(rx.head == 4)
        let second = try rx.descriptor(1)
        #expect(second.errors.contains(.dmaError))
    }
}

/// A line that answers each message with the next verdict of a script (then delivers), and keeps the vectors it saw
/// (the device sees only `InterruptLineGate`; the scenarios' fault injector is one such gate).
final class ScriptedLine: InterruptLineGate {
    var verdicts: [InterruptLineVerdict]
    private(set) var seen: [Int] = []

    init(_ verdicts: [InterruptLineVerdict]) { self.verdicts = verdicts }

    func admit(vector: Int) -> InterruptLineVerdict {
        seen.append(vector)
        return verdicts.isEmpty ? .deliver : verdicts.removeFirst()
    }
}

/// Datasheet §8.1: a message the interrupt line loses or holds back. The device counts what it sent; the gate on its
/// line (`interruptGate`) decides what reaches the host, and when.
@Suite("Interrupt messages the line loses or delays")
struct InterruptLineGateTests {
    /// Posts `count` one-descriptor packets with RS (one message each) and runs to the end.
    static func send(_ count: Int, gate: ScriptedLine?) throws -> Bench {
        let bench = try Bench(ringSize: 16)
        bench.program()
        bench.nic.interruptGate = gate
        for k in 0..<count { try bench.post(packetBytes(count: 200, tag: k)) }
        bench.doorbell()
        bench.run()
        return bench
    }

    @Test("a lost message never reaches the host; the device still counts it as sent")
    func lost() throws {
        let line = ScriptedLine([.deliver, .lose, .deliver, .lose])
        let bench = try Self.send(4, gate: line)
        let plain = try Self.send(4, gate: nil)
        #expect(plain.interrupts.count == 4)
        #expect(line.seen == [0, 0, 0, 0])
        #expect(bench.nic.counters.interrupts == 4)
        #expect(bench.interrupts.times == [plain.interrupts.times[0], plain.interrupts.times[2]])
    }

    @Test("a delayed message reaches the host exactly the delay later")
    func delayed() throws {
        let line = ScriptedLine([.delay(.microseconds(7)), .deliver, .delay(.microseconds(300))])
        let bench = try Self.send(3, gate: line)
        let plain = try Self.send(3, gate: nil)
        #expect(plain.interrupts.count == 3)
        let expected = [plain.interrupts.times[1], plain.interrupts.times[0] + .microseconds(7),
                        plain.interrupts.times[2] + .microseconds(300)].sorted()
        #expect(bench.interrupts.times == expected)
    }

    @Test("a held-back message is dropped when the device is reset before it arrives")
    func resetDropsIt() throws {
        let bench = try Bench(ringSize: 16)
        bench.program()
        bench.nic.interruptGate = ScriptedLine([.delay(.microseconds(100))])
        try bench.post(packetBytes(count: 200, tag: 0))
        bench.doorbell()
        bench.run(until: SimTime.zero + .microseconds(50))
        #expect(bench.nic.counters.interrupts == 1)
        #expect(bench.interrupts.count == 0)
        bench.write(.ctrl, 1 << 26)
        bench.run()
        #expect(bench.interrupts.count == 0)
    }
}
