import Histogram
import SimCore
import WireFormats

/// A receiver with timing requirements (B46, B48): a set-top box that plays one stream out of a buffer and judges
/// its delivery the way IPTV engineers do.
///
/// The box takes Ethernet frames (``accept(_:simulator:)``), keeps the UDP datagrams addressed to it (its MAC,
/// broadcast, or — when allowed — any multicast MAC) on its port, strips the RTP header when configured, and
/// records (see ``SetTopBoxCounters``):
/// - Playout buffer. Arrivals fill it; from the first arrival plus ``Configuration/startupDelay`` it drains at
///   ``Configuration/drainBitsPerSecond``. The level is computed lazily at each arrival, so the box schedules no
///   events. An underflow is counted when the buffer would have gone below zero between two arrivals; the time
///   from when it ran dry to the arrival is added to ``SetTopBoxCounters/starvedTime``, and draining resumes at
///   the arrival (no second start-up delay). A datagram that would raise the level above
///   ``Configuration/bufferCapacityBytes`` is dropped and counted as an overflow.
/// - Arrival gaps between consecutive datagrams, in an HdrHistogram (1 ns to 60 s, 3 significant digits).
/// - RTP sequence: expected, lost, reordered, duplicates (RFC 3550 A.3).
/// - Interarrival jitter (RFC 3550 §6.4.1): J += (|D| − J)/16 in the reference integer form, where D is the change
///   in transit time; transit is arrival minus send time, the send time being the RTP timestamp (90 kHz, unwrapped)
///   with RTP, or without RTP the nominal due time of the datagram's first byte, bytes received before it × 8 /
///   drain rate.
/// - TS continuity per PID (the ``TSAnalyzer`` rule), damaged packets, PCR interval on the PCR PID.
/// - Media Delivery Index (RFC 4445) over consecutive intervals of ``Configuration/mdiInterval`` starting at the
///   first arrival. In each interval, with MR the drain rate and Tᵢ an arrival's time since the interval start,
///   VB(pre) = Σ earlier bytes of the interval − MR × Tᵢ and VB(post) = VB(pre) + the arrival's bytes;
///   DF = (max VB(post) − min VB(pre)) / MR. MLR counts media packets lost or out of order per second: with RTP,
///   each missing sequence number counts the TS packets of the datagram that revealed it (1 for opaque payload)
///   and each late packet its own; without RTP, the packets missing by continuity counter.
///
/// Every frame is released. After the first arrival of each new PID nothing is allocated per packet.
public final class SetTopBox: FrameSink {
    /// How the box is set up.
    public struct Configuration: Hashable, Sendable {
        /// How the stream arrives in UDP.
        public enum Encapsulation: Hashable, Sendable {
            /// An RTP header (RFC 3550) before the media bytes.
            case rtp
            /// Media bytes directly in UDP.
            case rawUDP
        }

        /// What the media bytes are.
        public enum Payload: Hashable, Sendable {
            /// 188-byte TS packets (continuity, PCR and MLR by TS packet are measured).
            case transportStream
            /// Anything else (MP3, MP4 …): only bytes and datagrams are measured.
            case opaque
        }

        /// The box's name, for reports.
        public var name: String
        /// The box's MAC address.
        public var mac: MACAddress
        /// The UDP destination port of the stream; nil accepts any port.
        public var udpPort: UInt16?
        /// Whether frames to multicast MAC addresses are taken (IPTV multicast).
        public var acceptMulticast: Bool
        /// RTP or raw UDP.
        public var encapsulation: Encapsulation
        /// TS or opaque.
        public var payload: Payload
        /// The stream's rate, at which playout drains and the MDI's virtual buffer empties, in bits per second.
        public var drainBitsPerSecond: Int64
        /// Virtual time from the first arrival until playout starts draining.
        public var startupDelay: SimDuration
        /// The playout buffer's size in bytes.
        public var bufferCapacityBytes: Int
        /// The MDI measurement interval in virtual time (RFC 4445 suggests 1 s).
        public var mdiInterval: SimDuration

