import HostMemory
import HostOS
import NAPIDriver
import NICModel
import SimCore
import Testing
import WireFormats

@Suite struct TransmitTests {
    /// A zero-copy write to three destinations of unregistered memory: each receiver's payload arrives whole and in
    /// order, the write completes, and the receipts add up to what the device saw.
    @Test func multiDestinationZeroCopyWriteArrivesIntact() throws {
        let rig = try Rig()
        var entries: [WriteVectorEntry] = []
        var expected: [(SocketAddress, [UInt8])] = []
        for i in 0..<3 {
            let (address, bytes) = try rig.buffer(10_000 + 1_000 * i, tag: i + 1)
            let to = rig.receiver(i)
            entries.append(WriteVectorEntry(destination: to, address: address, length: bytes.count))
            expected.append((to, bytes))
        }
        try rig.host.write(socket: rig.socket, entries: entries)
        rig.run()
        for (to, bytes) in expected {
            #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes)
        }
        #expect(rig.host.counters.writesCompleted == 1)
        let work = rig.host.driverWork
        #expect(work.isPlausible)
        #expect(work.descriptorsWritten == rig.nic.counters.descriptorsFetched)
        #expect(work.descriptorsReclaimed == work.descriptorsWritten)
        #expect(work.doorbells == rig.nic.counters.doorbells)
        #expect(work.segments == UInt64(rig.wire.arrivals.count))
        #expect(work.transientPins == work.pageWalks)
        #expect(work.pageWalks > 0)
        #expect(rig.nic.counters.txDMAErrors + rig.nic.counters.txFormatErrors + rig.nic.counters.txLengthErrors == 0)
    }
}
