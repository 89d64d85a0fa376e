import HostMemory
import HostOS
import NICDriver
import NICInterface
import NICSimTesting
import SimCore
import Testing
import WireFormats

/// The reference driver's contract (`NetworkDriver`), checked on the embedded NIC rig with the OS around it: what
/// reaches the wire, what the driver leaves in host memory for the device and finds there, what it reports.
@Suite("The reference driver on the embedded NIC rig")
struct ReferenceDriverTests {
    static func plugReference(_ rig: EmbeddedNIC, _ configuration: DriverConfiguration = DriverConfiguration())
        throws -> EmbeddedHost<Driver>
    {
        try rig.plug(configuration: configuration) { c in
            try Driver(device: c.device, memory: c.memory, configuration: c.configuration,
                       maxFrameBytes: c.maxFrameBytes, iommu: c.iommu, mapper: c.mapper)
        }
    }

    @Test("a two-destination write reaches the wire byte for byte; the OS hears of its completion",
          arguments: [false, true])
    func writeReachesTheWire(iommu: Bool) throws {
        let rig = EmbeddedNIC(iommu: iommu ? IOMMU.Configuration() : nil)
        let machine = try Self.plugReference(rig)
        let (a, aBytes) = try machine.buffer(4_000, tag: 1)
        let (b, bBytes) = try machine.buffer(3_000, tag: 2)
        let rx0 = machine.receiver(0)
        let rx1 = machine.receiver(1)
        try machine.write([(rx0, a, 4_000), (rx1, b, 3_000)])
        #expect(rig.wire.arrivals.isEmpty, "nothing moves before virtual time does")
        #expect(rig.runUntilIdle() == .idle)

        // 1,472 payload bytes per datagram: 3 + 3 frames.
        #expect(rig.wire.arrivals.count == 6)
        #expect(rig.wire.payload(to: rx0.ip, port: rx0.port) == aBytes)
        #expect(rig.wire.payload(to: rx1.ip, port: rx1.port) == bBytes)
        #expect(rig.interrupts.count >= 1)
        #expect(machine.host.counters.writesCompleted == 1)
        #expect(machine.host.counters.interruptsHandled >= 1)
        #expect(rig.device.counters.txDMAErrors == 0)
        if iommu {
            #expect(machine.host.driverWork.iommuMaps > 0, "with an IOMMU the driver maps what the device reads")
        } else {
            #expect(machine.host.driverWork.iommuMaps == 0)
        }
    }

    @Test("the driver's descriptors are in the ring where TDBAL points, and the device wrote DD into the last")
    func descriptorsAndWriteBack() throws {
        let rig = EmbeddedNIC()
        let machine = try Self.plugReference(rig, DriverConfiguration(ringSize: 64, report: .lastOfWrite))
        let (a, _) = try machine.buffer(10_000, tag: 3)
        try machine.write([(machine.receiver(0), a, 10_000)])
        rig.runUntilIdle()

        let base = PhysicalAddress(rawValue: UInt64(rig.read(.tdbah)) << 32 | UInt64(rig.read(.tdbal)))
        #expect(rig.read(.tdlen) == 64 * UInt32(TxDescriptor.size))
        let written = Int(machine.host.driverWork.descriptorsWritten)
        #expect(written > 0)
        #expect(Int(rig.read(.tdh)) == written % 64, "the device consumed every descriptor the driver wrote")
        let last = try rig.readMemory(base.advanced(by: (written - 1) * TxDescriptor.size), count: TxDescriptor.size)
        let status = TxStatus(rawValue: last[TxDescriptor.statusOffset])
        #expect(status.contains(.descriptorDone))
        #expect(status.isDisjoint(with: [.dmaError, .lengthError, .formatError]))
    }

    @Test("every receipt the OS got is plausible and adds up to the driver's own counts")
    func receiptsAddUp() throws {
        let rig = EmbeddedNIC()
        let machine = try Self.plugReference(rig, DriverConfiguration(ringSize: 32, report: .everyPacket))
        let (a, _) = try machine.buffer(60_000, tag: 4)
        try machine.write([(machine.receiver(0), a, 60_000)])
        rig.runUntilIdle()
        let work = machine.host.driverWork
        #expect(work.isPlausible)
        // 60,000 bytes need 41 datagrams: more than the 32-descriptor ring holds at once, so the driver reclaimed
        // and posted again from its interrupt handler.
        #expect(work.sends == 41)
        #expect(work.descriptorsReclaimed == work.descriptorsWritten)
        #expect(rig.wire.arrivals.count == 41)
        #expect(!machine.driver.hasOutstandingWork)
        #expect(machine.driver.destinationCounters(DestinationID(rawValue: 0)).packets == 41)
    }

    @Test("a UDP frame from the wire for the host's port reaches its socket")
    func receiveReachesTheSocket() throws {
        let rig = EmbeddedNIC()
        let machine = try Self.plugReference(rig)
        #expect(machine.driver.hasReceiveRing)
        let template = HeaderTemplate(
            sourceMAC: MACAddress(0x02, 0, 0, 0, 1, 7), destinationMAC: EmbeddedHost<Driver>.mac,
            sourceIP: IPv4Address(192, 0, 2, 17), destinationIP: EmbeddedHost<Driver>.ip,
            sourcePort: 7000, destinationPort: 5004)
        let payload = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 3) }
        var frame = [UInt8](repeating: 0, count: template.headerLength)
        var sum = InternetChecksum()
        sum.add(payload, from: 0, count: payload.count)
        template.render(into: &frame, at: 0, payloadLength: payload.count, identification: 1, rtpSequence: 0,
                        rtpTimestamp: 0, checksum: .full(payloadSum: sum))
        frame += payload
        #expect(rig.deliver(frame))
        rig.runUntilIdle()
        #expect(rig.device.counters.framesReceived == 1)
        #expect(rig.interrupts.count >= 1)
        #expect(machine.host.socketDeliveries[5004]?.datagrams == 1)
        #expect(machine.host.socketDeliveries[5004]?.bytes == 300)
    }
}
