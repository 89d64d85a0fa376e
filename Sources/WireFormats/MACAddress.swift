/// A 48-bit IEEE 802 MAC address, as carried in the Ethernet destination and source fields.
///
/// The first byte on the wire is the most significant byte of `rawValue`, so addresses order and print the way
/// they are written ("02:00:00:00:00:01").
public struct MACAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address in the low 48 bits; the high 16 bits are always zero.
    public let rawValue: UInt64

    /// Wraps an address, keeping only the low 48 bits of `rawValue`.
    @inlinable
    public init(rawValue: UInt64) {
        self.rawValue = rawValue & 0xFFFF_FFFF_FFFF
    }

    /// Builds an address from its six bytes in transmission order.
    @inlinable
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8) {
        let high = UInt64(a) << 40 | UInt64(b) << 32 | UInt64(c) << 24
        self.init(rawValue: high | UInt64(d) << 16 | UInt64(e) << 8 | UInt64(f))
    }

    /// Parses six colon-separated pairs of hex digits ("02:00:00:00:00:01", either case); nil for anything else.
    public init?(_ text: String) {
        var value: UInt64 = 0
        var groups = 0
        var digitsInGroup = 0
        for unit in text.utf8 {
            if unit == UInt8(ascii: ":") {
                guard digitsInGroup == 2, groups < 5 else { return nil }
                groups += 1
                digitsInGroup = 0
                continue
            }
            guard let digit = MACAddress.hexValue(unit), digitsInGroup < 2 else { return nil }
            value = value << 4 | UInt64(digit)
            digitsInGroup += 1
        }
        guard groups == 5, digitsInGroup == 2 else { return nil }
        self.init(rawValue: value)
    }

    /// The all-ones broadcast address ff:ff:ff:ff:ff:ff.
    public static let broadcast = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)

    /// True when the individual/group bit (least significant bit of the first byte) is set; includes broadcast.
    @inlinable
    public var isMulticast: Bool {
        (rawValue >> 40) & 1 == 1
    }

    /// The address in lowercase colon-separated form, e.g. "02:00:00:00:00:01".
    public var description: String {
        var text = ""
        text.reserveCapacity(17)
        let digits = Array("0123456789abcdef".utf8)
        for i in 0..<6 {
            if i > 0 { text.append(":") }
            let byte = Int((rawValue >> UInt64(40 - 8 * i)) & 0xFF)
            text.append(Character(Unicode.Scalar(digits[byte >> 4])))
            text.append(Character(Unicode.Scalar(digits[byte & 0xF])))
        }
        return text
    }

    /// Orders addresses by their numeric value, which is also their textual order.
    @inlinable
    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    private static func hexValue(_ unit: UInt8) -> UInt8? {
        switch unit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return unit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return unit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return unit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
