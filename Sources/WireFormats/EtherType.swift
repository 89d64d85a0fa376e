/// The 16-bit type field of an Ethernet II header (IEEE 802.3 Length/Type), naming the payload protocol.
///
/// A raw-value struct rather than an enum, so that unknown types survive decoding unchanged.
public struct EtherType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The type code as sent on the wire (big-endian there), e.g. 0x0800 for IPv4.
    public var rawValue: UInt16

    /// Wraps a type code.
    @inlinable
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Internet Protocol version 4 (0x0800).
    public static let ipv4 = EtherType(rawValue: 0x0800)
    /// Address Resolution Protocol (0x0806).
    public static let arp = EtherType(rawValue: 0x0806)
    /// IEEE 802.1Q VLAN tag (0x8100); the real type follows the 4-byte tag.
    public static let vlan = EtherType(rawValue: 0x8100)

    /// The type code as four lowercase hex digits with a `0x` prefix, e.g. "0x0800".
    public var description: String {
        let hex = String(rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