        /// Creates a configuration; see the properties for units.
        public init(
            name: String, mac: MACAddress, udpPort: UInt16? = nil, acceptMulticast: Bool = true,
            encapsulation: Encapsulation = .rtp, payload: Payload = .transportStream, drainBitsPerSecond: Int64,
            startupDelay: SimDuration = .milliseconds(500), bufferCapacityBytes: Int = 2 * 1024 * 1024,
            mdiInterval: SimDuration = .seconds(1)
        ) {
            self.name = name
            self.mac = mac
            self.udpPort = udpPort
            self.acceptMulticast = acceptMulticast
            self.encapsulation = encapsulation
            self.payload = payload
            self.drainBitsPerSecond = drainBitsPerSecond
            self.startupDelay = startupDelay
            self.bufferCapacityBytes = bufferCapacityBytes
            self.mdiInterval = mdiInterval
        }
    }

    /// The setup.
    public let configuration: Configuration
    /// The largest gap the histogram holds, in nanoseconds (60 s); longer gaps are recorded as 60 s.
    public static let maximumRecordedGapNanoseconds: UInt64 = 60_000_000_000

    private var stored = SetTopBoxCounters()
    private var gaps: Histogram<UInt32>

    // RTP sequence and jitter.
    private var haveRTP = false
    private var baseSequence: Int64 = 0
    private var maxSequence: Int64 = 0
    private var rtpReceived = 0
    private var lastTimestamp: UInt32 = 0
    private var extendedTimestamp: Int64 = 0
    private var haveTransit = false
    private var lastTransit: Int64 = 0
    private var jitterScaled: Int64 = 0
    private var bytesBefore: Int64 = 0

    // Playout buffer, in bits.
    private var arrivedBits: Int64 = 0
    private var playing = false
    private var anchor = SimTime.zero
    private var anchorDrainedBits: Int64 = 0

    // MDI.
    private var intervalStart: SimTime?
    private var intervalBits: Int64 = 0
    private var intervalMin: Int64 = 0
    private var intervalMax: Int64 = 0
    private var intervalLost = 0
    private var intervalHasArrivals = false

    // TS.
    private var lastCC: [Int8]
    private var repeatedOnce: [Bool]
    private var pcrPID: Int = -1
    private var lastPCR = ProgramClockReference(rawValue: 0)

    /// Creates a box. It schedules no events, so it is not registered with a simulator.
    ///
    /// - Throws: `MediaError.Code.invalidConfiguration` when the drain rate or MDI interval is not positive, the
    ///   start-up delay is negative, or the buffer holds no byte.
    public init(_ configuration: Configuration) throws(MediaError) {
        func invalid(_ message: String) -> MediaError {
            MediaError(
                code: .invalidConfiguration, offset: nil, message: "set-top box \(configuration.name): \(message)")
        }
        guard configuration.drainBitsPerSecond > 0 else {
            throw invalid("drain rate \(configuration.drainBitsPerSecond) b/s: expected more than 0")
        }
        guard configuration.mdiInterval > .zero else {
            throw invalid("MDI interval \(configuration.mdiInterval): expected more than zero")
        }
        guard configuration.startupDelay >= .zero else {
            throw invalid("start-up delay \(configuration.startupDelay): expected zero or more")
        }
        guard configuration.bufferCapacityBytes > 0 else {
            throw invalid("buffer of \(configuration.bufferCapacityBytes) bytes: expected at least 1")
        }
        self.configuration = configuration
        self.gaps = Histogram<UInt32>(
            lowestDiscernibleValue: 1, highestTrackableValue: Self.maximumRecordedGapNanoseconds,
            numberOfSignificantValueDigits: .three)
        self.lastCC = [Int8](repeating: -1, count: 8192)
        self.repeatedOnce = [Bool](repeating: false, count: 8192)
        stored.mdiInterval = configuration.mdiInterval
    }

    /// What the box has measured so far; the MDI figures include the interval in progress.
    public var counters: SetTopBoxCounters {
        var result = stored
        if result.gapCount > 0 {
            result.gapP50Nanoseconds = gaps.valueAtPercentile(50)
            result.gapP99Nanoseconds = gaps.valueAtPercentile(99)
        }
        if haveRTP {
            result.rtpPacketsExpected = Int(maxSequence - baseSequence + 1)
            result.rtpPacketsLost = max(0, result.rtpPacketsExpected - (rtpReceived - result.rtpDuplicates))
        }
        result.interarrivalJitter = SimDuration(rawValue: jitterScaled >> 4)
        result.interarrivalJitterTimestampUnits = UInt32(
            truncatingIfNeeded: mulDiv(jitterScaled >> 4, RTPPacketizer.clockRate, picosecondsPerSecond))
        closeMDIInterval(into: &result)
        return result
    }

