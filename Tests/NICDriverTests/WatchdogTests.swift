import HostMemory
import HostOS
import NICDriver
import NICModel
import NICSimTesting
import SimCore
import Testing
import WireFormats

/// The reference driver's watchdog (datasheet §8.2) gets the rings going again after lost interrupts and lost
/// write-backs.
@Suite("Driver watchdog")
struct DriverWatchdogTests {
    /// The reference driver alone on the rig, driven by the test (no OS): the test runs the watchdog itself.
    final class World {
        let rig = EmbeddedNIC(seed: 4)
        var simulator: Simulator { rig.simulator }
        var memory: PhysicalMemory { rig.memory }
        var nic: NIC { rig.device }
        var wire: EmbeddedNIC.Wire { rig.wire }
        var interrupts: EmbeddedNIC.InterruptLine { rig.interrupts }
        let driver: Driver
        let space: AddressSpace
        let destination: DestinationID
        let buffer: VirtualAddress

        init(ringSize: Int = 16) throws {
            driver = try Driver(device: rig.device, memory: rig.memory,
                                configuration: DriverConfiguration(ringSize: ringSize, report: .everyPacket,
                                                                   receiveRingSize: 0),
                                maxFrameBytes: 1514)
            space = AddressSpace(memory: rig.memory, id: 1)
            destination = driver.addDestination(
                HeaderTemplate(
                    sourceMAC: MACAddress(rawValue: 0x0200_0000_0001),
                    destinationMAC: MACAddress(rawValue: 0x0200_0000_0101),
                    sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 11),
                    sourcePort: 4000, destinationPort: 5000))
            buffer = try space.allocate(bytes: 64 * 1472)
        }

        /// Puts the scenarios' interrupt-line decorator on the device's line to the rig, losing every message.
        func loseEveryInterrupt() -> InterruptLineFaults {
            let line = InterruptLineFaults()
            rig.device.interruptGate = line
            line.setFault(line.add(NICInterruptFault(
                effect: .lose, trigger: FaultTrigger(rule: .always, random: RandomStream(seed: 1, name: "i")))),
                          active: true)
            return line
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
        let line = w.loseEveryInterrupt()
        try w.send(packets: 4)
        w.simulator.run()
        #expect(w.wire.frames.count == 4)
        #expect(w.interrupts.count == 0)
        #expect(line.lost == w.nic.counters.interrupts && line.lost > 0)
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
        let line = w.loseEveryInterrupt()
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
        #expect(line.lost == w.nic.counters.interrupts)
    }

    @Test("lost write-backs: the watchdog reclaims by TDH and counts each report point it passed")
    func lostWriteBacks() throws {
        let w = try World()
        let gate = DMAFaultGate()
        gate.setFault(gate.add(NICDMAFault(
            kinds: .writeBack, trigger: FaultTrigger(rule: .always, random: RandomStream(seed: 1, name: "d")))),
                      active: true)
        w.nic.transferGate = gate
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
