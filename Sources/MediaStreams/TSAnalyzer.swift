/// Reads an MPEG-2 transport stream fed in chunks of any size and counts what it finds.
///
/// Feed bytes with ``consume(_:)`` (byte by byte, in chunks or whole — the result is the same) and read the
/// result with ``finish()``. ``analyze(_:keepPCRTimeline:)`` does both for a whole file and decides whether the
/// bytes are a transport stream at all.
///
/// Rules:
/// - Sync. The analyzer starts searching. It acquires sync at a 0x47 byte that is followed by another 0x47 exactly
///   188 bytes later (at the end of the input, a lone 188-byte packet starting with 0x47 is accepted). In sync,
///   every 188 bytes must start with 0x47; when one does not, the loss is counted (``TSSummary/syncLosses``) and
///   the search starts again at that byte. Bytes passed over while searching are ``TSSummary/skippedBytes``.
/// - Continuity (ISO/IEC 13818-1 §2.4.3.3). Per PID except null packets, the counter must advance by 1 modulo 16
///   on every packet with payload; adaptation-only packets are not checked. One repetition of the previous
///   counter is a duplicate (allowed); a second repetition, or any other value, is a continuity error, after
///   which the received value becomes the reference. A packet with discontinuity_indicator set resets the
///   reference. Packets with transport_error_indicator set are counted under their PID but not checked.
/// - PCR. See ``PCRStatistics`` for how rate and spacing are measured and when a pair counts as discontinuous.
/// - PSI. PAT (PID 0) and the PMTs it names are decoded when a section starts and ends in one packet and its
///   CRC_32 verifies.
///
/// Consuming allocates only when a PID is seen for the first time, when a PAT or PMT changes, when an anomaly is
/// kept, and (with `keepPCRTimeline`) once per PCR.
public struct TSAnalyzer: Sendable {
    /// How many anomalies a summary keeps with their offsets; more are only counted.
    public static let anomalyLimit = 32
    /// The largest forward PCR step, in 27 MHz ticks, still taken as continuous: 1 s.
    public static let maximumPCRStepTicks: Int64 = ProgramClockReference.ticksPerSecond

    /// Whether every PCR's position is kept in ``PCRStatistics/timeline`` (for stream sources).
    public let keepPCRTimeline: Bool

    struct PIDState: Sendable {
        var pid: UInt16
        var packets = 0
        /// Last continuity counter of a payload packet, or -1 before the first.
        var lastCC: Int8 = -1
        var repeatedOnce = false
        var continuityErrors = 0
        var duplicates = 0
        var missing = 0
        var pcrCount = 0
        var lastPCR = ProgramClockReference(rawValue: 0)
        var firstPCR = ProgramClockReference(rawValue: 0)
        var firstPCROffset = 0
        var lastPCROffset = 0
        var timeline: Int64 = 0
        var spanBytes: Int64 = 0
        var spanTicks: Int64 = 0
        var intervals = 0
        var maxInterval: Int64 = 0
        var discontinuities = 0
        var points: [PCRPoint] = []

        init(pid: UInt16) { self.pid = pid }
    }

    private var summary = TSSummary()
    /// Bytes of the stream not yet decided on; they start at stream offset `carryOffset`. At most 188 bytes.
    private var carry: [UInt8] = []
    private var carryOffset = 0
    private var scratch = [UInt8](repeating: 0, count: TSPacket.size)
    private var inSync = false
    private var slotOfPID = [Int32](repeating: -1, count: 8192)
    private var states: [PIDState] = []
    private var patVersion: Int = -1
    private var pmtVersions: [UInt16: UInt8] = [:]

    /// Creates an analyzer at the start of a stream.
    ///
    /// - Parameter keepPCRTimeline: keep the position of every PCR (16 bytes each) for timing.
    public init(keepPCRTimeline: Bool = false) {
        self.keepPCRTimeline = keepPCRTimeline
        carry.reserveCapacity(2 * TSPacket.size)
    }

