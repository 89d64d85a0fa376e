import SimCore

/// What a ``TSAnalyzer`` found in a transport stream: structure, timing and every anomaly it counted.
///
/// Counts are of 188-byte packets unless a name says bytes. Offsets are byte offsets from the start of the stream.
public struct TSSummary: Hashable, Sendable {
    /// Bytes consumed.
    public var byteCount = 0
    /// Complete 188-byte packets that started with the sync byte where one was due.
    public var packetCount = 0
    /// Bytes outside any packet: junk before the first sync and bytes skipped while searching for sync again.
    public var skippedBytes = 0
    /// Times the analyzer was in sync and the next packet did not start with 0x47.
    public var syncLosses = 0
    /// Bytes of a final packet cut short by the end of the input (0 when the input ends on a packet boundary).
    public var truncatedTailBytes = 0
    /// Packets with transport_error_indicator set; their other fields are not trusted (no continuity or PCR).
    public var transportErrorPackets = 0
    /// Packets with the reserved adaptation_field_control 00, discarded.
    public var reservedAdaptationFieldControlPackets = 0
    /// Packets whose adaptation field does not fit, discarded.
    public var badAdaptationFieldPackets = 0
    /// Continuity counter errors summed over all PIDs (see ``TSAnalyzer`` for the rule).
    public var continuityErrors = 0
    /// Payload packets that repeated their predecessor's continuity counter once (allowed by MPEG, not errors).
    public var duplicatePackets = 0
    /// Packets with transport_scrambling_control other than 00.
    public var scrambledPackets = 0
    /// PAT sections decoded (every repetition counts).
    public var patSections = 0
    /// PMT sections decoded (every repetition counts).
    public var pmtSections = 0
    /// PAT/PMT sections whose CRC_32 does not verify.
    public var sectionCRCErrors = 0
    /// PAT/PMT sections whose fields contradict each other or the packet.
    public var malformedSections = 0
    /// PAT/PMT sections longer than the packet they start in (not decoded; rare for PAT and PMT).
    public var sectionsSpanningPackets = 0
    /// The programs of the last PAT read, each completed by its last PMT.
    public var programs: [ProgramInfo] = []
    /// Every PID seen, in ascending PID order.
    public var pids: [PIDSummary] = []
    /// The PID whose PCRs give the stream's timing: the first program's PCR_PID when it carries at least two PCRs,
    /// else the PID with the most PCRs (the lowest such PID on a tie); nil when no PID carries two PCRs.
    public var pcrPID: UInt16?
    /// Timing from the PCRs of ``pcrPID``.
    public var pcr: PCRStatistics?
    /// The first anomalies in stream order (at most ``TSAnalyzer/anomalyLimit``), each with its offset.
    public var anomalies: [MediaError] = []
    /// All anomalies counted, including those beyond the kept list.
    public var anomalyCount = 0

    /// Creates an empty summary.
    public init() {}

    /// The stream's bit rate from PCR in bits per second, or nil without timing.
    public var bitsPerSecond: Double? { pcr?.bitsPerSecond }

    /// How long all consumed bytes take at the PCR bit rate (in virtual time), or nil without timing.
    ///
    /// This is the play time of the file as a constant-rate stream; it exceeds the PCR span (first to last PCR)
    /// by the bytes before the first PCR and after the last one.
    public var duration: SimDuration? {
        guard let pcr, pcr.spanBytes > 0, pcr.spanTicks > 0 else { return nil }
        let ticks = mulDiv(Int64(byteCount), pcr.spanTicks, pcr.spanBytes)
        return SimDuration(rawValue: ticksToPicoseconds(ticks))
    }

    /// The information about `pid`, if it was seen.
    public func pid(_ pid: UInt16) -> PIDSummary? { pids.first { $0.pid == pid } }
}

/// One PID of a transport stream: how many packets it had and what went wrong on it.
public struct PIDSummary: Hashable, Sendable {
    /// The packet identifier.
    public var pid: UInt16
    /// Packets with this PID (including damaged ones whose header could be read).
    public var packets: Int
    /// Continuity counter errors on this PID.
    public var continuityErrors: Int
    /// Allowed single repetitions of a payload packet on this PID.
    public var duplicatePackets: Int
    /// Payload packets missing according to the continuity counter jumps (each jump counts (CC − expected) mod 16;
    /// a loss of 16 or more packets in a row is undercounted, as the counter cannot tell).
    public var missingPackets: Int
    /// PCRs carried on this PID.
    public var pcrCount: Int
    /// The stream_type a PMT gives this PID, if any.
    public var streamType: UInt8?

