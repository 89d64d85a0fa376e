/// Writes a pcap capture file into memory: nanosecond timestamps (magic 0xa1b23c4d), little-endian,
/// LINKTYPE_ETHERNET (1).
///
/// Frames longer than the snap length are cut to it; the record keeps the original length.
public struct PcapWriter: Sendable {
    /// The file so far: the 24-byte global header followed by one record per appended frame.
    public private(set) var bytes: [UInt8]
    /// Number of records appended.
    public private(set) var recordCount: Int
    /// Largest number of frame bytes stored per record (global header field `snaplen`).
    public let snapLength: UInt32

    /// Magic number of a nanosecond-resolution pcap file, as written (little-endian) in the global header.
    public static let nanosecondMagic: UInt32 = 0xA1B2_3C4D
    /// Magic number of a microsecond-resolution pcap file.
    public static let microsecondMagic: UInt32 = 0xA1B2_C3D4
    /// Link-layer header type of Ethernet frames (LINKTYPE_ETHERNET).
    public static let linkTypeEthernet: UInt32 = 1
    /// Length of the global file header in bytes.
    public static let globalHeaderSize = 24
    /// Length of each record header in bytes.
    public static let recordHeaderSize = 16

    /// Starts a file holding only the global header.
    ///
    /// - Parameter snapLength: the largest number of bytes kept per frame.
    public init(snapLength: UInt32 = 262_144) {
        self.snapLength = snapLength
        recordCount = 0
        bytes = []
        bytes.reserveCapacity(Self.globalHeaderSize)
        appendLittleEndian(Self.nanosecondMagic)
        appendLittleEndian(UInt16(2))  // version_major
        appendLittleEndian(UInt16(4))  // version_minor
        appendLittleEndian(UInt32(0))  // thiszone
        appendLittleEndian(UInt32(0))  // sigfigs
        appendLittleEndian(snapLength)
        appendLittleEndian(Self.linkTypeEthernet)
    }

    /// Appends one record holding `count` bytes of `source` from index `start`, captured at
    /// `timestampNanoseconds` (non-negative, seconds fitting in 32 bits).
    public mutating func append(_ source: [UInt8], from start: Int, count: Int, timestampNanoseconds: Int64) {
        precondition(start >= 0 && count >= 0 && count <= source.count - start, "PcapWriter.append out of range")
        precondition(count <= Int(UInt32.max), "PcapWriter.append frame too long")
        precondition(
            timestampNanoseconds >= 0 && timestampNanoseconds / 1_000_000_000 <= Int64(UInt32.max),
            "PcapWriter timestamp out of range")
        let included = min(count, Int(snapLength))
        appendLittleEndian(UInt32(truncatingIfNeeded: timestampNanoseconds / 1_000_000_000))
        appendLittleEndian(UInt32(truncatingIfNeeded: timestampNanoseconds % 1_000_000_000))
        appendLittleEndian(UInt32(truncatingIfNeeded: included))
        appendLittleEndian(UInt32(truncatingIfNeeded: count))
        bytes.append(contentsOf: source[start..<(start + included)])
        recordCount += 1
    }

    /// Appends one record holding the whole of `frame`, captured at `timestampNanoseconds`.
    /// Removes and returns the bytes made so far (the file header the first time), so that a long capture can be
    /// streamed to a file piece by piece; the pieces concatenated are the whole file.
    public mutating func takeBytes() -> [UInt8] {
        let taken = bytes
        bytes.removeAll(keepingCapacity: true)
        return taken
    }

    public mutating func append(_ frame: [UInt8], timestampNanoseconds: Int64) {
        append(frame, from: 0, count: frame.count, timestampNanoseconds: timestampNanoseconds)
    }

    /// Empties ``bytes``, keeping its storage, for a caller that has stored them elsewhere (a file it streams the
    /// capture to): records appended later continue the same file, so writing out ``bytes`` before each call
    /// reproduces the whole file.
    public mutating func discardBytes() {
        bytes.removeAll(keepingCapacity: true)
    }

    private mutating func appendLittleEndian(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    private mutating func appendLittleEndian(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }
}
