import HostMemory
import HostOS
import NICDriver
import NICSimTesting
import SimCore
import Testing
import WireFormats

/// Runs one multi-destination write through the reference driver and the NIC; returns the frames on the wire.
func wireFrames(segmentation: SegmentationPlace, path: PayloadPath, sizes: [Int], rtp: Bool) throws -> [[UInt8]] {
    let rig = EmbeddedNIC(seed: 3)
    let memory = rig.memory
    let driver = try Driver(device: rig.device, memory: memory,
                            configuration: DriverConfiguration(ringSize: 4096, path: path, segmentation: segmentation),
                            maxFrameBytes: 1514)
    let space = AddressSpace(memory: memory, id: 1)
    var entries: [WriteEntry] = []
    var random = RandomStream(seed: 9, name: "data")
    for (i, size) in sizes.enumerated() {
        let template = HeaderTemplate(
            sourceMAC: MACAddress(rawValue: 0x0200_0000_0001),
            destinationMAC: MACAddress(rawValue: 0x0200_0000_0100 + UInt64(i)),
            sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, UInt8(10 + i)),
            sourcePort: 4000, destinationPort: 5004,
            rtp: rtp ? HeaderTemplate.RTPFields(payloadType: 33, ssrc: 0x1234_5678 + UInt32(i)) : nil)
        let destination = driver.addDestination(template)
        let address = try space.allocate(bytes: max(size, 1), startOffset: 37 * i % 4096)
        let data = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        try space.write(address, from: data, at: 0, count: size)
        entries.append(WriteEntry(destination: destination, address: address, length: size))
    }
    _ = try driver.accept(space: space, entries: entries)
    driver.ringDoorbell()
    rig.runUntilIdle()
    return rig.wire.frames
}

@Suite("Driver and NIC segmentation with an RTP layer")
struct DriverSegmentationRTPTests {
    @Test(
        "RTP sequence numbers, identifications and checksums agree byte for byte",
        arguments: [PayloadPath.zeroCopy, .copy])
    func rtpFramesAgree(path: PayloadPath) throws {
        let sizes = [1, 1460, 1461, 30_000, 95_000]
        let byDriver = try wireFrames(segmentation: .driver, path: path, sizes: sizes, rtp: true)
        let byNIC = try wireFrames(segmentation: .nic, path: path, sizes: sizes, rtp: true)
        // 1,500-byte packets carry 1,500 − 20 − 8 − 12 = 1,460 payload bytes after the RTP header.
        let expected = sizes.map { max(1, ($0 + 1459) / 1460) }.reduce(0, +)
        #expect(byDriver.count == expected)
        #expect(byDriver == byNIC)
        var lastSequence: [UInt64: UInt16] = [:]
        for frame in byNIC {
            let view = try #require(UDPDatagramView(parsing: frame, at: 0, length: frame.count))
            #expect(view.ipChecksumValid && view.udpChecksumValid)
            let rtp = try #require(RTPHeader(decoding: frame, at: view.payloadOffset, end: frame.count))
            #expect(rtp.payloadType == 33)
            let key = view.ethernet.destination.rawValue
            if let previous = lastSequence[key] { #expect(rtp.sequenceNumber == previous &+ 1) }
            lastSequence[key] = rtp.sequenceNumber
        }
    }
}
