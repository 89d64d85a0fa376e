import SimCore
import WireFormats

/// How long an Ethernet frame occupies a wire, after IEEE 802.3.
///
/// IEEE 802.3 (clause 3, MAC frame format; clause 4, inter-packet gap) puts around every frame an 8-byte
/// preamble + start-of-frame delimiter in front, a 4-byte frame check sequence behind, and pads the frame to a
/// minimum of 64 bytes including the FCS (60 without). Back-to-back frames are separated by an inter-frame gap of
/// 96 bit times (12 byte times). A frame of `L` bytes as held in a `FrameStore` (destination MAC up to
/// the end of the payload, no FCS) therefore takes `(max(L, 60) + 4 + 8) × 8` bit times from its first preamble
/// bit to its last FCS bit, and the next frame may start 96 bit times after that.
public enum EthernetWireTiming {
    /// Smallest frame on the wire, without the FCS, in bytes (`EthernetFraming`).
    public static let minimumFrameBytes = EthernetFraming.minimumFrameBytes
    /// Frame check sequence, in bytes.
    public static let fcsBytes = EthernetFraming.fcsBytes
    /// Preamble and start-of-frame delimiter, in bytes.
    public static let preambleBytes = EthernetFraming.preambleBytes
    /// Inter-frame gap, in byte times (96 bit times).
    public static let interFrameGapBytes = EthernetFraming.interPacketGapBytes

    /// Bit times from the first preamble bit to the last FCS bit of a frame of `frameLength` bytes (without FCS).
    @inlinable public static func bitsToLastBit(frameLength: Int) -> Int64 {
        Int64(EthernetFraming.bytesOnWire(frameLength: frameLength)) * 8
    }

    /// Virtual time from the first preamble bit to the last FCS bit at `bitsPerSecond`, rounded up to a picosecond.
    @inlinable public static func timeToLastBit(frameLength: Int, bitsPerSecond: Int64) -> SimDuration {
        .serialization(bits: bitsToLastBit(frameLength: frameLength), bitsPerSecond: bitsPerSecond)
    }

    /// The inter-frame gap at `bitsPerSecond` (96 bit times), rounded up to a picosecond.
    @inlinable public static func interFrameGap(bitsPerSecond: Int64) -> SimDuration {
        .serialization(bits: Int64(interFrameGapBytes) * 8, bitsPerSecond: bitsPerSecond)
    }

    /// The spacing of back-to-back frames of `frameLength` bytes at `bitsPerSecond`: time to the last bit plus the
    /// inter-frame gap, in picoseconds of virtual time.
    @inlinable public static func wireTime(frameLength: Int, bitsPerSecond: Int64) -> SimDuration {
        timeToLastBit(frameLength: frameLength, bitsPerSecond: bitsPerSecond)
            + interFrameGap(bitsPerSecond: bitsPerSecond)
    }
}
