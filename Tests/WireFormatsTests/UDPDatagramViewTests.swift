import Testing
import WireFormats

@Suite struct UDPDatagramViewTests {
    @Test func paddedShortFrameTrustsTheIPv4TotalLength() throws {
        let payload: [UInt8] = [0xC0, 0xFF, 0xEE]
        let frame = renderFrame(
            sampleTemplate(rtp: false), payload: payload, checksum: .full(payloadSum: payloadSum(payload)),
            minimumLength: 60)
        #expect(frame.count == 60)
        let view = try #require(UDPDatagramView(parsing: frame, at: 0, length: 60))
        #expect(view.payloadLength == 3)
        #expect(Array(frame[view.payloadOffset..<(view.payloadOffset + view.payloadLength)]) == payload)
        #expect(view.ipChecksumValid && view.udpChecksumValid)
    }

    @Test func corruptedBytesFailTheChecksums() throws {
        let payload = [UInt8](repeating: 7, count: 20)
        let frame = renderFrame(
            sampleTemplate(rtp: false), payload: payload, checksum: .full(payloadSum: payloadSum(payload)))
        var badPayload = frame
        badPayload[50] ^= 0x01
        let payloadView = try #require(UDPDatagramView(parsing: badPayload, at: 0, length: badPayload.count))
        #expect(payloadView.ipChecksumValid && !payloadView.udpChecksumValid)

        var badIP = frame
        badIP[22] ^= 0x01  // TTL
        let ipView = try #require(UDPDatagramView(parsing: badIP, at: 0, length: badIP.count))
        #expect(!ipView.ipChecksumValid && ipView.udpChecksumValid)
    }

    @Test func rejectsOtherProtocolsFragmentsAndLengthMismatches() {
        let frame = renderFrame(sampleTemplate(rtp: false), payload: [1, 2, 3, 4], checksum: .none)
        #expect(UDPDatagramView(parsing: frame, at: 0, length: frame.count) != nil)

        var arp = frame
        arp[13] = 0x06
        #expect(UDPDatagramView(parsing: arp, at: 0, length: arp.count) == nil)
        var tcp = frame
        tcp[23] = 6
        #expect(UDPDatagramView(parsing: tcp, at: 0, length: tcp.count) == nil)
        var fragment = frame
        fragment[20] |= 0x20  // More Fragments
        #expect(UDPDatagramView(parsing: fragment, at: 0, length: fragment.count) == nil)
        var laterFragment = frame
        laterFragment[21] = 1
        #expect(UDPDatagramView(parsing: laterFragment, at: 0, length: laterFragment.count) == nil)
        var longIP = frame
        longIP[17] += 1  // IPv4 total length beyond the frame
        #expect(UDPDatagramView(parsing: longIP, at: 0, length: longIP.count) == nil)
        var shortUDP = frame
        shortUDP[39] -= 1  // UDP length below the IPv4 payload
        #expect(UDPDatagramView(parsing: shortUDP, at: 0, length: shortUDP.count) == nil)
        var tinyUDP = frame
        tinyUDP[38] = 0
        tinyUDP[39] = 4  // below the 8-byte header
        #expect(UDPDatagramView(parsing: tinyUDP, at: 0, length: tinyUDP.count) == nil)
    }

    @Test func ipOptionsMoveThePayload() throws {
        // A hand-built frame with a 24-byte IPv4 header (one word of options).
        let payload: [UInt8] = [0xAB, 0xCD]
        var frame = [UInt8](repeating: 0, count: 14 + 24 + 8 + payload.count)
        EthernetHeader(destination: .broadcast, source: MACAddress(rawValue: 2), etherType: .ipv4).encode(
            into: &frame, at: 0)
        var ip = IPv4Header(
            totalLength: UInt16(24 + 8 + payload.count), protocolNumber: 17, source: IPv4Address(10, 0, 0, 1),
            destination: IPv4Address(10, 0, 0, 2), ihl: 24)
        ip.encode(into: &frame, at: 14)
        ip.headerChecksum = IPv4Header.computeChecksum(frame, at: 14, length: 24)
        ip.encode(into: &frame, at: 14)
        var udp = UDPHeader(sourcePort: 1, destinationPort: 2, length: UInt16(8 + payload.count))
        udp.encode(into: &frame, at: 38)
        frame.replaceSubrange(46..<48, with: payload)
        var sum = InternetChecksum.pseudoHeader(
            source: ip.source, destination: ip.destination, protocolNumber: 17, length: udp.length)
        sum.add(frame, from: 38, count: Int(udp.length))
        udp.checksum = sum.checksum
        udp.encode(into: &frame, at: 38)

        let view = try #require(UDPDatagramView(parsing: frame, at: 0, length: frame.count))
        #expect(view.ip.ihl == 24)
        #expect(view.payloadOffset == 46 && view.payloadLength == 2)
        #expect(view.ipChecksumValid && view.udpChecksumValid)
    }
}
