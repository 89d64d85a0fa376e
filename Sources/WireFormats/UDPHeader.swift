/// The 8-byte UDP header (RFC 768).
public struct UDPHeader: Hashable, Sendable {
    /// Source port (bytes 0–1).
    public var sourcePort: UInt16
    /// Destination port (bytes 2–3).
    public var destinationPort: UInt16
    /// Length of header plus payload in bytes (bytes 4–5).
    public var length: UInt16
    /// Checksum over pseudo-header, header and payload (bytes 6–7); 0 means "not computed".
    public var checksum: UInt16

    /// Header length in bytes.
    public static let size = 8

    /// Creates a header from its four fields.
    @inlinable
    public init(sourcePort: UInt16, destinationPort: UInt16, length: UInt16, checksum: UInt16 = 0) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.checksum = checksum
    }

    /// Writes the 8 header bytes at `offset` as they are; the bytes must already exist in the array.
    @inlinable
    public func encode(into bytes: inout [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset <= bytes.count - Self.size, "UDPHeader.encode out of range")
        NetworkBytes.setUInt16(&bytes, offset, sourcePort)
        NetworkBytes.setUInt16(&bytes, offset + 2, destinationPort)
        NetworkBytes.setUInt16(&bytes, offset + 4, length)
        NetworkBytes.setUInt16(&bytes, offset + 6, checksum)
    }

    /// Reads a header at `offset`; nil when fewer than 8 bytes lie before `end`. The length field is not checked.
    @inlinable
    public init?(decoding bytes: borrowing [UInt8], at offset: Int, end: Int) {
        guard NetworkBytes.hasRoom(bytes, offset, end, Self.size),
            let sourcePort = NetworkBytes.getUInt16(bytes, offset),
            let destinationPort = NetworkBytes.getUInt16(bytes, offset + 2),
            let length = NetworkBytes.getUInt16(bytes, offset + 4),
            let checksum = NetworkBytes.getUInt16(bytes, offset + 6)
        else { return nil }
        self.init(sourcePort: sourcePort, destinationPort: destinationPort, length: length, checksum: checksum)
    }
}