    /// Analyzes a whole file and checks that it is a transport stream.
    ///
    /// - Throws: `MediaError.Code.empty` for no bytes; `MediaError.Code.truncated` when the input is shorter
    ///   than one packet; `MediaError.Code.notTransportStream` when fewer than half the bytes lie in packets
    ///   (the message names the first place sync was expected and what was found there).
    public static func analyze(_ bytes: [UInt8], keepPCRTimeline: Bool = false) throws(MediaError) -> TSSummary {
        guard !bytes.isEmpty else {
            throw MediaError(code: .empty, offset: 0, message: "expected an MPEG transport stream, found no bytes")
        }
        var analyzer = TSAnalyzer(keepPCRTimeline: keepPCRTimeline)
        analyzer.consume(bytes)
        let summary = analyzer.finish()
        if bytes.count < TSPacket.size, bytes[0] == TSPacket.syncByte {
            throw MediaError(
                code: .truncated, offset: 0,
                message: "expected at least one 188-byte transport packet, found only \(bytes.count) bytes")
        }
        if summary.packetCount * TSPacket.size * 2 < bytes.count {
            let first = summary.anomalies.first { $0.code == .lostSync || $0.code == .notTransportStream }
            let offset = first?.offset ?? 0
            let found = offset < bytes.count ? hexByte(bytes[offset]) : "the end of the file"
            throw MediaError(
                code: .notTransportStream, offset: offset,
                message: "not an MPEG transport stream: expected sync byte 0x47 every 188 bytes, found \(found); "
                    + "only \(summary.packetCount) packets in \(bytes.count) bytes")
        }
        return summary
    }

    /// Consumes the next bytes of the stream.
    public mutating func consume(_ bytes: [UInt8]) {
        consume(bytes, from: 0, count: bytes.count)
    }

    /// Consumes `count` bytes of `bytes` starting at index `start`; an out-of-range request consumes what lies
    /// inside the array.
    public mutating func consume(_ bytes: [UInt8], from start: Int, count: Int) {
        let first = min(max(start, 0), bytes.count)
        let end = first + min(max(count, 0), bytes.count - first)
        summary.byteCount += end - first
        let carried = carry.count
        let carriedBytes = carry
        let total = carried + (end - first)
        var position = 0

        @inline(__always) func byte(_ index: Int) -> UInt8 {
            index < carried ? carriedBytes[index] : bytes[first + index - carried]
        }

        while true {
            if inSync {
                guard total - position >= TSPacket.size else { break }
                if byte(position) == TSPacket.syncByte {
                    packet(at: position, carried: carried, input: bytes, inputStart: first)
                    position += TSPacket.size
                } else {
                    inSync = false
                    summary.syncLosses += 1
                    let found = byte(position)
                    note(.lostSync, at: carryOffset + position, "expected sync byte 0x47, found \(hexByte(found))")
                }
            } else {
                let before = position
                while position < total, byte(position) != TSPacket.syncByte { position += 1 }
                if position > before { skip(from: carryOffset + before, count: position - before) }
                guard total - position > TSPacket.size else { break }
                if byte(position + TSPacket.size) == TSPacket.syncByte {
                    inSync = true
                } else {
                    skip(from: carryOffset + position, count: 1)
                    position += 1
                }
            }
        }

        // Keep what is undecided (fewer than 189 bytes) for the next call.
        if position < carried {
            carry.removeFirst(position)
            carry.append(contentsOf: bytes[first..<end])
        } else {
            let from = first + position - carried
            carry.removeAll(keepingCapacity: true)
            carry.append(contentsOf: bytes[from..<end])
        }
        carryOffset += position
    }

    /// The summary of everything consumed so far, treating the input as ended: a final packet that cannot be
    /// confirmed by the next sync byte is accepted when complete, and a cut-off packet is counted in
    /// ``TSSummary/truncatedTailBytes``. Does not change the analyzer; more bytes may still be consumed.
    public func finish() -> TSSummary {
        var copy = self
        copy.finishTail()
        return copy.makeSummary()
    }

    // MARK: - Internals

    private mutating func finishTail() {
        guard !carry.isEmpty else { return }
        // In sync, or searching with a 0x47 first (the search skips everything else): the carry starts a packet.
        if carry.count >= TSPacket.size, carry[0] == TSPacket.syncByte {
            packet(at: 0, carried: carry.count, input: [], inputStart: 0)
            let rest = carry.count - TSPacket.size
            if rest > 0 { skip(from: carryOffset + TSPacket.size, count: rest) }
        } else if carry[0] == TSPacket.syncByte {
            let count = carry.count
            summary.truncatedTailBytes = count
            note(
                .truncated, at: carryOffset,
                "expected a 188-byte transport packet, found only \(count) bytes before the end")
        } else {
            skip(from: carryOffset, count: carry.count)
        }
        carryOffset += carry.count
        carry.removeAll()
    }

    private mutating func skip(from offset: Int, count: Int) {
        if summary.skippedBytes == 0, summary.packetCount == 0, summary.syncLosses == 0 {
            note(.notTransportStream, at: offset, "expected sync byte 0x47, found other bytes; searching for sync")
        }
        summary.skippedBytes += count
    }

