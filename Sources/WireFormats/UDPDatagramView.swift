/// A parsed Ethernet/IPv4/UDP frame with its checksums verified; for receivers, pcap checks and tests.
///
/// Lengths come from the IPv4 total length, not the frame length, because frames may carry padding up to the
/// 60-byte Ethernet minimum.
public struct UDPDatagramView: Sendable {
    /// The Ethernet header (EtherType 0x0800).
    public var ethernet: EthernetHeader
    /// The IPv4 header (protocol 17, not a fragment).
    public var ip: IPv4Header
    /// The UDP header.
    public var udp: UDPHeader
    /// Index in the parsed array of the first UDP payload byte.
    public var payloadOffset: Int
    /// UDP payload length in bytes (UDP length minus 8).
    public var payloadLength: Int
    /// True when the IPv4 header checksum verifies.
    public var ipChecksumValid: Bool
    /// True when the UDP checksum verifies over pseudo-header, header and payload, or is 0 (absent).
    public var udpChecksumValid: Bool

    /// Parses the frame of `length` bytes at `offset`.
    ///
    /// Returns nil when the frame is not IPv4, not UDP, an IPv4 fragment, truncated (IPv4 total length beyond the
    /// frame), or when the UDP length disagrees with the IPv4 payload length. Checksum failures do not return nil;
    /// they are reported in `ipChecksumValid` and `udpChecksumValid`.
    public init?(parsing bytes: borrowing [UInt8], at offset: Int, length: Int) {
        guard offset >= 0, length >= 0, length <= bytes.count - offset else { return nil }
        let end = offset + length
        guard let ethernet = EthernetHeader(decoding: bytes, at: offset, end: end), ethernet.etherType == .ipv4
        else { return nil }
        let ipOffset = offset + EthernetHeader.size
        guard let ip = IPv4Header(decoding: bytes, at: ipOffset, end: end),
            ip.protocolNumber == IPv4Header.udpProtocolNumber,
            !ip.moreFragments, ip.fragmentOffset == 0,
            Int(ip.totalLength) <= end - ipOffset
        else { return nil }
        let udpOffset = ipOffset + ip.ihl
        let ipEnd = ipOffset + Int(ip.totalLength)
        guard let udp = UDPHeader(decoding: bytes, at: udpOffset, end: ipEnd),
            Int(udp.length) == ipEnd - udpOffset
        else { return nil }

        self.ethernet = ethernet
        self.ip = ip
        self.udp = udp
        self.payloadOffset = udpOffset + UDPHeader.size
        self.payloadLength = Int(udp.length) - UDPHeader.size
        self.ipChecksumValid = IPv4Header.verifyChecksum(bytes, at: ipOffset)
        if udp.checksum == 0 {
            self.udpChecksumValid = true
        } else {
            var sum = InternetChecksum.pseudoHeader(
                source: ip.source, destination: ip.destination, protocolNumber: ip.protocolNumber, length: udp.length)
            sum.add(bytes, from: udpOffset, count: Int(udp.length))
            self.udpChecksumValid = sum.partialSum == 0xFFFF
        }
    }
}
