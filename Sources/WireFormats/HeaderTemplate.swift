/// One prebuilt Ethernet + IPv4 + UDP (+ optional RTP) header for one destination, rendered once per packet.
///
/// The constant bytes and the constant parts of the IPv4 header sum and the UDP checksum are computed once at
/// init; `render` copies the bytes, fills in the per-packet fields (lengths, identification, RTP sequence,
/// timestamp and marker) and finishes both checksums with a few additions instead of re-summing the header.
///
/// Layout: Ethernet at 0, IPv4 (20 bytes, no options) at 14, UDP at 34, RTP (12 bytes, no CSRCs) at 42.
public struct HeaderTemplate: Sendable {
    /// The RTP fields that stay constant for a stream.
    public struct RTPFields: Sendable, Hashable {
        /// RTP payload type PT (7 bits); 33 is MPEG-2 transport stream (RFC 3551, RFC 2250).
        public var payloadType: UInt8
        /// Synchronization source identifier SSRC.
        public var ssrc: UInt32

        /// Creates the constant RTP fields; `payloadType` keeps only its low 7 bits.
        public init(payloadType: UInt8 = RTPHeader.payloadTypeMP2T, ssrc: UInt32) {
            self.payloadType = payloadType & 0x7F
            self.ssrc = ssrc
        }
    }

    /// How `render` fills the UDP checksum field.
    public enum UDPChecksum: Sendable {
        /// Writes 0: no checksum (allowed for UDP over IPv4).
        case none
        /// Writes the pseudo-header sum, folded but not complemented, for a NIC to finish by summing from
        /// `udpHeaderOffset` to the end of the packet (Linux `CHECKSUM_PARTIAL`); see
        /// `InternetChecksum.insertChecksum`.
        case partial
        /// Writes the complete checksum, given the one's-complement sum of the payload bytes alone (the bytes after
        /// `headerLength`, summed from their first byte).
        case full(payloadSum: InternetChecksum)
    }

    /// Source MAC address of every rendered frame.
    public let sourceMAC: MACAddress
    /// Destination MAC address of every rendered frame.
    public let destinationMAC: MACAddress
    /// IPv4 source address.
    public let sourceIP: IPv4Address
    /// IPv4 destination address.
    public let destinationIP: IPv4Address
    /// UDP source port.
    public let sourcePort: UInt16
    /// UDP destination port.
    public let destinationPort: UInt16
    /// IPv4 time to live in hops.
    public let ttl: UInt8
    /// IPv4 type of service byte.
    public let tos: UInt8
    /// Whether the IPv4 Don't Fragment flag is set.
    public let dontFragment: Bool
    /// The constant RTP fields, or nil when the template has no RTP header.
    public let rtp: RTPFields?

    /// The header bytes with all per-packet fields (lengths, identification, checksums, RTP sequence, timestamp
    /// and marker) zero, kept inline: a template is a plain value (no reference to count when it is copied, no
    /// separate heap object to miss in the cache when thousands of destinations take turns).
    @usableFromInline
    let baseBytes: InlineHeaderBytes
    /// Folded sum of the IPv4 header in `baseBytes`.
    @usableFromInline
    let ipBaseSum: UInt32
    /// Folded pseudo-header sum without the length: source, destination, protocol 17.
    @usableFromInline
    let pseudoBaseSum: UInt32
    /// Folded sum of the UDP header and RTP header in `baseBytes`.
    @usableFromInline
    let transportBaseSum: UInt32