    private mutating func note(_ code: MediaError.Code, at offset: Int, _ message: @autoclosure () -> String) {
        summary.anomalyCount += 1
        if summary.anomalies.count < Self.anomalyLimit {
            summary.anomalies.append(MediaError(code: code, offset: offset, message: message()))
        }
    }

    /// Processes the 188 bytes at `position` of (carry ++ input[inputStart...]).
    private mutating func packet(at position: Int, carried: Int, input: [UInt8], inputStart: Int) {
        let offset = carryOffset + position
        if position + TSPacket.size <= carried {
            analyzePacket(in: carry, at: position, streamOffset: offset)
        } else if position >= carried {
            analyzePacket(in: input, at: inputStart + position - carried, streamOffset: offset)
        } else {
            var buffer = scratch
            scratch = []
            for index in 0..<TSPacket.size {
                let source = position + index
                buffer[index] = source < carried ? carry[source] : input[inputStart + source - carried]
            }
            analyzePacket(in: buffer, at: 0, streamOffset: offset)
            scratch = buffer
        }
    }

    private mutating func slot(for pid: UInt16) -> Int {
        let existing = slotOfPID[Int(pid & 0x1FFF)]
        if existing >= 0 { return Int(existing) }
        states.append(PIDState(pid: pid))
        slotOfPID[Int(pid & 0x1FFF)] = Int32(states.count - 1)
        return states.count - 1
    }

    private mutating func analyzePacket(in bytes: [UInt8], at start: Int, streamOffset: Int) {
        summary.packetCount += 1
        let parsed: TSPacket
        switch TSPacket.decodeChecked(bytes, at: start) {
        case .success(let packet):
            parsed = packet
        case .failure(let defect):
            let pid = UInt16(bytes[start + 1] & 0x1F) << 8 | UInt16(bytes[start + 2])
            states[slot(for: pid)].packets += 1
            if case .reservedAdaptationFieldControl = defect {
                summary.reservedAdaptationFieldControlPackets += 1
            } else {
                summary.badAdaptationFieldPackets += 1
            }
            let error = defect.error(at: streamOffset)
            note(error.code, at: error.offset ?? streamOffset, error.message)
            return
        }
        let index = slot(for: parsed.pid)
        states[index].packets += 1
        if parsed.transportErrorIndicator {
            summary.transportErrorPackets += 1
            note(.transportError, at: streamOffset + 1, "transport_error_indicator is set on PID \(hexPID(parsed.pid))")
            return
        }
        if parsed.scramblingControl != 0 { summary.scrambledPackets += 1 }
        guard parsed.pid != TSPacket.nullPID else { return }
        checkContinuity(parsed, slot: index, streamOffset: streamOffset)
        if let pcr = parsed.pcr {
            recordPCR(
                pcr, slot: index, streamOffset: streamOffset,
                discontinuity: parsed.adaptationField?.discontinuityIndicator ?? false)
        }
        if parsed.payloadUnitStartIndicator, parsed.payloadLength > 0, parsed.scramblingControl == 0 {
            if parsed.pid == TSPacket.patPID || summary.programs.contains(where: { $0.pmtPID == parsed.pid }) {
                readSection(
                    bytes, payloadStart: start + parsed.payloadOffset, packetEnd: start + TSPacket.size,
                    streamOffset: streamOffset + parsed.payloadOffset)
            }
        }
    }

    private mutating func checkContinuity(_ packet: TSPacket, slot index: Int, streamOffset: Int) {
        let cc = Int8(packet.continuityCounter)
        if packet.adaptationField?.discontinuityIndicator == true {
            states[index].lastCC = packet.adaptationFieldControl.hasPayload ? cc : -1
            states[index].repeatedOnce = false
            return
        }
        guard packet.adaptationFieldControl.hasPayload else { return }
        let last = states[index].lastCC
        defer { states[index].lastCC = cc }
        guard last >= 0 else { return }
        if cc == (last + 1) & 0x0F {
            states[index].repeatedOnce = false
        } else if cc == last, !states[index].repeatedOnce {
            states[index].repeatedOnce = true
            states[index].duplicates += 1
            summary.duplicatePackets += 1
        } else {
            let missing = Int((cc - last - 1) & 0x0F)
            states[index].repeatedOnce = false
            states[index].continuityErrors += 1
            states[index].missing += missing
            summary.continuityErrors += 1
            note(
                .continuityError, at: streamOffset + 3,
                "PID \(hexPID(packet.pid)): expected continuity counter \((last + 1) & 0x0F), found \(cc)")
        }
    }

