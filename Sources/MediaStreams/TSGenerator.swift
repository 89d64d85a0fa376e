import SimCore

/// Generates a valid constant-bit-rate MPEG-2 transport stream of any length and rate, deterministically.
///
/// The stream has one program: a PAT on PID 0, a PMT, and one elementary stream (by default H.264, stream type
/// 0x1B, on PID 0x0100) whose PES payload is bytes from a seeded `RandomStream` — valid at the transport layer,
/// not decodable video. Packets are laid out slot by slot at the mux rate, byte `b` of the stream being due
/// `b × 8 / rate` seconds after the first; each slot gets, in priority order:
/// 1. a video packet carrying a PCR, when waiting one more slot would make the PCR interval exceed
///    ``Configuration/pcrInterval`` (so consecutive PCRs are never further apart than that);
/// 2. the PAT, when waiting two more slots would make the PAT interval exceed ``Configuration/tableInterval`` (one
///    slot of slack for a PCR, which never takes two slots in a row), then the PMT in the next free slot;
/// 3. a video packet, when the video credit (accrued at ``Configuration/videoBitsPerSecond``) covers one;
/// 4. a null packet (PID 0x1FFF) to pad to the mux rate.
///
/// A video packet starts a new PES packet (payload_unit_start_indicator, PTS) at the first video slot at or after
/// each ``Configuration/frameInterval``. Each PCR is exact: the time of the byte holding the last bit of its
/// program_clock_reference_base (byte 10 of the packet), ``Configuration/firstPCR`` + ⌊byte × 8 × 27,000,000 /
/// rate⌋ ticks, wrapping at 2³³ × 300. Continuity counters advance per PID on every payload packet.
///
/// Writing a packet allocates nothing.
public struct TSGenerator: Sendable {
    /// What to generate.
    public struct Configuration: Hashable, Sendable {
        /// The constant mux rate in bits per second (all packets, nulls included).
        public var bitsPerSecond: Int64
        /// The rate of video payload packets in bits per second (whole 188-byte packets counted); nil means 80 %
        /// of the mux rate.
        public var videoBitsPerSecond: Int64?
        /// The longest gap between PCRs in virtual time; at most 100 ms (MPEG), 40 ms for DVB (TR 101 290).
        public var pcrInterval: SimDuration
        /// The longest gap between PATs (each followed by a PMT) in virtual time; at most 500 ms.
        public var tableInterval: SimDuration
        /// Virtual time between PES packet starts (video frames); 40 ms is 25 frames per second.
        public var frameInterval: SimDuration
        /// The PCR value of the first byte of the stream (27 MHz ticks), to start anywhere on the clock.
        public var firstPCR: ProgramClockReference
        /// program_number in the PAT and PMT.
        public var programNumber: UInt16
        /// transport_stream_id in the PAT.
        public var transportStreamID: UInt16
        /// The PID carrying the PMT.
        public var pmtPID: UInt16
        /// The PID carrying the video stream and the PCR.
        public var videoPID: UInt16
        /// The stream_type the PMT declares for the video PID.
        public var streamType: UInt8
        /// Seed of the payload bytes.
        public var seed: UInt64

        /// Creates a configuration; see the properties for units and limits.
        public init(
            bitsPerSecond: Int64, videoBitsPerSecond: Int64? = nil, pcrInterval: SimDuration = .milliseconds(20),
            tableInterval: SimDuration = .milliseconds(100), frameInterval: SimDuration = .milliseconds(40),
            firstPCR: ProgramClockReference = ProgramClockReference(rawValue: 0), programNumber: UInt16 = 1,
            transportStreamID: UInt16 = 1, pmtPID: UInt16 = 0x1000, videoPID: UInt16 = 0x0100,
            streamType: UInt8 = 0x1B, seed: UInt64 = 0
        ) {
            self.bitsPerSecond = bitsPerSecond
            self.videoBitsPerSecond = videoBitsPerSecond
            self.pcrInterval = pcrInterval
            self.tableInterval = tableInterval
            self.frameInterval = frameInterval
            self.firstPCR = firstPCR
            self.programNumber = programNumber
            self.transportStreamID = transportStreamID
            self.pmtPID = pmtPID
            self.videoPID = videoPID
            self.streamType = streamType
            self.seed = seed
        }
    }

