import SimCore

/// What a ``SetTopBox`` has measured. Times are virtual; "media packets" are 188-byte TS packets for a transport
/// stream and datagrams for opaque payload.
///
/// Every frame handed to the box is counted in exactly one of ``datagrams``, ``framesForOtherHosts``,
/// ``datagramsForOtherPorts``, ``nonUDPFrames``, ``malformedFrames``, ``badChecksums`` or ``malformedRTP``.
public struct SetTopBoxCounters: Hashable, Sendable {
    // MARK: Frames

    /// Datagrams of the stream accepted (addressed to the box, right port, well formed).
    public var datagrams = 0
    /// Media payload bytes of the accepted datagrams (after any RTP header).
    public var payloadBytes = 0
    /// Frames for another MAC address (or multicast, when the box does not accept it).
    public var framesForOtherHosts = 0
    /// UDP datagrams for the box on another port than the stream's.
    public var datagramsForOtherPorts = 0
    /// Frames for the box that are not IPv4/UDP.
    public var nonUDPFrames = 0
    /// IPv4/UDP frames that do not parse (truncated, fragments, inconsistent lengths).
    public var malformedFrames = 0
    /// Datagrams with a bad IPv4 or UDP checksum, dropped.
    public var badChecksums = 0
    /// Datagrams too short for an RTP header or not RTP version 2, when RTP is expected; dropped.
    public var malformedRTP = 0
    /// Virtual time of the first accepted datagram.
    public var firstArrival: SimTime?
    /// Virtual time of the last accepted datagram.
    public var lastArrival: SimTime?

    // MARK: Arrival gaps

    /// Gaps measured between consecutive accepted datagrams (one less than ``datagrams``).
    public var gapCount = 0
    /// Median gap in nanoseconds (HdrHistogram, 3 significant digits).
    public var gapP50Nanoseconds: UInt64 = 0
    /// 99th percentile gap in nanoseconds (HdrHistogram, 3 significant digits).
    public var gapP99Nanoseconds: UInt64 = 0
    /// Longest gap in nanoseconds (exact).
    public var gapMaxNanoseconds: UInt64 = 0

    // MARK: RTP

    /// Packets expected from the sequence numbers: highest extended sequence − first + 1 (RFC 3550 A.3).
    public var rtpPacketsExpected = 0
    /// Expected minus received (duplicates not counted as received), never below 0 (RFC 3550 A.3).
    public var rtpPacketsLost = 0
    /// Packets that arrived with a sequence number below the highest seen (late, out of order).
    public var rtpReordered = 0
    /// Packets that repeated the highest sequence number seen.
    public var rtpDuplicates = 0
    /// RFC 3550 §6.4.1 interarrival jitter J, in virtual time.
    public var interarrivalJitter: SimDuration = .zero
    /// The same jitter in RTP timestamp units (90 kHz), as an RTCP receiver report carries it.
    public var interarrivalJitterTimestampUnits: UInt32 = 0

    // MARK: Playout buffer

    /// When playout (draining) began: the first arrival plus the start-up delay, once reached.
    public var playoutStart: SimTime?
    /// Times the buffer ran dry between two arrivals after playout began.
    public var underflows = 0
    /// Total time the buffer stood empty while the player wanted data.
    public var starvedTime: SimDuration = .zero
    /// Datagrams dropped because they did not fit in the buffer.
    public var overflows = 0
    /// Payload bytes of the dropped datagrams.
    public var overflowBytes = 0
    /// The most bytes the buffer held (just after an arrival).
    public var peakBufferBytes = 0

    // MARK: Transport stream

    /// TS packets received.
    public var tsPackets = 0
    /// Continuity counter errors (same rule as ``TSAnalyzer``).
    public var continuityErrors = 0
    /// TS packets without the sync byte, damaged adaptation fields, or datagram tails shorter than a packet.
    public var tsDamagedPackets = 0
    /// TS packets with transport_error_indicator set.
    public var transportErrors = 0
    /// PCRs seen on the PCR PID (the first PID seen carrying a PCR).
    public var pcrCount = 0
    /// Longest interval between consecutive continuous PCRs (by PCR value), in virtual time.
    public var maxPCRInterval: SimDuration = .zero
    /// PCR steps that were not continuous (discontinuity_indicator, backwards, or over 1 s).
    public var pcrDiscontinuities = 0

    // MARK: Media Delivery Index (RFC 4445)

    /// The MDI measurement interval.
    public var mdiInterval: SimDuration = .zero
    /// Intervals with at least one arrival, including the one in progress.
    public var mdiIntervals = 0
    /// The largest delay factor of any interval (including the one in progress), in virtual time.
    public var maxDelayFactor: SimDuration = .zero
    /// The delay factor of the most recent interval (the one in progress, if any).
    public var lastDelayFactor: SimDuration = .zero
    /// Media packets lost or out of order, over the whole run.
    public var mediaPacketsLost = 0
    /// The most media packets lost or out of order in one interval.
    public var maxMediaPacketsLostPerInterval = 0

    /// The largest media loss rate of any interval in media packets per second.
    public var maxMediaLossRate: Double {
        mdiInterval > .zero ? Double(maxMediaPacketsLostPerInterval) / mdiInterval.seconds : 0
    }

    /// The worst MDI in RFC 4445's "DF:MLR" form: delay factor in milliseconds with three decimals, media loss
    /// rate in packets per second, e.g. `99.910:0`.
    public var mediaDeliveryIndex: String {
        let micros = maxDelayFactor.rawValue / 1_000_000
        let fraction = String(micros % 1000)
        let rate = maxMediaLossRate
        let rateText = rate == rate.rounded() ? String(Int(rate)) : String(rate)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction + ":" + rateText
    }

    /// Creates zeroed counters.
    public init() {}
}
