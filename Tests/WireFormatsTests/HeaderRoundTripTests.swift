import Testing
import WireFormats

@Suite struct HeaderRoundTripTests {
    @Test(arguments: [0, 3])
    func ethernet(offset: Int) throws {
        let header = EthernetHeader(
            destination: .broadcast, source: MACAddress(rawValue: 0x0200_0000_0001), etherType: .arp)
        var bytes = [UInt8](repeating: 0xAA, count: offset + EthernetHeader.size + 2)
        header.encode(into: &bytes, at: offset)
        #expect(bytes[offset + 12] == 0x08 && bytes[offset + 13] == 0x06)
        #expect(bytes[offset + 14] == 0xAA)
        let decoded = try #require(EthernetHeader(decoding: bytes, at: offset, end: bytes.count))
        #expect(decoded == header)
    }

    @Test func arp() throws {
        let packet = ARPPacket(
            operation: .request, senderMAC: MACAddress(rawValue: 0x0200_0000_0001), senderIP: IPv4Address(10, 0, 0, 1),
            targetMAC: MACAddress(rawValue: 0), targetIP: IPv4Address(10, 0, 0, 2))
        var bytes = [UInt8](repeating: 0, count: 1 + ARPPacket.size)
        packet.encode(into: &bytes, at: 1)
        #expect(Array(bytes[1..<9]) == [0, 1, 0x08, 0x00, 6, 4, 0, 1])
        #expect(ARPPacket(decoding: bytes, at: 1, end: bytes.count) == packet)

        var reply = packet
        reply.operation = .reply
        reply.encode(into: &bytes, at: 1)
        #expect(ARPPacket(decoding: bytes, at: 1, end: bytes.count)?.operation == .reply)

        var notIPv4 = bytes
        notIPv4[3] = 0xDD
        #expect(ARPPacket(decoding: notIPv4, at: 1, end: notIPv4.count) == nil)
        var badLength = bytes
        badLength[5] = 16
        #expect(ARPPacket(decoding: badLength, at: 1, end: badLength.count) == nil)
    }

