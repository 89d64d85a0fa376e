/// The 14-byte Ethernet II header: destination MAC, source MAC and EtherType (no 802.1Q tag, no FCS).
public struct EthernetHeader: Hashable, Sendable {
    /// Destination MAC address (bytes 0–5).
    public var destination: MACAddress
    /// Source MAC address (bytes 6–11).
    public var source: MACAddress
    /// Type of the payload (bytes 12–13).
    public var etherType: EtherType

    /// Header length in bytes.
    public static let size = 14

    /// Creates a header from its three fields.
    @inlinable
    public init(destination: MACAddress, source: MACAddress, etherType: EtherType) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
    }

    /// Writes the 14 header bytes at `offset`; the bytes must already exist in the array.
    @inlinable
    public func encode(into bytes: inout [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset <= bytes.count - Self.size, "EthernetHeader.encode out of range")
        NetworkBytes.setMAC(&bytes, offset, destination)
        NetworkBytes.setMAC(&bytes, offset + 6, source)
        NetworkBytes.setUInt16(&bytes, offset + 12, etherType.rawValue)
    }

    /// Reads a header at `offset`; nil when fewer than 14 bytes lie between `offset` and `end`.
    ///
    /// `end` is the index one past the last valid byte of the frame, which may sit inside a larger buffer.
    @inlinable
    public init?(decoding bytes: borrowing [UInt8], at offset: Int, end: Int) {
        guard NetworkBytes.hasRoom(bytes, offset, end, Self.size),
            let destination = NetworkBytes.getMAC(bytes, offset),
            let source = NetworkBytes.getMAC(bytes, offset + 6),
            let type = NetworkBytes.getUInt16(bytes, offset + 12)
        else { return nil }
        self.init(destination: destination, source: source, etherType: EtherType(rawValue: type))
    }
}