    /// The largest mux rate accepted, in bits per second (100 Gb/s).
    public static let maximumBitsPerSecond: Int64 = 100_000_000_000
    /// Bits in one transport packet.
    static let packetBits: Int64 = Int64(TSPacket.size) * 8
    /// PES header up to the PTS: start code prefix, stream_id 0xE0, PES_packet_length 0 (unbounded, allowed for
    /// video), '10' marker bits, PTS_DTS_flags '10', PES_header_data_length 5.
    static let pesPrefix: [UInt8] = [0x00, 0x00, 0x01, 0xE0, 0x00, 0x00, 0x80, 0x80, 0x05]
    /// How far a frame's PTS lies after its first byte, in 90 kHz ticks (100 ms).
    static let ptsDelay: UInt64 = 9_000
    /// 27 MHz ticks per byte-second: 8 × 27,000,000.
    static let ticksPerByteSecond: Int64 = 8 * ProgramClockReference.ticksPerSecond

    /// The configuration in use.
    public let configuration: Configuration
    /// Packets written so far; the index of the next packet.
    public private(set) var packetIndex = 0

    private let videoRate: Int64
    private let pcrTicks: Int64
    private let tableTicks: Int64
    private let frameTicks: Int64
    private let patSection: [UInt8]
    private let pmtSection: [UInt8]
    private var random: RandomStream
    private var lastPCRSlotTicks: Int64 = 0
    private var lastPATSlotTicks: Int64 = 0
    private var pmtPending = false
    private var videoCredit: Int64 = 0
    private var nextFrameTicks: Int64 = 0
    private var videoCC: UInt8 = 0
    private var patCC: UInt8 = 0
    private var pmtCC: UInt8 = 0

    /// Checks `configuration` and prepares the tables.
    ///
    /// - Throws: `MediaError.Code.invalidConfiguration` when a rate is not positive or above
    ///   ``maximumBitsPerSecond``, the video rate exceeds the mux rate, an interval is not positive or above its
    ///   limit, the mux rate does not fit 2 packets into one PCR interval (150,400 b/s at the
    ///   default 20 ms; longer PCR intervals allow lower rates), or the PIDs are reserved or equal.
    public init(_ configuration: Configuration) throws(MediaError) {
        let c = configuration
        func invalid(_ message: String) -> MediaError {
            MediaError(code: .invalidConfiguration, offset: nil, message: message)
        }
        guard c.bitsPerSecond > 0, c.bitsPerSecond <= Self.maximumBitsPerSecond else {
            throw invalid("bit rate \(c.bitsPerSecond) b/s is outside 1 … \(Self.maximumBitsPerSecond) b/s")
        }
        let video = c.videoBitsPerSecond ?? c.bitsPerSecond / 5 * 4
        guard video >= 0, video <= c.bitsPerSecond else {
            throw invalid("video rate \(video) b/s is outside 0 … \(c.bitsPerSecond) b/s (the mux rate)")
        }
        guard c.pcrInterval > .zero, c.pcrInterval <= .milliseconds(100) else {
            throw invalid("PCR interval \(c.pcrInterval) is outside (0, 100 ms]")
        }
        guard c.tableInterval > .zero, c.tableInterval <= .milliseconds(500) else {
            throw invalid("table interval \(c.tableInterval) is outside (0, 500 ms]")
        }
        guard c.frameInterval > .zero, c.frameInterval <= .seconds(10) else {
            throw invalid("frame interval \(c.frameInterval) is outside (0, 10 s]")
        }
        let minimumRate = mulDivUp(2 * Self.packetBits, picosecondsPerSecond, c.pcrInterval.rawValue)
        guard c.bitsPerSecond >= minimumRate else {
            throw invalid(
                "bit rate \(c.bitsPerSecond) b/s is too low to fit 2 packets in a PCR interval of \(c.pcrInterval) "
                    + "(needs at least \(minimumRate) b/s)")
        }
        let pids = [c.pmtPID, c.videoPID]
        guard pids.allSatisfy({ $0 >= 0x0010 && $0 < TSPacket.nullPID }), c.pmtPID != c.videoPID else {
            throw invalid(
                "PMT PID \(hexPID(c.pmtPID)) and video PID \(hexPID(c.videoPID)): expected two different PIDs in "
                    + "0x0010 … 0x1FFE")
        }
        self.configuration = c
        self.videoRate = video
        self.pcrTicks = mulDiv(c.pcrInterval.rawValue, 27, 1_000_000)
        self.tableTicks = mulDiv(c.tableInterval.rawValue, 27, 1_000_000)
        self.frameTicks = max(1, mulDiv(c.frameInterval.rawValue, 27, 1_000_000))
        self.random = RandomStream(seed: c.seed, name: "TSGenerator")
        self.patSection = Self.section(
            tableID: 0x00, idExtension: c.transportStreamID,
            body: [
                UInt8(c.programNumber >> 8), UInt8(truncatingIfNeeded: c.programNumber),
                0xE0 | UInt8(c.pmtPID >> 8), UInt8(truncatingIfNeeded: c.pmtPID),
            ])
        self.pmtSection = Self.section(
            tableID: 0x02, idExtension: c.programNumber,
            body: [
                0xE0 | UInt8(c.videoPID >> 8), UInt8(truncatingIfNeeded: c.videoPID), 0xF0, 0x00,
                c.streamType, 0xE0 | UInt8(c.videoPID >> 8), UInt8(truncatingIfNeeded: c.videoPID), 0xF0, 0x00,
            ])
    }

