import HostMemory
import NICModel
import NICSimTesting
import NetworkModel
import Testing

/// The decorators the world installs for a scenario's faults, each on its own: the DMA gate on a device's bus, the
/// interrupt-line decorator on a device's line to its host, the frame filter on a link.
@Suite("Fault decorators")
struct FaultDecoratorTests {
    static func trigger(_ rule: FaultTrigger.Rule, seed: UInt64 = 1, _ name: String = "t") -> FaultTrigger {
        FaultTrigger(rule: rule, random: RandomStream(seed: seed, name: name))
    }

    /// Programs a 16-descriptor transmit ring on the rig's device by hand, posts `count` 200-byte packets with RS
    /// and rings the doorbell: one interrupt message per packet, with no driver to clear causes.
    static func send(_ count: Int, on rig: EmbeddedNIC) throws {
        let ring = try rig.allocate(bytes: 16 * TxDescriptor.size)
        let buffers = try rig.allocate(bytes: 16 * 2048)
        rig.write(.tctl, 0)
        rig.write(.tdbal, UInt32(truncatingIfNeeded: ring.rawValue))
        rig.write(.tdbah, UInt32(truncatingIfNeeded: ring.rawValue >> 32))
        rig.write(.tdlen, UInt32(16 * TxDescriptor.size))
        rig.write(.tdh, 0)
        rig.write(.tdt, 0)
        rig.write(.ims, InterruptCause([.txDescriptorWritten, .txDescriptorError]).rawValue)
        rig.write(.tctl, TransmitControl.enable.rawValue)
        for k in 0..<count {
            let buffer = buffers.advanced(by: k * 2048)
            try rig.writeMemory((0..<200).map { UInt8(truncatingIfNeeded: $0 &+ k) }, at: buffer)
            var bytes = [UInt8](repeating: 0, count: TxDescriptor.size)
            TxDescriptor(bufferAddress: buffer.rawValue, length: 200,
                         command: [.endOfPacket, .insertFCS, .reportStatus]).encode(into: &bytes, at: 0)
            try rig.writeMemory(bytes, at: ring.advanced(by: k * TxDescriptor.size))
        }
        rig.write(.tdt, UInt32(count))
    }

    // MARK: The DMA gate

