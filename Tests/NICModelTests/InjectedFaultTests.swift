import HostMemory
import HostOS
import NICDriver
import NICModel
import SimCore
import Testing
import WireFormats

/// Datasheet §8.1: injected DMA master aborts and interrupt-line faults behave as the real failures do.
@Suite("Injected NIC faults")
struct InjectedFaultTests {
    static func trigger(_ rule: FaultTrigger.Rule, _ name: String = "t") -> FaultTrigger {
        FaultTrigger(rule: rule, random: RandomStream(seed: 1, name: name))
    }

    /// Posts `count` one-descriptor packets with RS and rings the doorbell.
    static func postPackets(_ bench: Bench, count: Int) throws {
        for k in 0..<count { try bench.post(packetBytes(count: 200, tag: k)) }
        bench.doorbell()
    }

    @Test("every 2nd payload read fails: those packets complete with DMAE, the others go out")
    func payloadAborts() throws {
        let bench = try Bench(ringSize: 16)
        bench.program()
        let fault = bench.nic.addDMAFault(NICDMAFault(kinds: .payload, trigger: Self.trigger(.everyNth(2))))
        bench.nic.setDMAFault(fault, active: true)
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
        let injected = counters.dmaFaultsInjected
        let errors = counters.txDMAErrors
        #expect(injected == 3)
        #expect(errors == 3)
        #expect(bench.read(.tdec) == 3)
        let offered = bench.nic.dmaFault(fault)?.trigger.offered
        #expect(offered == 6)
        #expect(bench.head == 6)
    }

    @Test("an inactive fault, or one for other transfers, fails nothing")
    func inactiveOrOtherKinds() throws {
        let bench = try Bench(ringSize: 16)
        bench.program()
        let idle = bench.nic.addDMAFault(NICDMAFault(kinds: .all, trigger: Self.trigger(.always)))
        let receiveOnly = bench.nic.addDMAFault(NICDMAFault(kinds: .receive, trigger: Self.trigger(.always)))
        bench.nic.setDMAFault(receiveOnly, active: true)
        try Self.postPackets(bench, count: 4)
        bench.run()
        #expect(bench.wire.frames.count == 4)
        let injected = bench.nic.counters.dmaFaultsInjected
        #expect(injected == 0)
        let idleOffered = bench.nic.dmaFault(idle)?.trigger.offered
        #expect(idleOffered == 0)
        // Closing the window of a fault that failed everything lets the next packets through again.
        bench.nic.setDMAFault(idle, active: true)
        try Self.postPackets(bench, count: 2)
        bench.run()
        bench.nic.setDMAFault(idle, active: false)
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
        let fault = bench.nic.addDMAFault(NICDMAFault(kinds: .descriptorFetch, trigger: Self.trigger(.everyNth(2))))
        bench.nic.setDMAFault(fault, active: true)
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
        let fault = bench.nic.addDMAFault(NICDMAFault(kinds: .writeBack, trigger: Self.trigger(.always)))
        bench.nic.setDMAFault(fault, active: true)
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
        let fault = bench.nic.addDMAFault(NICDMAFault(kinds: .receive, trigger: Self.trigger(.everyNth(2))))
        bench.nic.setDMAFault(fault, active: true)
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

    @Test("lost interrupts: the device counts them as sent, the host hears none of them")
    func lostInterrupts() throws {
        let bench = try Bench(ringSize: 16)
        bench.program()
        let fault = bench.nic.addInterruptFault(NICInterruptFault(effect: .lose, trigger: Self.trigger(.everyNth(2))))
        bench.nic.setInterruptFault(fault, active: true)
        try Self.postPackets(bench, count: 4)
        bench.run()
        let counters = bench.nic.counters
        let sent = counters.interrupts
        let lost = counters.interruptsLost
        #expect(sent == 4)
        #expect(lost == 2)
        #expect(bench.interrupts.count == 2)
    }

    @Test("late interrupts arrive exactly the delay later", arguments: [Int64(1), 10, 250])
    func lateInterrupts(microseconds: Int64) throws {
        func times(late: Bool) throws -> [SimTime] {
            let bench = try Bench(ringSize: 16)
            bench.program()
            if late {
                let fault = bench.nic.addInterruptFault(
                    NICInterruptFault(effect: .delay(.microseconds(microseconds)), trigger: Self.trigger(.always)))
                bench.nic.setInterruptFault(fault, active: true)
            }
            try Self.postPackets(bench, count: 3)
            bench.run()
            if late {
                let delayed = bench.nic.counters.interruptsDelayed
                #expect(delayed == 3)
                let added = bench.nic.interruptFault(0)?.addedDelay
                let expected = SimDuration.microseconds(3 * microseconds)
                #expect(added == expected)
            }
            return bench.interrupts.times
        }
        let onTime = try times(late: false)
        let late = try times(late: true)
        #expect(onTime.count == 3)
        #expect(late == onTime.map { $0 + .microseconds(microseconds) })
    }

    @Test("probability triggers are seeded: same seed, same interrupts lost; another seed, others")
    func seededProbability() throws {
        func lostPattern(seed: UInt64) throws -> [SimTime] {
            let bench = try Bench(ringSize: 64)
            bench.program()
            let fault = bench.nic.addInterruptFault(NICInterruptFault(
                effect: .lose,
                trigger: FaultTrigger(rule: .probability(partsPerMillion: 500_000),
                                      random: RandomStream(seed: seed, name: "lost"))))
            bench.nic.setInterruptFault(fault, active: true)
            try Self.postPackets(bench, count: 40)
            bench.run()
            return bench.interrupts.times
        }
        let a = try lostPattern(seed: 1)
        let b = try lostPattern(seed: 1)
        let c = try lostPattern(seed: 2)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count > 5 && a.count < 35)
    }
}