    /// Creates a PID entry.
    public init(
        pid: UInt16, packets: Int, continuityErrors: Int = 0, duplicatePackets: Int = 0, missingPackets: Int = 0,
        pcrCount: Int = 0, streamType: UInt8? = nil
    ) {
        self.pid = pid
        self.packets = packets
        self.continuityErrors = continuityErrors
        self.duplicatePackets = duplicatePackets
        self.missingPackets = missingPackets
        self.pcrCount = pcrCount
        self.streamType = streamType
    }
}

/// One PCR on the continuous timeline of a PID: where its packet starts and its time since the first PCR.
public struct PCRPoint: Hashable, Sendable {
    /// Byte offset of the packet carrying the PCR from the start of the stream.
    public var offset: Int
    /// 27 MHz ticks since the PID's first PCR, unwrapped; across a discontinuity the timeline continues at the
    /// average rate measured so far instead of jumping.
    public var ticks: Int64

    /// Creates a point.
    public init(offset: Int, ticks: Int64) {
        self.offset = offset
        self.ticks = ticks
    }
}

/// Timing of one PID's PCRs: the bit rate they imply and how far apart they are.
///
/// The bit rate is bytes × 8 × 27,000,000 / ΔPCR summed over every pair of consecutive PCRs that is continuous,
/// which for a stream without discontinuities is exactly first-to-last. A pair is not continuous when the second
/// packet has discontinuity_indicator set, or when the PCR went backwards or forward by more than
/// ``TSAnalyzer/maximumPCRStepTicks`` (1 s).
public struct PCRStatistics: Hashable, Sendable {
    /// The PID carrying the PCRs.
    public var pid: UInt16
    /// PCRs on the PID.
    public var count: Int
    /// The first PCR value.
    public var first: ProgramClockReference
    /// The last PCR value.
    public var last: ProgramClockReference
    /// Byte offset of the packet with the first PCR.
    public var firstOffset: Int
    /// Byte offset of the packet with the last PCR.
    public var lastOffset: Int
    /// Bytes between consecutive PCR packets, summed over continuous pairs.
    public var spanBytes: Int64
    /// 27 MHz ticks between consecutive PCRs, summed over continuous pairs.
    public var spanTicks: Int64
    /// Continuous pairs summed into the span.
    public var intervals: Int
    /// The longest interval between consecutive continuous PCRs in 27 MHz ticks.
    public var maxIntervalTicks: Int64
    /// Pairs left out of the span as discontinuous.
    public var discontinuities: Int
    /// Every PCR as a point on the continuous timeline, when the analyzer was asked to keep them; else empty.
    public var timeline: [PCRPoint]

    /// Bits per second: spanBytes × 8 × 27,000,000 / spanTicks; nil when there is no continuous pair.
    public var bitsPerSecond: Double? {
        guard spanTicks > 0 else { return nil }
        return Double(spanBytes) * 8 * Double(ProgramClockReference.ticksPerSecond) / Double(spanTicks)
    }

    /// The bit rate rounded to a whole bit per second; nil when there is no continuous pair.
    public var roundedBitsPerSecond: Int64? {
        guard spanTicks > 0 else { return nil }
        let bits = spanBytes.multipliedReportingOverflow(by: 8)
        guard !bits.overflow else { return nil }
        let doubled = mulDiv(2 * bits.partialValue, ProgramClockReference.ticksPerSecond, spanTicks)
        return doubled == .max ? .max : (doubled + 1) / 2
    }

    /// The PCR span (sum of continuous intervals) in virtual time.
    public var span: SimDuration { SimDuration(rawValue: ticksToPicoseconds(spanTicks)) }
    /// The longest PCR interval in virtual time.
    public var maxInterval: SimDuration { SimDuration(rawValue: ticksToPicoseconds(maxIntervalTicks)) }
    /// The mean PCR interval in virtual time (span / intervals), or zero without intervals.
    public var meanInterval: SimDuration {
        intervals > 0 ? SimDuration(rawValue: ticksToPicoseconds(spanTicks) / Int64(intervals)) : .zero
    }
}

/// 27 MHz ticks to picoseconds, rounded down: ticks × 10⁶ / 27.
@inlinable
func ticksToPicoseconds(_ ticks: Int64) -> Int64 {
    mulDiv(ticks, 1_000_000, 27)
}
