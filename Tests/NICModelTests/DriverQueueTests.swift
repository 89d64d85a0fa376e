import HostMemory
@testable import NICDriver
import NICModel
import SimCore
import Testing
import WireFormats

@Suite("Driver write queue under continuous load")
struct DriverQueueTests {
    /// A driver kept busy by writes that always arrive before the queue drains (two writes queued at every
    /// doorbell, as a host does when its application writes faster than one ring's worth) must not keep the entries
    /// of writes it finished posting: its queue storage stays bounded by what is outstanding, not by the run's
    /// length. Before the queue was compacted, 300 writes of 40 entries left 12,000 entries in it.
    @Test("The queue's storage stays bounded when it never drains, and every write still completes")
    func queueStaysBounded() throws {
        let simulator = Simulator(seed: 5)
        let memory = PhysicalMemory(size: 64 << 20, seed: 5)
        let nic = NIC(simulator: simulator, name: "nic", configuration: NICConfiguration(), dma: DMAEngine(memory: memory))
        let wire = WireRecorder()
        nic.wire = wire
        let driver = try Driver(device: nic, memory: memory, configuration: DriverConfiguration(ringSize: 64),
                                maxFrameBytes: 1514)
        let space = AddressSpace(memory: memory, id: 1)
        let destinations = 40
        var entries: [WriteEntry] = []
        for i in 0..<destinations {
            let template = HeaderTemplate(
                sourceMAC: MACAddress(rawValue: 0x0200_0000_0001), destinationMAC: MACAddress(rawValue: 0x0200_0000_0100 + UInt64(i)),
                sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, UInt8(10 + i)),
                sourcePort: 4000, destinationPort: 5004)
            let destination = driver.addDestination(template)
            let address = try space.allocate(bytes: 200)
            entries.append(WriteEntry(destination: destination, address: address, length: 200))
        }

        let writes = 300
        var accepted = 0
        var peakCapacity = 0
        var sawUndrainedQueue = false
        while accepted < writes || driver.outstandingWrites > 0 {
            // Top up to two unposted writes: a 64-descriptor ring posts at most 32 packets between interrupts, fewer
            // than one write's 40, so the queue never empties while writes remain to be accepted.
            while accepted < writes && driver.queued.count - driver.queuedHead < 2 {
                if driver.queuedHead > 0 { sawUndrainedQueue = true }
                _ = try driver.transmit(space: space, entries: entries)
                accepted += 1
            }
            peakCapacity = max(peakCapacity, driver.queuedEntries.capacity)
            driver.ringDoorbell()
            simulator.run()
            driver.handleInterrupt()
        }

        #expect(sawUndrainedQueue, "the workload must keep the queue from draining, or it tests nothing")
        #expect(wire.frames.count == writes * destinations)
        #expect(driver.counters.writesCompleted == UInt64(writes))
        // Outstanding never exceeds three writes (two queued plus the one being posted): 120 entries. Compaction
        // keeps storage within about twice that; without it the array held all 12,000.
        #expect(peakCapacity <= 8 * destinations, "queue storage grew to \(peakCapacity) entries")
        #expect(driver.queued.capacity <= 16)
        #expect(driver.inFlight.capacity <= 16)
    }
}