/// The reference driver's watchdog (datasheet §8.2) gets the rings going again after lost interrupts and lost
/// write-backs.
@Suite("Driver watchdog")
struct DriverWatchdogTests {
    final class World {
        let simulator = Simulator(seed: 4)
        let memory = PhysicalMemory(size: 64 << 20, seed: 4)
        let nic: NIC
        let wire = WireRecorder()
        let interrupts: InterruptRecorder
        let driver: Driver
        let space: AddressSpace
        let destination: DestinationID
        let buffer: VirtualAddress

        init(ringSize: Int = 16) throws {
            nic = NIC(simulator: simulator, name: "nic", configuration: NICConfiguration(), dma: DMAEngine(memory: memory))
            nic.wire = wire
            interrupts = InterruptRecorder(simulator: simulator)
            nic.interruptSink = interrupts
            driver = try Driver(device: nic, memory: memory,
                                configuration: DriverConfiguration(ringSize: ringSize, report: .everyPacket,
                                                                   receiveRingSize: 0),
                                maxFrameBytes: 1514)
            space = AddressSpace(memory: memory, id: 1)
            destination = driver.addDestination(HeaderTemplate(
                sourceMAC: MACAddress(rawValue: 0x0200_0000_0001), destinationMAC: MACAddress(rawValue: 0x0200_0000_0101),
                sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 11),
                sourcePort: 4000, destinationPort: 5000))
            buffer = try space.allocate(bytes: 64 * 1472)
        }

        /// One write of `packets` full datagrams.
        func send(packets: Int) throws {
            _ = try driver.accept(space: space, entries: [
                WriteEntry(destination: destination, address: buffer, length: packets * 1472),
            ])
            driver.ringDoorbell()
        }
    }

    @Test("with every interrupt lost the writes stay uncompleted; a watchdog run reclaims them")
    func lostInterrupts() throws {
        let w = try World()
        let fault = w.nic.addInterruptFault(NICInterruptFault(
            effect: .lose, trigger: FaultTrigger(rule: .always, random: RandomStream(seed: 1, name: "i"))))
        w.nic.setInterruptFault(fault, active: true)
        try w.send(packets: 4)
        w.simulator.run()
        #expect(w.wire.frames.count == 4)
        #expect(w.interrupts.count == 0)
        #expect(w.driver.counters.writesCompleted == 0)
        #expect(w.driver.hasOutstandingWork)
        w.driver.runWatchdog()
        let c = w.driver.counters
        #expect(c.writesCompleted == 1)
        #expect(c.watchdogChecks == 1)
        #expect(c.watchdogRecoveries == 1)
        #expect(c.lostWriteBacks == 0)
        #expect(!w.driver.hasOutstandingWork)
    }

    @Test("a write larger than the ring, interrupts lost: each watchdog run frees room and posts more")
    func ringFullWithoutInterrupts() throws {
        let w = try World(ringSize: 16)
        let fault = w.nic.addInterruptFault(NICInterruptFault(
            effect: .lose, trigger: FaultTrigger(rule: .always, random: RandomStream(seed: 1, name: "i"))))
        w.nic.setInterruptFault(fault, active: true)
        // 30 datagrams of two descriptors each need 60 descriptors; 15 fit at a time.
        try w.send(packets: 30)
        w.simulator.run()
        let stalledFrames = w.wire.frames.count
        #expect(stalledFrames < 30)
        var runs = 0
        while w.driver.hasOutstandingWork && runs < 20 {
            if w.driver.runWatchdog() { w.driver.ringDoorbell() }
            w.simulator.run()
            runs += 1
        }
        #expect(w.wire.frames.count == 30)
        #expect(w.driver.counters.writesCompleted == 1)
        #expect(runs > 1)
    }

    @Test("lost write-backs: the watchdog reclaims by TDH and counts each report point it passed")
    func lostWriteBacks() throws {
        let w = try World()
        let fault = w.nic.addDMAFault(NICDMAFault(
            kinds: .writeBack, trigger: FaultTrigger(rule: .always, random: RandomStream(seed: 1, name: "d"))))
        w.nic.setDMAFault(fault, active: true)
        try w.send(packets: 3)
        w.simulator.run()
        #expect(w.wire.frames.count == 3)
        // The interrupts came, but with no DD the handler finds nothing to reclaim.
        #expect(w.interrupts.count == 3)
        w.driver.handleInterrupt()
        #expect(w.driver.counters.writesCompleted == 0)
        w.driver.runWatchdog()
        let c = w.driver.counters
        #expect(c.lostWriteBacks == 3)
        #expect(c.writesCompleted == 1)
        #expect(c.descriptorsReclaimed == c.descriptorsWritten)
    }

    @Test("a device that stopped sending is a transmit hang on the second watchdog run, not the first")
    func transmitHang() throws {
        let w = try World()
        w.nic.writeRegister(.tctl, 0)
        try w.send(packets: 2)
        w.simulator.run()
        w.driver.runWatchdog()
        #expect(w.driver.counters.transmitHangs == 0)
        w.driver.runWatchdog()
        #expect(w.driver.counters.transmitHangs == 1)
        w.nic.writeRegister(.tctl, TransmitControl.enable.rawValue)
        w.simulator.run()
        w.driver.runWatchdog()
        #expect(w.driver.counters.transmitHangs == 1)
        #expect(w.driver.counters.writesCompleted == 1)
    }
}
