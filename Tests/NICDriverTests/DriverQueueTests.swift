import HostMemory
import HostOS
@testable import NICDriver
import NICSimTesting
import SimCore
import Testing
import WireFormats

/// A NIC with the reference driver and one write of 200-byte datagrams to `destinations` destinations, sent again
/// and again by the tests below.
private struct QueueRig {
    let rig = EmbeddedNIC(seed: 5)
    var simulator: Simulator { rig.simulator }
    var wire: EmbeddedNIC.Wire { rig.wire }
    let driver: Driver
    let space: AddressSpace
    let entries: [WriteEntry]

    init(ringSize: Int, destinations: Int) throws {
        let memory = rig.memory
        driver = try Driver(device: rig.device, memory: memory, configuration: DriverConfiguration(ringSize: ringSize),
                            maxFrameBytes: 1514)
        space = AddressSpace(memory: memory, id: 1)
        var entries: [WriteEntry] = []
        for i in 0..<destinations {
            let template = HeaderTemplate(
                sourceMAC: MACAddress(rawValue: 0x0200_0000_0001),
                destinationMAC: MACAddress(rawValue: 0x0200_0000_0100 + UInt64(i)),
                sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, UInt8(10 + i)),
                sourcePort: 4000, destinationPort: 5004)
            let destination = driver.addDestination(template)
            let address = try space.allocate(bytes: 200)
            entries.append(WriteEntry(destination: destination, address: address, length: 200))
        }
        self.entries = entries
    }

    func transmit() throws { _ = try driver.accept(space: space, entries: entries) }
}

@Suite("Driver write queue under continuous load")
struct DriverQueueTests {
    /// A driver kept busy by writes that always arrive before the queue drains (two writes queued at every
    /// doorbell, as a host does when its application writes faster than one ring's worth) must not keep the entries
    /// of writes it finished posting: its queue storage stays bounded by what is outstanding, not by the run's
    /// length. Before the queue was compacted, 300 writes of 40 entries left 12,000 entries in it.
    @Test("The queue's storage stays bounded when it never drains, and every write still completes")
    func queueStaysBounded() throws {
        let rig = try QueueRig(ringSize: 64, destinations: 40)
        let driver = rig.driver
        let writes = 300
        var accepted = 0
        var peakCapacity = 0
        var sawUndrainedQueue = false
        while accepted < writes || driver.outstandingWrites > 0 {
            // Top up to two unposted writes: a 64-descriptor ring posts at most 32 packets between interrupts, fewer
            // than one write's 40, so the queue never empties while writes remain to be accepted.
            while accepted < writes && driver.queued.count - driver.queuedHead < 2 {
                if driver.queuedHead > 0 { sawUndrainedQueue = true }
                try rig.transmit()
                accepted += 1
            }
            peakCapacity = max(peakCapacity, driver.queuedEntries.capacity)
            driver.ringDoorbell()
            rig.simulator.run()
            driver.handleInterrupt()
        }

        #expect(sawUndrainedQueue, "the workload must keep the queue from draining, or it tests nothing")
        #expect(rig.wire.frames.count == writes * 40)
        #expect(driver.counters.writesCompleted == UInt64(writes))
        // Outstanding never exceeds three writes (two queued plus the one being posted): 120 entries. Compaction
        // keeps storage within about twice that; without it the array held all 12,000.
        #expect(peakCapacity <= 8 * 40, "queue storage grew to \(peakCapacity) entries")
        #expect(driver.queued.capacity <= 16)
    }

    /// The same for writes the driver has posted and the device has not finished: with a ring large enough to post
    /// each write at once and interrupts handled while the device is still sending, some write is always in flight,
    /// so the in-flight list never empties; it must still drop the writes it has reported complete.
    @Test("The in-flight list stays bounded when it never empties, and every write completes")
    func inFlightStaysBounded() throws {
        let rig = try QueueRig(ringSize: 1024, destinations: 10)
        let driver = rig.driver
        let writes = 300
        var accepted = 0
        var peakCapacity = 0
        var sawUnemptiedList = false
        while accepted < writes || driver.outstandingWrites > 0 {
            while accepted < writes && driver.outstandingWrites < 3 {
                try rig.transmit()
                accepted += 1
            }
            if driver.inFlightHead > 0 { sawUnemptiedList = true }
            peakCapacity = max(peakCapacity, driver.inFlight.capacity)
            driver.ringDoorbell()
            // Less than one write's time on the wire (ten 254-byte frames at 10 Gb/s take about 2.2 µs).
            rig.simulator.run(until: rig.simulator.now + .microseconds(1))
            driver.handleInterrupt()
            if accepted == writes && driver.outstandingWrites > 0 { rig.simulator.run() }
        }

        #expect(sawUnemptiedList, "the workload must keep the in-flight list from emptying, or it tests nothing")
        #expect(rig.wire.frames.count == writes * 10)
        #expect(driver.counters.writesCompleted == UInt64(writes))
        #expect(peakCapacity <= 16, "the in-flight list grew to \(peakCapacity) writes")
    }
}
