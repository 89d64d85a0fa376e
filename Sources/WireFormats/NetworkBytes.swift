/// Random-access readers and writers for big-endian (network byte order) fields in a byte array.
///
/// The `get…` functions take untrusted offsets and return nil when the field does not fit in the array; the
/// `set…` functions are used by encoders of our own headers, so an out-of-range offset is a bug and traps with a
/// precondition failure.
public enum NetworkBytes {
    /// Reads one byte at `offset`, or nil when `offset` is outside `b`.
    @inlinable
    public static func getUInt8(_ b: [UInt8], _ offset: Int) -> UInt8? {
        guard offset >= 0, offset < b.count else { return nil }
        return b[offset]
    }

    /// Reads a big-endian 16-bit field at `offset`, or nil when the two bytes are not all inside `b`.
    @inlinable
    public static func getUInt16(_ b: [UInt8], _ offset: Int) -> UInt16? {
        guard offset >= 0, offset <= b.count - 2 else { return nil }
        return UInt16(b[offset]) << 8 | UInt16(b[offset + 1])
    }

    /// Reads a big-endian 32-bit field at `offset`, or nil when the four bytes are not all inside `b`.
    @inlinable
    public static func getUInt32(_ b: [UInt8], _ offset: Int) -> UInt32? {
        guard offset >= 0, offset <= b.count - 4 else { return nil }
        return UInt32(b[offset]) << 24 | UInt32(b[offset + 1]) << 16 | UInt32(b[offset + 2]) << 8
            | UInt32(b[offset + 3])
    }

    /// Reads a 6-byte MAC address (first byte on the wire is the most significant), or nil when out of range.
    @inlinable
    public static func getMAC(_ b: [UInt8], _ offset: Int) -> MACAddress? {
        guard offset >= 0, offset <= b.count - 6 else { return nil }
        var value: UInt64 = 0
        for i in 0..<6 {
            value = value << 8 | UInt64(b[offset + i])
        }
        return MACAddress(rawValue: value)
    }

    /// Writes one byte at `offset`; the offset must be inside `b`.
    @inlinable
    public static func setUInt8(_ b: inout [UInt8], _ offset: Int, _ v: UInt8) {
        precondition(offset >= 0 && offset < b.count, "NetworkBytes.setUInt8 offset out of range")
        b[offset] = v
    }

    /// Writes `v` as a big-endian 16-bit field at `offset`; both bytes must be inside `b`.
    @inlinable
    public static func setUInt16(_ b: inout [UInt8], _ offset: Int, _ v: UInt16) {
        precondition(offset >= 0 && offset <= b.count - 2, "NetworkBytes.setUInt16 offset out of range")
        b[offset] = UInt8(truncatingIfNeeded: v >> 8)
        b[offset + 1] = UInt8(truncatingIfNeeded: v)
    }

    /// Writes `v` as a big-endian 32-bit field at `offset`; all four bytes must be inside `b`.
    @inlinable
    public static func setUInt32(_ b: inout [UInt8], _ offset: Int, _ v: UInt32) {
        precondition(offset >= 0 && offset <= b.count - 4, "NetworkBytes.setUInt32 offset out of range")
        b[offset] = UInt8(truncatingIfNeeded: v >> 24)
        b[offset + 1] = UInt8(truncatingIfNeeded: v >> 16)
        b[offset + 2] = UInt8(truncatingIfNeeded: v >> 8)
        b[offset + 3] = UInt8(truncatingIfNeeded: v)
    }

    /// Writes a MAC address as 6 bytes in transmission order at `offset`; all six bytes must be inside `b`.
    @inlinable
    public static func setMAC(_ b: inout [UInt8], _ offset: Int, _ mac: MACAddress) {
        precondition(offset >= 0 && offset <= b.count - 6, "NetworkBytes.setMAC offset out of range")
        for i in 0..<6 {
            b[offset + i] = UInt8(truncatingIfNeeded: mac.rawValue >> UInt64(40 - 8 * i))
        }
    }

    /// True when `count` bytes starting at `offset` lie inside `[0, end)` and `end` lies inside `b`.
    ///
    /// Used by every decoder to validate an untrusted (offset, end) pair without overflow.
    @inlinable
    public static func hasRoom(_ b: [UInt8], _ offset: Int, _ end: Int, _ count: Int) -> Bool {
        guard offset >= 0, count >= 0, end <= b.count, offset <= end else { return false }
        return end - offset >= count
    }
}
