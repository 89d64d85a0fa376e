import SimCore
import WireFormats

/// Numbers the RTP packets of one stream: MPEG-TS over RTP per RFC 3550 and RFC 2250.
///
/// - Payload type 33 (MP2T) by default, 90 kHz clock.
/// - Sequence numbers start at a random value and increase by one per packet, wrapping at 2¹⁶.
/// - Timestamps start at a random value and advance with the payload's due time in 90 kHz ticks:
///   initial + ⌊due × 90,000⌋ mod 2³² (RFC 2250: the target transmission time of the first byte of the
///   payload). ``timestamp(forPCR:)`` gives the same from a PCR (PCR / 300 is the 90 kHz base).
/// - SSRC is fixed for the stream, drawn from a seeded `RandomStream` so that a run is reproducible.
/// - Marker bit rule (RFC 2250 §2.1, MP2T): M is 1 on the first packet after a timestamp discontinuity — a
///   switch of source or a clock jump, which the caller signals with `discontinuity` — and 0 on every other
///   packet, including the very first.
public struct RTPPacketizer: Hashable, Sendable {
    /// The RTP clock rate for MPEG-TS, ticks per second (RFC 2250).
    public static let clockRate: Int64 = 90_000

    /// The payload type PT (7 bits).
    public let payloadType: UInt8
    /// The synchronization source identifier.
    public let ssrc: UInt32
    /// Sequence number of the first packet.
    public let initialSequenceNumber: UInt16
    /// Timestamp of a payload due at time zero.
    public let initialTimestamp: UInt32
    /// Sequence number the next packet gets.
    public private(set) var nextSequenceNumber: UInt16
    /// Packets numbered so far.
    public private(set) var packetCount = 0

    /// A packetizer with SSRC, initial sequence number and initial timestamp drawn from `random` (in that order).
    public init(random: inout RandomStream, payloadType: UInt8 = RTPHeader.payloadTypeMP2T) {
        let ssrc = UInt32(truncatingIfNeeded: random.next())
        let sequence = UInt16(truncatingIfNeeded: random.next())
        let timestamp = UInt32(truncatingIfNeeded: random.next())
        self.init(ssrc: ssrc, initialSequenceNumber: sequence, initialTimestamp: timestamp, payloadType: payloadType)
    }

    /// A packetizer with given starting values; `payloadType` keeps its low 7 bits.
    public init(
        ssrc: UInt32, initialSequenceNumber: UInt16 = 0, initialTimestamp: UInt32 = 0,
        payloadType: UInt8 = RTPHeader.payloadTypeMP2T
    ) {
        self.payloadType = payloadType & 0x7F
        self.ssrc = ssrc
        self.initialSequenceNumber = initialSequenceNumber
        self.initialTimestamp = initialTimestamp
        self.nextSequenceNumber = initialSequenceNumber
    }

    /// The constant fields for a `HeaderTemplate` that renders this stream's headers.
    public var templateFields: HeaderTemplate.RTPFields {
        HeaderTemplate.RTPFields(payloadType: payloadType, ssrc: ssrc)
    }

    /// The timestamp of a payload due at `due` (virtual time since the stream's start; negative counts as 0).
    public func timestamp(forDueTime due: SimDuration) -> UInt32 {
        let ticks = mulDiv(due.rawValue, Self.clockRate, picosecondsPerSecond)
        return initialTimestamp &+ UInt32(truncatingIfNeeded: ticks)
    }

    /// The timestamp for a payload whose first byte is stamped `pcr`: initial + PCR / 300, mod 2³².
    public func timestamp(forPCR pcr: ProgramClockReference) -> UInt32 {
        initialTimestamp &+ UInt32(truncatingIfNeeded: pcr.base)
    }

    /// The header of the next packet, for a payload due at `due`; advances the sequence number.
    public mutating func nextHeader(dueTime due: SimDuration, discontinuity: Bool = false) -> RTPHeader {
        nextHeader(timestamp: timestamp(forDueTime: due), discontinuity: discontinuity)
    }

    /// The header of the next packet with a given timestamp; advances the sequence number.
    public mutating func nextHeader(timestamp: UInt32, discontinuity: Bool = false) -> RTPHeader {
        let header = RTPHeader(
            payloadType: payloadType, sequenceNumber: nextSequenceNumber, timestamp: timestamp, ssrc: ssrc,
            marker: discontinuity)
        nextSequenceNumber &+= 1
        packetCount += 1
        return header
    }

    /// Writes the next RTP packet for datagram `index` of `source` (12-byte header, then the payload) at
    /// `offset` and returns its length; nil (nothing written, nothing advanced) when the datagram does not exist
    /// or the packet does not fit in `buffer`.
    public mutating func write(
        datagram index: Int, of source: StreamSource, into buffer: inout [UInt8], at offset: Int,
        discontinuity: Bool = false
    ) -> Int? {
        guard let range = source.byteRange(ofDatagram: index), let due = source.dueTime(ofDatagram: index),
            offset >= 0, buffer.count - offset >= RTPHeader.size + range.count
        else { return nil }
        nextHeader(dueTime: due, discontinuity: discontinuity).encode(into: &buffer, at: offset)
        let payload = offset + RTPHeader.size
        for (position, byte) in zip(payload..., source.bytes[range]) { buffer[position] = byte }
        return RTPHeader.size + range.count
    }
}
