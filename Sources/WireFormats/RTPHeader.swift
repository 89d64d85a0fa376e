/// The RTP fixed header (RFC 3550 §5.1): 12 bytes, followed on the wire by `csrcCount` CSRC identifiers and,
/// when `extension` is set, a header extension.
public struct RTPHeader: Hashable, Sendable {
    /// Version field V (top 2 bits of byte 0); always 2 for a decoded header.
    public var version: UInt8
    /// Padding flag P (bit 5 of byte 0): the payload ends with padding bytes.
    public var padding: Bool
    /// Extension flag X (bit 4 of byte 0): a header extension follows the CSRC list.
    public var `extension`: Bool
    /// CSRC count CC (low 4 bits of byte 0): number of 32-bit contributing-source identifiers after the header.
    public var csrcCount: UInt8
    /// Marker bit M (top bit of byte 1), meaning defined by the profile.
    public var marker: Bool
    /// Payload type PT (low 7 bits of byte 1); 33 is MPEG-2 transport stream (RFC 3551, RFC 2250).
    public var payloadType: UInt8
    /// Sequence number (bytes 2–3), +1 per packet, wrapping.
    public var sequenceNumber: UInt16
    /// Media timestamp (bytes 4–7) in clock ticks of the payload type (90 kHz for MPEG-TS).
    public var timestamp: UInt32
    /// Synchronization source identifier SSRC (bytes 8–11).
    public var ssrc: UInt32
    /// Length in bytes of the header extension (4-byte extension header plus data) when decoded; 0 otherwise.
    public var extensionLength: Int

    /// Fixed header length in bytes (no CSRCs, no extension).
    public static let size = 12
    /// The static payload type of MPEG-2 transport stream over RTP (RFC 3551, RFC 2250).
    public static let payloadTypeMP2T: UInt8 = 33

    /// Creates a header; `payloadType` keeps only its low 7 bits, `csrcCount` its low 4 bits.
    @inlinable
    public init(
        payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32, marker: Bool = false,
        padding: Bool = false, extension: Bool = false, csrcCount: UInt8 = 0, version: UInt8 = 2,
        extensionLength: Int = 0
    ) {
        self.version = version
        self.padding = padding
        self.extension = `extension`
        self.csrcCount = csrcCount & 0x0F
        self.marker = marker
        self.payloadType = payloadType & 0x7F
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.extensionLength = extensionLength
    }

    /// Bytes from the start of the RTP header to the payload: 12 + 4 × CSRC count + extension length.
    @inlinable
    public var headerLength: Int {
        Self.size + 4 * Int(csrcCount) + extensionLength
    }

    /// Writes the 12 fixed header bytes at `offset`; CSRCs and extension, if any, are the caller's to write.
    @inlinable
    public func encode(into bytes: inout [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset <= bytes.count - Self.size, "RTPHeader.encode out of range")
        var first = (version & 0x03) << 6 | (csrcCount & 0x0F)
        if padding { first |= 0x20 }
        if `extension` { first |= 0x10 }
        bytes[offset] = first
        bytes[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7F)
        NetworkBytes.setUInt16(&bytes, offset + 2, sequenceNumber)
        NetworkBytes.setUInt32(&bytes, offset + 4, timestamp)
        NetworkBytes.setUInt32(&bytes, offset + 8, ssrc)
    }

    /// Reads a header at `offset`; nil when the version is not 2 or the header, its CSRC list or its extension
    /// runs past `end`. `headerLength` then gives the payload's start.
    @inlinable
    public init?(decoding bytes: borrowing [UInt8], at offset: Int, end: Int) {
        guard NetworkBytes.hasRoom(bytes, offset, end, Self.size) else { return nil }
        let first = bytes[offset]
        let second = bytes[offset + 1]
        let csrcCount = first & 0x0F
        let hasExtension = first & 0x10 != 0
        let fixedAndCSRCs = Self.size + 4 * Int(csrcCount)
        var extensionLength = 0
        guard first >> 6 == 2, end - offset >= fixedAndCSRCs,
            let sequenceNumber = NetworkBytes.getUInt16(bytes, offset + 2),
            let timestamp = NetworkBytes.getUInt32(bytes, offset + 4),
            let ssrc = NetworkBytes.getUInt32(bytes, offset + 8)
        else { return nil }
        if hasExtension {
            guard end - offset >= fixedAndCSRCs + 4,
                let words = NetworkBytes.getUInt16(bytes, offset + fixedAndCSRCs + 2)
            else { return nil }
            extensionLength = 4 + 4 * Int(words)
            guard end - offset >= fixedAndCSRCs + extensionLength else { return nil }
        }
        self.init(
            payloadType: second & 0x7F, sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: ssrc,
            marker: second & 0x80 != 0, padding: first & 0x20 != 0, extension: hasExtension, csrcCount: csrcCount,
            version: 2, extensionLength: extensionLength)
    }
}