    @Test func ipv4KnownVector() {
        // The textbook header 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7.
        let header = IPv4Header(
            totalLength: 0x73, identification: 0, dontFragment: true, ttl: 64, protocolNumber: 17,
            headerChecksum: 0xB861, source: IPv4Address(192, 168, 0, 1), destination: IPv4Address(192, 168, 0, 199))
        var bytes = [UInt8](repeating: 0, count: 20)
        header.encode(into: &bytes, at: 0)
        let expected: [UInt8] = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xB8, 0x61, 0xC0, 0xA8, 0x00, 0x01, 0xC0, 0xA8,
            0x00, 0xC7,
        ]
        #expect(bytes == expected)
        #expect(IPv4Header.computeChecksum(bytes, at: 0, length: 20) == 0xB861)
        #expect(IPv4Header.verifyChecksum(bytes, at: 0))
        bytes[8] = 63
        #expect(!IPv4Header.verifyChecksum(bytes, at: 0))
    }

    @Test func ipv4RandomFieldsRoundTrip() throws {
        var generator = SeededGenerator(seed: 0x1B4)
        for _ in 0..<500 {
            var header = IPv4Header(
                tos: .random(in: 0...255, using: &generator), totalLength: .random(in: 60...65535, using: &generator),
                identification: .random(in: 0...65535, using: &generator), dontFragment: .random(using: &generator),
                moreFragments: .random(using: &generator), fragmentOffset: .random(in: 0...0x1FFF, using: &generator),
                ttl: .random(in: 0...255, using: &generator), protocolNumber: .random(in: 0...255, using: &generator),
                headerChecksum: 0, source: IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &generator)),
                destination: IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &generator)),
                ihl: 4 * Int.random(in: 5...15, using: &generator), reservedFlag: .random(using: &generator))
            var bytes = [UInt8](repeating: 0xEE, count: 2 + header.ihl)
            header.encode(into: &bytes, at: 2)
            header.headerChecksum = IPv4Header.computeChecksum(bytes, at: 2, length: header.ihl)
            header.encode(into: &bytes, at: 2)
            #expect(bytes[2 + 20..<2 + header.ihl].allSatisfy { $0 == 0 })
            let decoded = try #require(IPv4Header(decoding: bytes, at: 2, end: bytes.count))
            #expect(decoded == header)
            #expect(IPv4Header.verifyChecksum(bytes, at: 2))
        }
    }

    @Test func ipv4RejectsBadVersionIHLAndTotalLength() {
        let header = IPv4Header(
            totalLength: 28, protocolNumber: 17, source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8))
        var bytes = [UInt8](repeating: 0, count: 28)
        header.encode(into: &bytes, at: 0)
        #expect(IPv4Header(decoding: bytes, at: 0, end: 28) != nil)
        var v6 = bytes
        v6[0] = 0x65
        #expect(IPv4Header(decoding: v6, at: 0, end: 28) == nil)
        var shortIHL = bytes
        shortIHL[0] = 0x44
        #expect(IPv4Header(decoding: shortIHL, at: 0, end: 28) == nil)
        var longIHL = bytes
        longIHL[0] = 0x48  // 32-byte header but only 28 bytes
        #expect(IPv4Header(decoding: longIHL, at: 0, end: 28) == nil)
        var smallTotal = bytes
        smallTotal[3] = 19
        #expect(IPv4Header(decoding: smallTotal, at: 0, end: 28) == nil)
    }

    @Test func udp() {
        let header = UDPHeader(sourcePort: 40_000, destinationPort: 5_000, length: 1_324, checksum: 0xBEEF)
        var bytes = [UInt8](repeating: 0, count: 9)
        header.encode(into: &bytes, at: 1)
        #expect(Array(bytes[1...]) == [0x9C, 0x40, 0x13, 0x88, 0x05, 0x2C, 0xBE, 0xEF])
        #expect(UDPHeader(decoding: bytes, at: 1, end: 9) == header)
    }

    @Test func rtpFixedHeader() throws {
        let header = RTPHeader(
            payloadType: 33, sequenceNumber: 0xFFFF, timestamp: 0x0102_0304, ssrc: 0xCAFE_F00D, marker: true)
        var bytes = [UInt8](repeating: 0, count: 12)
        header.encode(into: &bytes, at: 0)
        #expect(bytes == [0x80, 0xA1, 0xFF, 0xFF, 1, 2, 3, 4, 0xCA, 0xFE, 0xF0, 0x0D])
        let decoded = try #require(RTPHeader(decoding: bytes, at: 0, end: 12))
        #expect(decoded == header)
        #expect(decoded.headerLength == 12)
    }

    @Test func rtpWithCSRCsAndExtension() throws {
        var header = RTPHeader(
            payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, padding: true, extension: true, csrcCount: 2)
        // 12 fixed + 2 CSRCs + extension header (profile 0xBEDE, 1 word) + 1 word.
        var bytes = [UInt8](repeating: 0, count: 12 + 8 + 4 + 4)
        header.encode(into: &bytes, at: 0)
        NetworkBytes.setUInt16(&bytes, 20, 0xBEDE)
        NetworkBytes.setUInt16(&bytes, 22, 1)
        #expect(bytes[0] == 0xB2)
        let decoded = try #require(RTPHeader(decoding: bytes, at: 0, end: bytes.count))
        #expect(decoded.headerLength == 28)
        header.extensionLength = 8
        #expect(decoded == header)
        #expect(RTPHeader(decoding: bytes, at: 0, end: bytes.count - 1) == nil)
        #expect(RTPHeader(decoding: bytes, at: 0, end: 22) == nil)
        #expect(RTPHeader(decoding: bytes, at: 0, end: 19) == nil)
    }

    @Test func rtpRejectsOtherVersions() {
        var bytes = [UInt8](repeating: 0, count: 12)
        for version: UInt8 in [0, 1, 3] {
            bytes[0] = version << 6
            #expect(RTPHeader(decoding: bytes, at: 0, end: 12) == nil)
        }
    }
}