    /// The bytes in the playout buffer at `time` (no earlier than the last arrival), without changing anything;
    /// 0 once it has run dry.
    public func bufferLevel(at time: SimTime) -> Int {
        var drained = anchorDrainedBits
        if playing {
            let elapsed = saturatingSubtract(time.rawValue, anchor.rawValue)
            drained = saturatingAdd(drained, mulDiv(elapsed, configuration.drainBitsPerSecond, picosecondsPerSecond))
        } else if let start = stored.playoutStart ?? stored.firstArrival.map({ $0 + configuration.startupDelay }),
            time > start
        {
            let elapsed = saturatingSubtract(time.rawValue, start.rawValue)
            drained = saturatingAdd(drained, mulDiv(elapsed, configuration.drainBitsPerSecond, picosecondsPerSecond))
        }
        return Int(max(0, arrivedBits - drained) / 8)
    }

    /// Records the frame and releases it.
    public func accept(_ frame: FrameHandle, simulator: Simulator) {
        let frames = simulator.frames
        if simulator.tracer != nil { simulator.trace(configuration.name, "arrival", frames.traceFields(of: frame)) }
        receive(frames.bytes, at: frames.offset(of: frame), length: frames.length(of: frame), now: simulator.now)
        frames.release(frame)
    }

    // MARK: - Receiving

    private func receive(_ bytes: [UInt8], at start: Int, length: Int, now: SimTime) {
        guard length >= 14, let destination = NetworkBytes.getMAC(bytes, start) else {
            stored.malformedFrames += 1
            return
        }
        guard
            destination == configuration.mac || destination == .broadcast
                || (configuration.acceptMulticast && destination.isMulticast)
        else {
            stored.framesForOtherHosts += 1
            return
        }
        guard NetworkBytes.getUInt16(bytes, start + 12) == 0x0800,
            length > 23, NetworkBytes.getUInt8(bytes, start + 23) == IPv4Header.udpProtocolNumber
        else {
            stored.nonUDPFrames += 1
            return
        }
        guard let view = UDPDatagramView(parsing: bytes, at: start, length: length) else {
            stored.malformedFrames += 1
            return
        }
        guard view.ipChecksumValid, view.udpChecksumValid else {
            stored.badChecksums += 1
            return
        }
        if let port = configuration.udpPort, view.udp.destinationPort != port {
            stored.datagramsForOtherPorts += 1
            return
        }
        var mediaStart = view.payloadOffset
        var mediaLength = view.payloadLength
        var rtp: RTPHeader?
        if configuration.encapsulation == .rtp {
            guard let header = RTPHeader(decoding: bytes, at: mediaStart, end: mediaStart + mediaLength) else {
                stored.malformedRTP += 1
                return
            }
            rtp = header
            mediaStart += header.headerLength
            mediaLength -= header.headerLength
        }
        arrival(bytes, mediaStart: mediaStart, mediaLength: mediaLength, rtp: rtp, now: now)
    }

    private func arrival(_ bytes: [UInt8], mediaStart: Int, mediaLength: Int, rtp: RTPHeader?, now: SimTime) {
        stored.datagrams += 1
        stored.payloadBytes += mediaLength
        if let last = stored.lastArrival {
            let gap = UInt64(max(0, (now - last).nanoseconds))
            gaps.record(min(gap, Self.maximumRecordedGapNanoseconds))
            stored.gapCount += 1
            stored.gapMaxNanoseconds = max(stored.gapMaxNanoseconds, gap)
        }
        if stored.firstArrival == nil { stored.firstArrival = now }
        stored.lastArrival = now

        let isTS = configuration.payload == .transportStream
        let mediaPackets = isTS ? mediaLength / TSPacket.size : 1
        beginMDI(at: now)
        var lost = 0
        if let rtp {
            lost = sequence(rtp, mediaPackets: mediaPackets)
            jitter(sendTime: rtpSendTime(rtp.timestamp), now: now)
        } else {
            jitter(
                sendTime: signedMulDiv(bytesBefore * 8, picosecondsPerSecond, configuration.drainBitsPerSecond),
                now: now)
        }
        bytesBefore += Int64(mediaLength)
        if isTS {
            let missing = transportPackets(bytes, start: mediaStart, length: mediaLength)
            if rtp == nil { lost = missing }
        }
        stored.mediaPacketsLost += lost
        intervalLost += lost
        recordMDI(bits: Int64(mediaLength) * 8, at: now)
        playout(bits: Int64(mediaLength) * 8, at: now)
    }