    private mutating func recordPCR(
        _ pcr: ProgramClockReference, slot index: Int, streamOffset: Int, discontinuity: Bool
    ) {
        var state = states[index]
        states[index].points = []  // keep the array uniquely referenced while `state` is modified
        defer { states[index] = state }
        state.pcrCount += 1
        guard state.pcrCount > 1 else {
            state.firstPCR = pcr
            state.lastPCR = pcr
            state.firstPCROffset = streamOffset
            state.lastPCROffset = streamOffset
            if keepPCRTimeline { state.points.append(PCRPoint(offset: streamOffset, ticks: 0)) }
            return
        }
        let step = pcr.ticks(since: state.lastPCR)
        let bytes = Int64(streamOffset - state.lastPCROffset)
        if discontinuity || step == 0 || step > Self.maximumPCRStepTicks {
            state.discontinuities += 1
            // Continue the timeline at the average rate so far, so that it never jumps or runs backwards.
            if state.spanBytes > 0 {
                state.timeline = saturatingAdd(state.timeline, mulDiv(bytes, state.spanTicks, state.spanBytes))
            }
        } else {
            state.spanBytes += bytes
            state.spanTicks += step
            state.intervals += 1
            state.maxInterval = max(state.maxInterval, step)
            state.timeline = saturatingAdd(state.timeline, step)
        }
        state.lastPCR = pcr
        state.lastPCROffset = streamOffset
        if keepPCRTimeline { state.points.append(PCRPoint(offset: streamOffset, ticks: state.timeline)) }
    }

    private mutating func readSection(_ bytes: [UInt8], payloadStart: Int, packetEnd: Int, streamOffset: Int) {
        switch PSISection.decode(bytes, payloadStart: payloadStart, packetEnd: packetEnd) {
        case .pat(let version, let programs):
            summary.patSections += 1
            guard Int(version) != patVersion || summary.programs.count != programs.count else { return }
            patVersion = Int(version)
            summary.programs = programs.map { entry in
                summary.programs.first { $0.programNumber == entry.number && $0.pmtPID == entry.pmtPID }
                    ?? ProgramInfo(programNumber: entry.number, pmtPID: entry.pmtPID)
            }
        case .pmt(let number, let version, let pcrPID, let streams):
            summary.pmtSections += 1
            guard let index = summary.programs.firstIndex(where: { $0.programNumber == number }) else { return }
            let pmtPID = summary.programs[index].pmtPID
            guard pmtVersions[pmtPID] != version || summary.programs[index].pcrPID == nil else { return }
            pmtVersions[pmtPID] = version
            summary.programs[index].pcrPID = pcrPID
            summary.programs[index].streams = streams
        case .otherTable:
            break
        case .spansPackets:
            summary.sectionsSpanningPackets += 1
        case .badCRC:
            summary.sectionCRCErrors += 1
            note(.badSection, at: streamOffset, "PSI section CRC_32 does not verify")
        case .malformed(let reason):
            summary.malformedSections += 1
            note(.badSection, at: streamOffset, "malformed PSI section: \(reason)")
        }
    }

    private func makeSummary() -> TSSummary {
        var result = summary
        var streamTypes: [UInt16: UInt8] = [:]
        for program in result.programs {
            for stream in program.streams where streamTypes[stream.pid] == nil {
                streamTypes[stream.pid] = stream.streamType
            }
        }
        result.pids = states.sorted { $0.pid < $1.pid }.map { state in
            PIDSummary(
                pid: state.pid, packets: state.packets, continuityErrors: state.continuityErrors,
                duplicatePackets: state.duplicates, missingPackets: state.missing, pcrCount: state.pcrCount,
                streamType: streamTypes[state.pid])
        }
        var chosen: PIDState?
        if let declared = result.programs.first?.pcrPID, declared != TSPacket.nullPID {
            let slot = slotOfPID[Int(declared & 0x1FFF)]
            if slot >= 0, states[Int(slot)].pcrCount >= 2 { chosen = states[Int(slot)] }
        }
        if chosen == nil {
            for state in states where state.pcrCount >= 2 {
                if let best = chosen,
                    best.pcrCount > state.pcrCount
                        || (best.pcrCount == state.pcrCount && best.pid < state.pid)
                {
                    continue
                }
                chosen = state
            }
        }
        if let state = chosen {
            result.pcrPID = state.pid
            result.pcr = PCRStatistics(
                pid: state.pid, count: state.pcrCount, first: state.firstPCR, last: state.lastPCR,
                firstOffset: state.firstPCROffset, lastOffset: state.lastPCROffset, spanBytes: state.spanBytes,
                spanTicks: state.spanTicks, intervals: state.intervals, maxIntervalTicks: state.maxInterval,
                discontinuities: state.discontinuities, timeline: state.points)
        }
        return result
    }
}
