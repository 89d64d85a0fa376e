import HostMemory
import HostOS
@testable import NICDriver
import NICModel
import NICSimTesting
import SimCore
import Testing
import WireFormats

/// The reference driver's `reportPacketSent` (`driver.report-sent` in a scenario): its report points carry `RPS`
/// beside `RS`, so the device reports the packet when its last bit has left, not when it is in the packet buffer
/// (datasheet §4.5).
@Suite("Reference driver: report when sent (RPS)")
struct DriverReportSentTests {
    @Test("the report point carries RS, and RPS beside it when the driver is asked to report on the wire",
          arguments: [false, true])
    func reportSent(_ on: Bool) throws {
        let rig = EmbeddedNIC(seed: 5)
        let memory = rig.memory
        var configuration = DriverConfiguration(ringSize: 16)
        configuration.reportPacketSent = on
        let driver = try Driver(device: rig.device, memory: memory, configuration: configuration, maxFrameBytes: 1514)
        let space = AddressSpace(memory: memory, id: 1)
        let destination = driver.addDestination(HeaderTemplate(
            sourceMAC: MACAddress(rawValue: 0x0200_0000_0001), destinationMAC: MACAddress(rawValue: 0x0200_0000_0100),
            sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 10),
            sourcePort: 4000, destinationPort: 5004))
        let address = try space.allocate(bytes: 200)
        _ = try driver.accept(
            space: space, entries: [WriteEntry(destination: destination, address: address, length: 200)])
        // The write's one datagram ends at the last descriptor posted; its CMD byte (offset 11) is the report point.
        let last = (driver.posted - 1) & 15
        let command = TxCommand(rawValue: try memory.readUInt8(
            driver.ringBase.advanced(by: Int(last) * TxDescriptor.size + 11)))
        #expect(command.contains([.endOfPacket, .reportStatus]))
        #expect(command.contains(.reportPacketSent) == on)
        #expect(rig.runUntilIdle() == .idle)
        // (When the NIC reports the packet is checked at the NIC level: TimingTests, InterruptTests.)
    }
}