    /// Builds the template for one destination.
    ///
    /// - Parameters:
    ///   - sourceMAC: Ethernet source address.
    ///   - destinationMAC: Ethernet destination address.
    ///   - sourceIP: IPv4 source address.
    ///   - destinationIP: IPv4 destination address.
    ///   - sourcePort: UDP source port.
    ///   - destinationPort: UDP destination port.
    ///   - ttl: IPv4 time to live in hops.
    ///   - tos: IPv4 type of service byte.
    ///   - dontFragment: IPv4 DF flag.
    ///   - rtp: constant RTP fields, or nil for plain UDP.
    public init(
        sourceMAC: MACAddress, destinationMAC: MACAddress, sourceIP: IPv4Address, destinationIP: IPv4Address,
        sourcePort: UInt16, destinationPort: UInt16, ttl: UInt8 = 64, tos: UInt8 = 0, dontFragment: Bool = true,
        rtp: RTPFields? = nil
    ) {
        self.sourceMAC = sourceMAC
        self.destinationMAC = destinationMAC
        self.sourceIP = sourceIP
        self.destinationIP = destinationIP
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.ttl = ttl
        self.tos = tos
        self.dontFragment = dontFragment
        self.rtp = rtp

        let length = Self.udpOffset + UDPHeader.size + (rtp == nil ? 0 : RTPHeader.size)
        var base = [UInt8](repeating: 0, count: length)
        EthernetHeader(destination: destinationMAC, source: sourceMAC, etherType: .ipv4).encode(into: &base, at: 0)
        IPv4Header(
            tos: tos, totalLength: 0, identification: 0, dontFragment: dontFragment, ttl: ttl,
            protocolNumber: IPv4Header.udpProtocolNumber, source: sourceIP, destination: destinationIP
        ).encode(into: &base, at: Self.ipOffset)
        UDPHeader(sourcePort: sourcePort, destinationPort: destinationPort, length: 0).encode(
            into: &base, at: Self.udpOffset)
        if let rtp {
            RTPHeader(payloadType: rtp.payloadType, sequenceNumber: 0, timestamp: 0, ssrc: rtp.ssrc).encode(
                into: &base, at: Self.rtpOffset)
        }
        baseBytes = InlineHeaderBytes(base)

        var ipSum = InternetChecksum()
        ipSum.add(base, from: Self.ipOffset, count: IPv4Header.minimumSize)
        ipBaseSum = UInt32(ipSum.partialSum)
        var pseudo = InternetChecksum()
        pseudo.add(sourceIP.rawValue)
        pseudo.add(destinationIP.rawValue)
        pseudo.add(UInt16(IPv4Header.udpProtocolNumber))
        pseudoBaseSum = UInt32(pseudo.partialSum)
        var transport = InternetChecksum()
        transport.add(base, from: Self.udpOffset, count: length - Self.udpOffset)
        transportBaseSum = UInt32(transport.partialSum)
    }

    @usableFromInline
    static let ipOffset = 14
    @usableFromInline
    static let udpOffset = 34
    @usableFromInline
    static let rtpOffset = 42

    /// Bytes of header in front of the payload: 42, or 54 with RTP.
    @inlinable
    public var headerLength: Int {
        rtp == nil ? Self.rtpOffset : Self.rtpOffset + RTPHeader.size
    }

    /// Offset of the IPv4 header from the frame start in bytes (14).
    @inlinable
    public var ipHeaderOffset: Int { Self.ipOffset }

    /// Offset of the UDP header from the frame start in bytes (34): the NIC's checksum start (Linux csum_start).
    @inlinable
    public var udpHeaderOffset: Int { Self.udpOffset }

    /// Offset of the UDP checksum field from the frame start in bytes (40).
    @inlinable
    public var udpChecksumOffset: Int { Self.udpOffset + 6 }

    /// Offset of the RTP header from the frame start in bytes (42), or nil without RTP.
    @inlinable
    public var rtpHeaderOffset: Int? { rtp == nil ? nil : Self.rtpOffset }

    /// Largest payload in bytes that fits the 16-bit IPv4 total length (65,535 minus the IPv4, UDP and RTP headers).
    @inlinable
    public var maximumPayloadLength: Int {
        Int(UInt16.max) - (headerLength - Self.ipOffset)
    }