    // MARK: RTP

    /// Updates sequence statistics; returns media packets lost or out of order for the MLR.
    private func sequence(_ header: RTPHeader, mediaPackets: Int) -> Int {
        rtpReceived += 1
        guard haveRTP else {
            haveRTP = true
            baseSequence = Int64(header.sequenceNumber)
            maxSequence = baseSequence
            lastTimestamp = header.timestamp
            extendedTimestamp = 0
            return 0
        }
        let delta = Int64(Int16(bitPattern: header.sequenceNumber &- UInt16(truncatingIfNeeded: maxSequence)))
        if delta > 0 {
            maxSequence &+= delta
            return Int(delta - 1) * mediaPackets
        }
        if delta < 0 {
            stored.rtpReordered += 1
            return mediaPackets
        }
        stored.rtpDuplicates += 1
        return 0
    }

    /// The RTP timestamp as picoseconds since the first packet's, unwrapped.
    private func rtpSendTime(_ timestamp: UInt32) -> Int64 {
        extendedTimestamp &+= Int64(Int32(bitPattern: timestamp &- lastTimestamp))
        lastTimestamp = timestamp
        return signedMulDiv(extendedTimestamp, picosecondsPerSecond, RTPPacketizer.clockRate)
    }

    private func jitter(sendTime: Int64, now: SimTime) {
        let transit = now.rawValue &- sendTime
        defer {
            lastTransit = transit
            haveTransit = true
        }
        guard haveTransit else { return }
        let d = transit &- lastTransit
        let magnitude = d == .min ? Int64.max : abs(d)
        // RFC 3550 A.8: jitter kept scaled by 16.
        jitterScaled = jitterScaled &+ magnitude &- ((jitterScaled &+ 8) >> 4)
    }

    // MARK: Transport stream

    /// Checks the TS packets of one datagram; returns packets missing by continuity counter.
    private func transportPackets(_ bytes: [UInt8], start: Int, length: Int) -> Int {
        var missing = 0
        var offset = start
        let end = start + length
        while end - offset >= TSPacket.size {
            defer { offset += TSPacket.size }
            stored.tsPackets += 1
            guard let packet = TSPacket.decode(bytes, at: offset) else {
                stored.tsDamagedPackets += 1
                continue
            }
            if packet.transportErrorIndicator {
                stored.transportErrors += 1
                continue
            }
            let pid = Int(packet.pid)
            guard packet.pid != TSPacket.nullPID else { continue }
            missing += continuity(packet, pid: pid)
            if let pcr = packet.pcr {
                clock(pcr, pid: pid, discontinuity: packet.adaptationField?.discontinuityIndicator ?? false)
            }
        }
        if offset < end { stored.tsDamagedPackets += 1 }
        return missing
    }

    private func continuity(_ packet: TSPacket, pid: Int) -> Int {
        let cc = Int8(packet.continuityCounter)
        if packet.adaptationField?.discontinuityIndicator == true {
            lastCC[pid] = packet.adaptationFieldControl.hasPayload ? cc : -1
            repeatedOnce[pid] = false
            return 0
        }
        guard packet.adaptationFieldControl.hasPayload else { return 0 }
        let last = lastCC[pid]
        lastCC[pid] = cc
        guard last >= 0 else { return 0 }
        if cc == (last + 1) & 0x0F {
            repeatedOnce[pid] = false
            return 0
        }
        if cc == last, !repeatedOnce[pid] {
            repeatedOnce[pid] = true
            return 0
        }
        repeatedOnce[pid] = false
        stored.continuityErrors += 1
        return Int((cc - last - 1) & 0x0F)
    }

    private func clock(_ pcr: ProgramClockReference, pid: Int, discontinuity: Bool) {
        if pcrPID < 0 { pcrPID = pid }
        guard pid == pcrPID else { return }
        stored.pcrCount += 1
        defer { lastPCR = pcr }
        guard stored.pcrCount > 1 else { return }
        let step = pcr.ticks(since: lastPCR)
        if discontinuity || step == 0 || step > TSAnalyzer.maximumPCRStepTicks {
            stored.pcrDiscontinuities += 1
        } else {
            stored.maxPCRInterval = max(stored.maxPCRInterval, SimDuration(rawValue: ticksToPicoseconds(step)))
        }
    }