    /// Packets in `duration` at `bitsPerSecond`, rounded down: ⌊duration × rate / 1504 bits⌋.
    public static func packetCount(duration: SimDuration, bitsPerSecond: Int64) -> Int {
        Int(mulDiv(duration.rawValue, bitsPerSecond, packetBits * picosecondsPerSecond))
    }

    /// 27 MHz ticks from the first byte of the stream to byte `byte`: ⌊byte × 8 × 27,000,000 / rate⌋.
    public func ticks(atByte byte: Int64) -> Int64 {
        mulDiv(byte, Self.ticksPerByteSecond, configuration.bitsPerSecond)
    }

    /// The PCR value a PCR in packet `index` carries (the time of byte 10 of that packet).
    public func pcr(ofPacket index: Int) -> ProgramClockReference {
        configuration.firstPCR.advanced(byTicks: ticks(atByte: Int64(index) * Int64(TSPacket.size) + 10))
    }

    /// When the first byte of packet `index` is due, relative to the first byte of the stream (picoseconds,
    /// rounded down).
    public func startTime(ofPacket index: Int) -> SimDuration {
        SimDuration(
            rawValue: mulDiv(
                Int64(index) * Int64(TSPacket.size) * 8, picosecondsPerSecond,
                configuration.bitsPerSecond))
    }

    /// Generates `packetCount` packets (negative counts as 0) as one array.
    public mutating func generate(packetCount: Int) -> [UInt8] {
        let count = max(0, packetCount)
        var bytes = [UInt8](repeating: 0, count: count * TSPacket.size)
        for index in 0..<count { writePacket(into: &bytes, at: index * TSPacket.size) }
        return bytes
    }

    /// Generates `duration` of stream (``packetCount(duration:bitsPerSecond:)`` packets) for `configuration`.
    public static func generate(_ configuration: Configuration, duration: SimDuration) throws(MediaError) -> [UInt8] {
        var generator = try TSGenerator(configuration)
        return generator.generate(
            packetCount: packetCount(duration: duration, bitsPerSecond: configuration.bitsPerSecond))
    }

    /// Writes the next 188-byte packet at `offset`; the bytes must exist.
    public mutating func writePacket(into bytes: inout [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset <= bytes.count - TSPacket.size, "TSGenerator.writePacket out of range")
        let slot = Int64(packetIndex)
        let slotTicks = ticks(atByte: slot * Int64(TSPacket.size))
        let nextSlotTicks = ticks(atByte: (slot + 1) * Int64(TSPacket.size))
        let slotAfterNextTicks = ticks(atByte: (slot + 2) * Int64(TSPacket.size))
        defer { packetIndex += 1 }
        videoCredit += videoRate * Self.packetBits

        if slot == 0 || nextSlotTicks - lastPCRSlotTicks > pcrTicks {
            lastPCRSlotTicks = slotTicks
            writeVideo(into: &bytes, at: offset, slot: slot, slotTicks: slotTicks, withPCR: true)
            return
        }
        if slot == 1 || slotAfterNextTicks - lastPATSlotTicks > tableTicks {
            lastPATSlotTicks = slotTicks
            writeSection(patSection, pid: TSPacket.patPID, cc: &patCC, into: &bytes, at: offset)
            pmtPending = true
            return
        }
        if pmtPending {
            pmtPending = false
            writeSection(pmtSection, pid: configuration.pmtPID, cc: &pmtCC, into: &bytes, at: offset)
            return
        }
        if videoCredit >= Self.packetBits * configuration.bitsPerSecond {
            writeVideo(into: &bytes, at: offset, slot: slot, slotTicks: slotTicks, withPCR: false)
            return
        }
        TSPacket(pid: TSPacket.nullPID, continuityCounter: 0).encodeHeader(into: &bytes, at: offset)
        for index in (offset + TSPacket.headerSize)..<(offset + TSPacket.size) { bytes[index] = 0xFF }
    }

