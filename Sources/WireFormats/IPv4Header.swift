/// The IPv4 header (RFC 791): 20 fixed bytes plus up to 40 bytes of options.
///
/// Options are not modeled: decoding skips them (reporting their presence through `ihl`), and encoding fills the
/// option area with zeros (End of Option List).
public struct IPv4Header: Hashable, Sendable {
    /// Version field (high nibble of byte 0); always 4 for a decoded header.
    public var version: UInt8
    /// Header length in bytes (the IHL field, low nibble of byte 0, times 4): 20 without options, at most 60.
    public var ihl: Int
    /// Type of service / DSCP+ECN byte (byte 1).
    public var tos: UInt8
    /// Length of header plus payload in bytes (bytes 2–3).
    public var totalLength: UInt16
    /// Identification of the datagram, for reassembly (bytes 4–5).
    public var identification: UInt16
    /// The reserved flag bit (bit 15 of bytes 6–7), kept so that decoding and re-encoding preserve every bit.
    public var reservedFlag: Bool
    /// The Don't Fragment flag (DF, bit 14 of bytes 6–7).
    public var dontFragment: Bool
    /// The More Fragments flag (MF, bit 13 of bytes 6–7).
    public var moreFragments: Bool
    /// Fragment offset in units of 8 bytes (low 13 bits of bytes 6–7).
    public var fragmentOffset: UInt16
    /// Time to live in hops (byte 8).
    public var ttl: UInt8
    /// Payload protocol (byte 9); 17 is UDP.
    public var protocolNumber: UInt8
    /// Header checksum (bytes 10–11), written and read as is.
    public var headerChecksum: UInt16
    /// Source address (bytes 12–15).
    public var source: IPv4Address
    /// Destination address (bytes 16–19).
    public var destination: IPv4Address

    /// Header length in bytes without options.
    public static let minimumSize = 20
    /// Largest header length in bytes (IHL 15).
    public static let maximumSize = 60
    /// The protocol number of UDP (17).
    public static let udpProtocolNumber: UInt8 = 17
    /// Byte offset of the header checksum field inside the header.
    public static let checksumOffset = 10

    /// Creates a header; `ihl` is in bytes (a multiple of 4 between 20 and 60).
    @inlinable
    public init(
        tos: UInt8 = 0, totalLength: UInt16, identification: UInt16 = 0, dontFragment: Bool = false,
        moreFragments: Bool = false, fragmentOffset: UInt16 = 0, ttl: UInt8 = 64, protocolNumber: UInt8,
        headerChecksum: UInt16 = 0, source: IPv4Address, destination: IPv4Address, ihl: Int = 20,
        reservedFlag: Bool = false, version: UInt8 = 4
    ) {
        self.version = version
        self.ihl = ihl
        self.tos = tos
        self.totalLength = totalLength
        self.identification = identification
        self.reservedFlag = reservedFlag
        self.dontFragment = dontFragment
        self.moreFragments = moreFragments
        self.fragmentOffset = fragmentOffset
        self.ttl = ttl
        self.protocolNumber = protocolNumber
        self.headerChecksum = headerChecksum
        self.source = source
        self.destination = destination
    }

    /// Writes the `ihl` header bytes at `offset` with every field as it is, including `headerChecksum`.
    ///
    /// Options, if `ihl` > 20, are written as zeros. The bytes must already exist in the array.
    @inlinable
    public func encode(into bytes: inout [UInt8], at offset: Int) {
        precondition(
            ihl >= Self.minimumSize && ihl <= Self.maximumSize && ihl % 4 == 0, "IPv4Header.ihl must be 20...60 bytes")
        precondition(offset >= 0 && offset <= bytes.count - ihl, "IPv4Header.encode out of range")
        bytes[offset] = version << 4 | UInt8(ihl / 4)
        bytes[offset + 1] = tos
        NetworkBytes.setUInt16(&bytes, offset + 2, totalLength)
        NetworkBytes.setUInt16(&bytes, offset + 4, identification)
        var flags = fragmentOffset & 0x1FFF
        if reservedFlag { flags |= 0x8000 }
        if dontFragment { flags |= 0x4000 }
        if moreFragments { flags |= 0x2000 }
        NetworkBytes.setUInt16(&bytes, offset + 6, flags)
        bytes[offset + 8] = ttl
        bytes[offset + 9] = protocolNumber
        NetworkBytes.setUInt16(&bytes, offset + 10, headerChecksum)
        NetworkBytes.setUInt32(&bytes, offset + 12, source.rawValue)
        NetworkBytes.setUInt32(&bytes, offset + 16, destination.rawValue)
        for i in Self.minimumSize..<ihl {
            bytes[offset + i] = 0
        }
    }

    /// Reads a header at `offset`; nil when the version is not 4, IHL is below 5, the header runs past `end`, or
    /// the total length is smaller than the header.
    ///
    /// The total length is not checked against `end`: callers decide how to treat a truncated payload.
    @inlinable
    public init?(decoding bytes: borrowing [UInt8], at offset: Int, end: Int) {
        guard NetworkBytes.hasRoom(bytes, offset, end, Self.minimumSize) else { return nil }
        let first = bytes[offset]
        let version = first >> 4
        let ihl = Int(first & 0x0F) * 4
        guard version == 4, ihl >= Self.minimumSize, end - offset >= ihl,
            let totalLength = NetworkBytes.getUInt16(bytes, offset + 2), Int(totalLength) >= ihl,
            let identification = NetworkBytes.getUInt16(bytes, offset + 4),
            let flags = NetworkBytes.getUInt16(bytes, offset + 6),
            let checksum = NetworkBytes.getUInt16(bytes, offset + 10),
            let source = NetworkBytes.getUInt32(bytes, offset + 12),
            let destination = NetworkBytes.getUInt32(bytes, offset + 16)
        else { return nil }
        self.init(
            tos: bytes[offset + 1], totalLength: totalLength, identification: identification,
            dontFragment: flags & 0x4000 != 0, moreFragments: flags & 0x2000 != 0, fragmentOffset: flags & 0x1FFF,
            ttl: bytes[offset + 8], protocolNumber: bytes[offset + 9], headerChecksum: checksum,
            source: IPv4Address(rawValue: source), destination: IPv4Address(rawValue: destination), ihl: ihl,
            reservedFlag: flags & 0x8000 != 0, version: version)
    }

    /// Computes the header checksum over `length` header bytes at `offset`, treating the checksum field
    /// (bytes 10–11) as zero whatever it holds; the range must lie inside the array.
    @inlinable
    public static func computeChecksum(_ bytes: [UInt8], at offset: Int, length: Int) -> UInt16 {
        precondition(length >= minimumSize, "IPv4 header length below 20 bytes")
        precondition(offset >= 0 && offset <= bytes.count - length, "IPv4Header.computeChecksum out of range")
        var sum = InternetChecksum()
        sum.add(bytes, from: offset, count: checksumOffset)
        sum.add(bytes, from: offset + checksumOffset + 2, count: length - checksumOffset - 2)
        return sum.checksum
    }

    /// True when the header at `offset` (its length taken from its IHL field) sums to 0xFFFF including the
    /// checksum field; false when the header is malformed or does not fit in the array.
    @inlinable
    public static func verifyChecksum(_ bytes: [UInt8], at offset: Int) -> Bool {
        guard let first = NetworkBytes.getUInt8(bytes, offset) else { return false }
        let length = Int(first & 0x0F) * 4
        guard length >= minimumSize, offset <= bytes.count - length else { return false }
        var sum = InternetChecksum()
        sum.add(bytes, from: offset, count: length)
        return sum.partialSum == 0xFFFF
    }
}