    // MARK: MDI

    /// Closes the intervals that ended before `now` and makes `now` fall in the current one.
    private func beginMDI(at now: SimTime) {
        guard let start = intervalStart else {
            intervalStart = now
            return
        }
        let length = configuration.mdiInterval.rawValue
        guard now.rawValue - start.rawValue >= length else { return }
        closeMDIInterval(into: &stored)
        let skipped = (now.rawValue - start.rawValue) / length
        intervalStart = SimTime(rawValue: start.rawValue + skipped * length)
        intervalBits = 0
        intervalLost = 0
        intervalHasArrivals = false
    }

    /// Counts the current interval, if a packet arrived in it, into `counters`: its delay factor (the spread of
    /// the virtual buffer, RFC 4445) and its lost media packets.
    private func closeMDIInterval(into counters: inout SetTopBoxCounters) {
        guard intervalHasArrivals else { return }
        let delay = SimDuration(rawValue: saturatingSubtract(intervalMax, intervalMin))
        counters.mdiIntervals += 1
        counters.lastDelayFactor = delay
        counters.maxDelayFactor = max(counters.maxDelayFactor, delay)
        counters.maxMediaPacketsLostPerInterval = max(counters.maxMediaPacketsLostPerInterval, intervalLost)
    }

    /// Adds one arrival of `bits` media bits to the current interval's virtual buffer (kept in picoseconds of
    /// drain time, VB / MR, so that DF is read off directly).
    private func recordMDI(bits: Int64, at now: SimTime) {
        let elapsed = now.rawValue - (intervalStart ?? now).rawValue
        let rate = configuration.drainBitsPerSecond
        let before = saturatingSubtract(mulDiv(intervalBits, picosecondsPerSecond, rate), elapsed)
        intervalBits = saturatingAdd(intervalBits, bits)
        let after = saturatingSubtract(mulDiv(intervalBits, picosecondsPerSecond, rate), elapsed)
        if intervalHasArrivals {
            intervalMin = min(intervalMin, before)
            intervalMax = max(intervalMax, after)
        } else {
            intervalMin = before
            intervalMax = after
            intervalHasArrivals = true
        }
    }

    // MARK: Playout

    private func playout(bits: Int64, at now: SimTime) {
        let rate = configuration.drainBitsPerSecond
        if !playing {
            let start = (stored.firstArrival ?? now) + configuration.startupDelay
            if now >= start {
                playing = true
                anchor = start
                anchorDrainedBits = 0
                stored.playoutStart = start
            }
        }
        var level = arrivedBits
        if playing {
            let drained = saturatingAdd(
                anchorDrainedBits, mulDiv((now - anchor).rawValue, rate, picosecondsPerSecond))
            if drained > arrivedBits {
                // When the buffer ran dry: the drain since the anchor took exactly what was there.
                let dryAt = saturatingAdd(
                    anchor.rawValue, mulDivUp(arrivedBits - anchorDrainedBits, picosecondsPerSecond, rate))
                stored.underflows += 1
                let starved = max(0, saturatingSubtract(now.rawValue, dryAt))
                stored.starvedTime = SimDuration(rawValue: saturatingAdd(stored.starvedTime.rawValue, starved))
                anchor = now
                anchorDrainedBits = arrivedBits
                level = 0
            } else {
                level = arrivedBits - drained
            }
        }
        let capacity = Int64(configuration.bufferCapacityBytes) * 8
        guard level + bits <= capacity else {
            stored.overflows += 1
            stored.overflowBytes += Int(bits / 8)
            return
        }
        arrivedBits = saturatingAdd(arrivedBits, bits)
        stored.peakBufferBytes = max(stored.peakBufferBytes, Int((level + bits) / 8))
    }
}

/// ⌊|a| × b / c⌋ with the sign of `a`, for b, c > 0 (128-bit intermediate, clamped).
@inlinable
func signedMulDiv(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64 {
    a >= 0 ? mulDiv(a, b, c) : -mulDiv(a == .min ? .max : -a, b, c)
}
