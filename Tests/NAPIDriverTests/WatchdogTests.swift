import HostMemory
import HostOS
@testable import NAPIDriver
import NICInterface
import NICModel
import SimCore
import Testing
import WireFormats

@Suite struct WatchdogTests {
    /// A lost write-back (datasheet §8.1: the `DD` write faulted) leaves the report point without `DD`; the
    /// watchdog reads `TDH`, takes back everything before it, counts the lost write-back and completes the write.
    /// A write whose doorbell was never rung makes no progress between two runs: a transmit hang.
    @Test func watchdogReclaimsPastTDHAndDetectsHangs() throws {
        let simulator = Simulator(seed: 1, maxFrameBytes: 1536)
        let memory = PhysicalMemory(size: 64 << 20, seed: 1)
        let nic = NIC(simulator: simulator, name: "nic", configuration: NICConfiguration(),
                      dma: DMAEngine(memory: memory))
        let interrupts = InterruptCounter()
        nic.interruptSink = interrupts
        let driver = try NAPIDriver(device: nic, memory: memory, configuration: DriverConfiguration(receiveRingSize: 0),
                                    napi: NAPIConfiguration(byteQueueLimits: false), maxFrameBytes: 1514)
        let delegate = RecordingDelegate()
        _ = driver.attach(to: delegate, mac: MACAddress(2, 0, 0, 0, 0, 1))
        let destination = driver.addDestination(HeaderTemplate(
            sourceMAC: MACAddress(2, 0, 0, 0, 0, 1), destinationMAC: MACAddress(2, 0, 0, 0, 0, 2),
            sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 2), sourcePort: 5004,
            destinationPort: 6000))
        let space = AddressSpace(memory: memory, id: 1)
        let address = try space.allocate(bytes: 5 * 1_472)
        let (id, receipt) = try driver.transmit(
            space: space,
            entries: [
                WriteEntry(
                    destination: destination,
                    address: address, length: 5 * 1_472)
            ],
            path: nil)
        #expect(receipt.kickNeeded && receipt.sends == 5)
        var work = receipt + driver.kick()
        simulator.run()
        #expect(interrupts.count == 1)
        // The device wrote DD on the report point; take it away, as a faulted write-back would have.
        let ring = try #require(driver.queue(of: destination).map { driver.rings[$0] })
        for i in 0..<ring.count {
            try memory.writeUInt8(ring.descriptorAddress(i).advanced(by: TxDescriptor.statusOffset), 0)
        }
        let first = driver.watchdog()
        work += first
        #expect(first.registerReads == 1)
        #expect(delegate.completed == [id])
        #expect(driver.statistics.lostWriteBacks == 1)
        #expect(driver.statistics.watchdogRecoveries == 0)
        #expect(work.descriptorsReclaimed == work.descriptorsWritten)
        #expect(!driver.hasOutstandingWork)

        // Posted but never rung: TDH and the reclaim point stay put between two runs.
        _ = try driver.transmit(space: space, entries: [WriteEntry(destination: destination, address: address,
                                                                   length: 1_472)], path: nil)
        _ = driver.watchdog()
        #expect(driver.statistics.transmitHangs == 0)
        _ = driver.watchdog()
        #expect(driver.statistics.transmitHangs == 1)
        #expect(driver.hasOutstandingWork)
    }
}

@Suite struct StopTests {
    /// A cold queue (BQL limit 0, Linux's start) stops after the first datagram; the call rings nothing itself but
    /// asks for the kick, which rings that queue once, so that the OS arms its watchdog as for any other write.
    @Test func aStoppedQueueIsRungByTheKick() throws {
        let simulator = Simulator(seed: 1, maxFrameBytes: 1536)
        let memory = PhysicalMemory(size: 64 << 20, seed: 1)
        let nic = NIC(simulator: simulator, name: "nic", configuration: NICConfiguration(),
                      dma: DMAEngine(memory: memory))
        let driver = try NAPIDriver(device: nic, memory: memory, configuration: DriverConfiguration(receiveRingSize: 0),
                                    maxFrameBytes: 1514)
        let delegate = RecordingDelegate()
        _ = driver.attach(to: delegate, mac: MACAddress(2, 0, 0, 0, 0, 1))
        let destination = driver.addDestination(HeaderTemplate(
            sourceMAC: MACAddress(2, 0, 0, 0, 0, 1), destinationMAC: MACAddress(2, 0, 0, 0, 0, 2),
            sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 2), sourcePort: 5004,
            destinationPort: 6000))
        let space = AddressSpace(memory: memory, id: 1)
        let address = try space.allocate(bytes: 5 * 1_472)
        let (_, receipt) = try driver.transmit(space: space, entries: [WriteEntry(destination: destination,
                                                                                  address: address, length: 5 * 1_472)],
                                               path: nil)
        #expect(receipt.sends == 1)
        #expect(receipt.ringFullStalls == 1)
        #expect(receipt.doorbells == 0)
        #expect(receipt.kickNeeded)
        let doorbellsBefore = nic.counters.doorbells
        #expect(driver.kick().doorbells == 1)
        #expect(nic.counters.doorbells == doorbellsBefore + 1)
        #expect(driver.hasOutstandingWork)
    }
}
