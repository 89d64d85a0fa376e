/// An ARP packet for Ethernet hardware and IPv4 protocol addresses (RFC 826), 28 bytes after the Ethernet header.
///
/// Decoding accepts only hardware type 1 (Ethernet), protocol type 0x0800, and address lengths 6 and 4; encoding
/// writes those constants.
public struct ARPPacket: Hashable, Sendable {
    /// The ARP opcode field (`ar_op`); a raw-value struct so that unknown opcodes survive decoding.
    public struct Operation: RawRepresentable, Hashable, Sendable {
        /// The opcode as sent on the wire.
        public var rawValue: UInt16

        /// Wraps an opcode.
        @inlinable
        public init(rawValue: UInt16) {
            self.rawValue = rawValue
        }

        /// "Who has targetIP?" (opcode 1).
        public static let request = Operation(rawValue: 1)
        /// "senderIP is at senderMAC" (opcode 2).
        public static let reply = Operation(rawValue: 2)
    }

    /// The opcode (`ar_op`, bytes 6–7).
    public var operation: Operation
    /// Sender hardware address (`ar_sha`, bytes 8–13).
    public var senderMAC: MACAddress
    /// Sender protocol address (`ar_spa`, bytes 14–17).
    public var senderIP: IPv4Address
    /// Target hardware address (`ar_tha`, bytes 18–23); zero in a request.
    public var targetMAC: MACAddress
    /// Target protocol address (`ar_tpa`, bytes 24–27).
    public var targetIP: IPv4Address

    /// Packet length in bytes for Ethernet/IPv4 ARP.
    public static let size = 28

    /// Creates a packet from its variable fields.
    @inlinable
    public init(
        operation: Operation, senderMAC: MACAddress, senderIP: IPv4Address, targetMAC: MACAddress,
        targetIP: IPv4Address
    ) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// Writes the 28 packet bytes at `offset`; the bytes must already exist in the array.
    @inlinable
    public func encode(into bytes: inout [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset <= bytes.count - Self.size, "ARPPacket.encode out of range")
        NetworkBytes.setUInt16(&bytes, offset, 1)
        NetworkBytes.setUInt16(&bytes, offset + 2, EtherType.ipv4.rawValue)
        bytes[offset + 4] = 6
        bytes[offset + 5] = 4
        NetworkBytes.setUInt16(&bytes, offset + 6, operation.rawValue)
        NetworkBytes.setMAC(&bytes, offset + 8, senderMAC)
        NetworkBytes.setUInt32(&bytes, offset + 14, senderIP.rawValue)
        NetworkBytes.setMAC(&bytes, offset + 18, targetMAC)
        NetworkBytes.setUInt32(&bytes, offset + 24, targetIP.rawValue)
    }

    /// Reads a packet at `offset`; nil when truncated before `end` or not Ethernet/IPv4 ARP.
    @inlinable
    public init?(decoding bytes: borrowing [UInt8], at offset: Int, end: Int) {
        guard NetworkBytes.hasRoom(bytes, offset, end, Self.size),
            NetworkBytes.getUInt16(bytes, offset) == 1,
            NetworkBytes.getUInt16(bytes, offset + 2) == EtherType.ipv4.rawValue,
            bytes[offset + 4] == 6, bytes[offset + 5] == 4,
            let operation = NetworkBytes.getUInt16(bytes, offset + 6),
            let senderMAC = NetworkBytes.getMAC(bytes, offset + 8),
            let senderIP = NetworkBytes.getUInt32(bytes, offset + 14),
            let targetMAC = NetworkBytes.getMAC(bytes, offset + 18),
            let targetIP = NetworkBytes.getUInt32(bytes, offset + 24)
        else { return nil }
        self.init(
            operation: Operation(rawValue: operation), senderMAC: senderMAC,
            senderIP: IPv4Address(rawValue: senderIP), targetMAC: targetMAC, targetIP: IPv4Address(rawValue: targetIP))
    }
}
