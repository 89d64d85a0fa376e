import WireFormats

/// Unchecked big-endian field access on the frame store's bytes, for the switch's and the router's per-frame
/// paths: offsets are theirs, checked against the frame length before use (``NetworkBytes`` checks each access).
enum FrameBytes {
    @inline(__always)
    static func get16(_ b: [UInt8], _ o: Int) -> UInt16 {
        UInt16(b[o]) << 8 | UInt16(b[o + 1])
    }

    @inline(__always)
    static func get32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
    }

    @inline(__always)
    static func set16(_ b: inout [UInt8], _ o: Int, _ v: UInt16) {
        b[o] = UInt8(truncatingIfNeeded: v >> 8)
        b[o + 1] = UInt8(truncatingIfNeeded: v)
    }

    @inline(__always)
    static func set32(_ b: inout [UInt8], _ o: Int, _ v: UInt32) {
        set16(&b, o, UInt16(truncatingIfNeeded: v >> 16))
        set16(&b, o + 2, UInt16(truncatingIfNeeded: v))
    }

    /// The 48-bit address at `o`, first byte on the wire most significant (as `MACAddress.rawValue`).
    @inline(__always)
    static func getMAC(_ b: [UInt8], _ o: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<6 { value = value << 8 | UInt64(b[o + i]) }
        return value
    }

    @inline(__always)
    static func setMAC(_ b: inout [UInt8], _ o: Int, _ mac: MACAddress) {
        for i in 0..<6 { b[o + i] = UInt8(truncatingIfNeeded: mac.rawValue >> UInt64(40 - 8 * i)) }
    }
}
