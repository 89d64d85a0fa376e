/// A 32-bit IPv4 address, as carried in the IPv4 source and destination fields and the ARP protocol addresses.
///
/// The first byte on the wire is the most significant byte of `rawValue`.
public struct IPv4Address: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address as a host-order integer (10.0.0.1 is 0x0A00_0001).
    public let rawValue: UInt32

    /// Wraps an address given as a host-order integer.
    @inlinable
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Builds an address from its four bytes in transmission order, e.g. `IPv4Address(10, 0, 0, 1)`.
    @inlinable
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses a strict dotted quad such as "10.0.0.1"; nil for anything else.
    ///
    /// Exactly four decimal parts of 1–3 ASCII digits, each at most 255, with no leading zeros (which
    /// `inet_aton` would read as octal), signs, spaces or other characters.
    public init?(_ text: String) {
        var value: UInt32 = 0
        var parts = 0
        var part: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for unit in text.utf8 {
            if unit == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
                leadingZero = false
                continue
            }
            guard unit >= UInt8(ascii: "0"), unit <= UInt8(ascii: "9"), digits < 3, !leadingZero else { return nil }
            if digits == 0, unit == UInt8(ascii: "0") { leadingZero = true }
            part = part * 10 + UInt32(unit - UInt8(ascii: "0"))
            guard part <= 255 else { return nil }
            digits += 1
        }
        guard parts == 3, digits > 0 else { return nil }
        self.rawValue = value << 8 | part
    }

    /// True for class D multicast addresses (224.0.0.0/4).
    @inlinable
    public var isMulticast: Bool {
        rawValue >> 28 == 0xE
    }

    /// The address in dotted-quad form, e.g. "10.0.0.1".
    public var description: String {
        "\(rawValue >> 24).\((rawValue >> 16) & 0xFF).\((rawValue >> 8) & 0xFF).\(rawValue & 0xFF)"
    }

    /// Orders addresses by their numeric value.
    @inlinable
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