    /// Writes the header for a packet carrying `payloadLength` bytes after the header.
    ///
    /// The RTP header, if any, is part of the header, not of `payloadLength`. Fills the IPv4 total length,
    /// identification and header checksum (from the precomputed base sum), the UDP length, the RTP sequence,
    /// timestamp and marker, and the UDP checksum per `checksum`. A computed full UDP checksum of 0 is sent as
    /// 0xFFFF (RFC 768). The `headerLength` bytes at `offset` must exist; the payload need not.
    ///
    /// - Parameters:
    ///   - bytes: the buffer the header is written into.
    ///   - offset: where in `bytes` the header starts (its Ethernet destination).
    ///   - payloadLength: bytes after the header, at most `maximumPayloadLength`.
    ///   - identification: IPv4 identification field.
    ///   - rtpSequence: RTP sequence number (ignored without RTP).
    ///   - rtpTimestamp: RTP timestamp in the payload type's clock ticks (ignored without RTP).
    ///   - rtpMarker: RTP marker bit (ignored without RTP).
    ///   - checksum: how the UDP checksum field is filled.
    @inlinable
    public func render(
        into bytes: inout [UInt8], at offset: Int, payloadLength: Int, identification: UInt16,
        rtpSequence: UInt16 = 0, rtpTimestamp: UInt32 = 0, rtpMarker: Bool = false, checksum: UDPChecksum
    ) {
        let headerLength = self.headerLength
        precondition(offset >= 0 && offset <= bytes.count - headerLength, "HeaderTemplate.render out of range")
        precondition(
            payloadLength >= 0 && payloadLength <= maximumPayloadLength, "HeaderTemplate.render payload too long")
        baseBytes.copy(count: headerLength, into: &bytes, at: offset)
        let udpLength = UInt16(truncatingIfNeeded: headerLength - Self.udpOffset + payloadLength)
        let totalLength = udpLength &+ UInt16(IPv4Header.minimumSize)

        let ip = offset + Self.ipOffset
        NetworkBytes.setUInt16(&bytes, ip + 2, totalLength)
        NetworkBytes.setUInt16(&bytes, ip + 4, identification)
        let ipSum = Self.fold(ipBaseSum + UInt32(totalLength) + UInt32(identification))
        NetworkBytes.setUInt16(&bytes, ip + IPv4Header.checksumOffset, ~ipSum)

        let udp = offset + Self.udpOffset
        NetworkBytes.setUInt16(&bytes, udp + 4, udpLength)
        var transportSum = transportBaseSum + UInt32(udpLength)
        if rtp != nil {
            let r = offset + Self.rtpOffset
            if rtpMarker {
                bytes[r + 1] |= 0x80
                transportSum += 0x80
            }
            NetworkBytes.setUInt16(&bytes, r + 2, rtpSequence)
            NetworkBytes.setUInt32(&bytes, r + 4, rtpTimestamp)
            transportSum += UInt32(rtpSequence) + (rtpTimestamp >> 16) + (rtpTimestamp & 0xFFFF)
        }

        let value: UInt16
        switch checksum {
        case .none:
            value = 0
        case .partial:
            value = Self.fold(pseudoBaseSum + UInt32(udpLength))
        case .full(let payloadSum):
            let sum = Self.fold(
                pseudoBaseSum + UInt32(udpLength) + transportSum + UInt32(payloadSum.partialSum))
            value = ~sum == 0 ? 0xFFFF : ~sum
        }
        NetworkBytes.setUInt16(&bytes, udp + 6, value)
    }

    /// Folds a 32-bit one's-complement sum to 16 bits with end-around carry.
    @inlinable
    static func fold(_ sum: UInt32) -> UInt16 {
        var total = (sum & 0xFFFF) + (sum >> 16)
        total = (total & 0xFFFF) + (total >> 16)
        return UInt16(truncatingIfNeeded: total)
    }
}

/// Up to 56 header bytes stored inline (Ethernet, IPv4 and UDP headers are 42 bytes; with RTP, 54).
@usableFromInline
struct InlineHeaderBytes: Sendable {
    @usableFromInline
    var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)

    @usableFromInline
    static let capacity = 56

    init(_ bytes: [UInt8]) {
        precondition(bytes.count <= Self.capacity, "a header template holds at most 56 bytes")
        withUnsafeMutableBytes(of: &words) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
    }

    /// Copies the first `count` bytes to `bytes[offset..<offset + count]`, which the caller checked exist.
    @inlinable
    func copy(count: Int, into bytes: inout [UInt8], at offset: Int) {
        precondition(count >= 0 && count <= Self.capacity && offset >= 0 && offset <= bytes.count - count)
        withUnsafeBytes(of: words) { source in
            bytes.withUnsafeMutableBytes { target in
                target.baseAddress!.advanced(by: offset).copyMemory(from: source.baseAddress!, byteCount: count)
            }
        }
    }
}
