/// What IEEE 802.3 puts around a frame on the wire; the one definition every layer uses.
///
/// A frame as nicsim holds it runs from the destination MAC address to the end of the payload, without the FCS.
/// On the wire it gets a 7-byte preamble and 1-byte start-of-frame delimiter in front, is padded to 60 bytes, gets
/// a 4-byte FCS behind (IEEE 802.3 clause 3), and the next frame may start 12 byte times later (the 96-bit
/// inter-packet gap, clause 4).
public enum EthernetFraming {
    /// Preamble and start-of-frame delimiter, bytes.
    public static let preambleBytes = 8
    /// Frame check sequence, bytes.
    public static let fcsBytes = 4
    /// Minimum inter-packet gap, byte times.
    public static let interPacketGapBytes = 12
    /// Minimum frame length without the FCS, bytes (minFrameSize 64 − 4); shorter frames are padded.
    public static let minimumFrameBytes = 60

    /// Bytes from the first preamble bit to the last FCS bit of a frame of `length` bytes (without FCS).
    @inlinable public static func bytesOnWire(frameLength length: Int) -> Int {
        preambleBytes + max(length, minimumFrameBytes) + fcsBytes
    }
}