    @Test("the DMA gate fails the transfers its active faults pick, each fault keeping its own count")
    func dmaGate() {
        let gate = DMAFaultGate()
        let payload = gate.add(NICDMAFault(kinds: .payload, trigger: Self.trigger(.everyNth(2))))
        let all = gate.add(NICDMAFault(kinds: .all, trigger: Self.trigger(.always)))
        gate.setFault(payload, active: true)
        var failed: [Bool] = []
        for _ in 0..<6 {
            do { try gate.admit(.payload, at: 0x1000, length: 64); failed.append(false) } catch { failed.append(true) }
        }
        #expect(failed == [false, true, false, true, false, true])
        #expect(throws: MemoryFault.self) {
            gate.setFault(all, active: true)
            try gate.admit(.writeBack, at: 0x2000, length: 1)
        }
        #expect(gate.injected == 4)
        #expect(gate.fault(payload)?.trigger.offered == 6)
        #expect(gate.fault(all)?.trigger.offered == 1)
        gate.setFault(all, active: false)
        gate.setFault(payload, active: false)
        #expect(throws: Never.self) { try gate.admit(.payload, at: 0x1000, length: 64) }
        #expect(gate.fault(payload)?.trigger.offered == 6, "an inactive fault is not offered transfers")
    }

    @Test("with the gate on its bus, the device ends every picked payload read in DMAE")
    func dmaGateOnTheDevice() throws {
        let rig = EmbeddedNIC()
        let gate = DMAFaultGate()
        gate.setFault(gate.add(NICDMAFault(kinds: .payload, trigger: Self.trigger(.everyNth(2)))), active: true)
        rig.device.transferGate = gate
        try Self.send(6, on: rig)
        rig.runUntilIdle()
        #expect(rig.wire.arrivals.count == 3)
        #expect(rig.device.counters.txDMAErrors == 3)
        #expect(gate.injected == 3)
    }

    // MARK: The interrupt line

    @Test("lost interrupts: the device counts them as sent, the host hears none of them")
    func lostInterrupts() throws {
        let rig = EmbeddedNIC()
        let line = InterruptLineFaults()
        rig.device.interruptGate = line
        line.setFault(line.add(NICInterruptFault(effect: .lose, trigger: Self.trigger(.everyNth(2)))), active: true)
        try Self.send(4, on: rig)
        rig.runUntilIdle()
        #expect(rig.device.counters.interrupts == 4)
        #expect(line.lost == 2)
        #expect(rig.interrupts.count == 2)
    }

    @Test("late interrupts arrive exactly the delay later", arguments: [Int64(1), 10, 250])
    func lateInterrupts(microseconds: Int64) throws {
        func times(late: Bool) throws -> [SimTime] {
            let rig = EmbeddedNIC()
            var line: InterruptLineFaults?
            if late {
                let l = InterruptLineFaults()
                rig.device.interruptGate = l
                l.setFault(l.add(NICInterruptFault(effect: .delay(.microseconds(microseconds)),
                                                   trigger: Self.trigger(.always))), active: true)
                line = l
            }
            try Self.send(3, on: rig)
            rig.runUntilIdle()
            if let line {
                #expect(line.delayed == 3)
                #expect(line.fault(0)?.addedDelay == .microseconds(3 * microseconds))
            }
            return rig.interrupts.times
        }
        let onTime = try times(late: false)
        let late = try times(late: true)
        #expect(onTime.count == 3)
        #expect(late == onTime.map { $0 + .microseconds(microseconds) })
    }

    @Test("a late interrupt is dropped when the device is reset before it arrives")
    func lateInterruptAcrossAReset() throws {
        let rig = EmbeddedNIC()
        let line = InterruptLineFaults()
        rig.device.interruptGate = line
        line.setFault(line.add(NICInterruptFault(effect: .delay(.microseconds(100)), trigger: Self.trigger(.always))),
                      active: true)
        try Self.send(1, on: rig)
        rig.advance(by: .microseconds(50))
        #expect(line.delayed == 1)
        rig.write(.ctrl, 1 << 26)
        rig.runUntilIdle()
        #expect(rig.interrupts.count == 0)
    }

    @Test("probability triggers are seeded: same seed, same interrupts lost; another seed, others")
    func seededProbability() throws {
        func heard(seed: UInt64) throws -> [SimTime] {
            let rig = EmbeddedNIC()
            let line = InterruptLineFaults()
            rig.device.interruptGate = line
            line.setFault(line.add(NICInterruptFault(
                effect: .lose, trigger: Self.trigger(.probability(partsPerMillion: 500_000), seed: seed, "lost"))),
                          active: true)
            // Three rounds of 5 packets: 15 interrupt messages.
            for _ in 0..<3 {
                try Self.send(5, on: rig)
                rig.runUntilIdle()
            }
            #expect(line.lost + UInt64(rig.interrupts.count) == rig.device.counters.interrupts)
            return rig.interrupts.times
        }
        let a = try heard(seed: 1)
        #expect(a == (try heard(seed: 1)))
        #expect(a != (try heard(seed: 2)))
        #expect(a.count > 1 && a.count < 14)
    }

    // MARK: The link filter

    /// Offers `count` frames from side A (or B) and returns which were dropped.
    static func offer(_ filter: LinkFaultFilter, _ count: Int, fromA: Bool = true) -> [Bool] {
        (0..<count).map { _ in filter.drops(fromA: fromA) }
    }

    @Test("a link down drops every frame of its window, in its directions only")
    func linkDown() {
        let filter = LinkFaultFilter()
        let fault = filter.add(LinkFault(model: .down, directions: .bToA, trigger: Self.trigger(.always)))
        #expect(Self.offer(filter, 3, fromA: false) == [false, false, false])
        #expect(filter.fault(fault)?.offered == 0, "an inactive fault is not offered frames")
        filter.setFault(fault, active: true)
        #expect(Self.offer(filter, 3, fromA: false) == [true, true, true])
        #expect(Self.offer(filter, 3, fromA: true) == [false, false, false])
        filter.setFault(fault, active: false)
        #expect(Self.offer(filter, 2, fromA: false) == [false, false])
        #expect(filter.fault(fault)?.dropped == 3)
        #expect(filter.fault(fault)?.offered == 3)
    }

    @Test("fixed bursts drop their length from every triggering frame", arguments: [1, 3, 7])
    func fixedBursts(length: Int) {
        let filter = LinkFaultFilter()
        let fault = filter.add(LinkFault(model: .bursts(length: length), trigger: Self.trigger(.everyNth(10))))
        filter.setFault(fault, active: true)
        let dropped = Self.offer(filter, 100)
        var expected = [Bool](repeating: false, count: 100)
        var asked = 0
        var frame = 0
        while frame < 100 {
            asked += 1
            if asked % 10 == 0 {
                for k in frame..<min(100, frame + length) { expected[k] = true }
                frame += length
            } else {
                frame += 1
            }
        }
        #expect(dropped == expected)
        let count = expected.filter { $0 }.count
        #expect(filter.fault(fault)?.bursts == (count + length - 1) / length)
    }

    @Test("a Gilbert–Elliott channel is seeded and loses in runs")
    func gilbertElliott() {
        func lost(seed: UInt64) -> [Int] {
            let filter = LinkFaultFilter()
            filter.setFault(filter.add(LinkFault(
                model: .gilbertElliott(goodToBad: 50_000, badToGood: 250_000, lossInGood: 0, lossInBad: 1_000_000),
                trigger: Self.trigger(.always, seed: seed, "burst"))), active: true)
            return Self.offer(filter, 250).enumerated().filter(\.element).map(\.offset)
        }
        let a = lost(seed: 1)
        #expect(a == lost(seed: 1))
        #expect(a != lost(seed: 2))
        let pairs = zip(a, a.dropFirst()).filter { $1 == $0 + 1 }.count
        #expect(a.count > 10)
        #expect(Double(pairs) > Double(a.count) * 0.4)
    }
}