    private mutating func writeVideo(
        into bytes: inout [UInt8], at offset: Int, slot: Int64, slotTicks: Int64, withPCR: Bool
    ) {
        // A PCR packet is sent even without video credit; the debt is capped at one packet so that a stream with
        // little or no video cannot run the credit down without bound.
        videoCredit = max(
            videoCredit - Self.packetBits * configuration.bitsPerSecond,
            -Self.packetBits * configuration.bitsPerSecond)
        let startsFrame = slotTicks >= nextFrameTicks
        var frameStart = nextFrameTicks
        if startsFrame {
            frameStart = slotTicks - (slotTicks - nextFrameTicks) % frameTicks
            nextFrameTicks = frameStart + frameTicks
        }
        let field =
            withPCR
            ? AdaptationField(length: 7, pcr: pcr(ofPacket: Int(slot)), randomAccessIndicator: slot == 0) : nil
        let header = TSPacket(
            pid: configuration.videoPID, continuityCounter: videoCC,
            adaptationFieldControl: withPCR ? .adaptationFieldAndPayload : .payloadOnly,
            payloadUnitStartIndicator: startsFrame, adaptationField: field)
        videoCC = (videoCC + 1) & 0x0F
        header.encodeHeader(into: &bytes, at: offset)
        field?.encode(into: &bytes, at: offset + TSPacket.headerSize)
        var next = offset + header.payloadOffset
        if startsFrame {
            // PES header: start code, stream_id 0xE0, PES_packet_length 0 (unbounded video), '10' flags, PTS only.
            let pts = (configuration.firstPCR.base &+ UInt64(frameStart / 300) &+ Self.ptsDelay) & 0x1_FFFF_FFFF
            for index in 0..<Self.pesPrefix.count { bytes[next + index] = Self.pesPrefix[index] }
            next += Self.pesPrefix.count
            bytes[next] = 0x21 | UInt8(truncatingIfNeeded: (pts >> 29) & 0x0E)
            bytes[next + 1] = UInt8(truncatingIfNeeded: pts >> 22)
            bytes[next + 2] = UInt8(truncatingIfNeeded: (pts >> 14) & 0xFE) | 0x01
            bytes[next + 3] = UInt8(truncatingIfNeeded: pts >> 7)
            bytes[next + 4] = UInt8(truncatingIfNeeded: (pts << 1) & 0xFE) | 0x01
            next += 5
        }
        let end = offset + TSPacket.size
        while next < end {
            var word = random.next()
            for _ in 0..<min(8, end - next) {
                bytes[next] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                next += 1
            }
        }
    }

    private func writeSection(
        _ section: [UInt8], pid: UInt16, cc: inout UInt8, into bytes: inout [UInt8], at offset: Int
    ) {
        TSPacket(pid: pid, continuityCounter: cc, payloadUnitStartIndicator: true).encodeHeader(
            into: &bytes, at: offset)
        cc = (cc + 1) & 0x0F
        bytes[offset + 4] = 0  // pointer_field
        for index in 0..<section.count { bytes[offset + 5 + index] = section[index] }
        for index in (offset + 5 + section.count)..<(offset + TSPacket.size) { bytes[index] = 0xFF }
    }

    /// A long-form PSI section (version 0, current, section 0 of 0) with its CRC_32.
    private static func section(tableID: UInt8, idExtension: UInt16, body: [UInt8]) -> [UInt8] {
        let length = 5 + body.count + 4
        var bytes: [UInt8] = [
            tableID, 0xB0 | UInt8(length >> 8), UInt8(truncatingIfNeeded: length),
            UInt8(idExtension >> 8), UInt8(truncatingIfNeeded: idExtension), 0xC1, 0x00, 0x00,
        ]
        bytes += body
        let crc = MPEGCRC32.checksum(bytes, from: 0, count: bytes.count)
        bytes += [
            UInt8(crc >> 24), UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 8),
            UInt8(truncatingIfNeeded: crc),
        ]
        return bytes
    }
}
