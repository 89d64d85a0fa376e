/// One program of a transport stream as its PAT and PMT describe it.
public struct ProgramInfo: Hashable, Sendable {
    /// program_number from the PAT (1–65535).
    public var programNumber: UInt16
    /// The PID that carries the program's PMT.
    public var pmtPID: UInt16
    /// PCR_PID from the PMT, once a PMT has been read; 0x1FFF means the program has no PCR.
    public var pcrPID: UInt16?
    /// The elementary streams the PMT lists, in PMT order; empty until a PMT has been read.
    public var streams: [ElementaryStreamInfo]

    /// Creates a program entry.
    public init(programNumber: UInt16, pmtPID: UInt16, pcrPID: UInt16? = nil, streams: [ElementaryStreamInfo] = []) {
        self.programNumber = programNumber
        self.pmtPID = pmtPID
        self.pcrPID = pcrPID
        self.streams = streams
    }
}

/// One elementary stream listed in a PMT.
public struct ElementaryStreamInfo: Hashable, Sendable {
    /// elementary_PID: the PID carrying the stream.
    public var pid: UInt16
    /// stream_type (ISO/IEC 13818-1 Table 2-34): 0x1B H.264, 0x02 MPEG-2 video, 0x03/0x04 MPEG audio, 0x0F AAC …
    public var streamType: UInt8

    /// Creates a stream entry.
    public init(pid: UInt16, streamType: UInt8) {
        self.pid = pid
        self.streamType = streamType
    }

    /// A readable name for ``streamType``, like `H.264 video`.
    public var streamTypeName: String { Self.name(ofStreamType: streamType) }

    /// A readable name for a stream_type value; `stream type 0xNN` for values this module does not name.
    public static func name(ofStreamType type: UInt8) -> String {
        switch type {
        case 0x01: return "MPEG-1 video"
        case 0x02: return "MPEG-2 video"
        case 0x03: return "MPEG-1 audio"
        case 0x04: return "MPEG-2 audio"
        case 0x06: return "private PES data"
        case 0x0F: return "AAC audio (ADTS)"
        case 0x10: return "MPEG-4 video"
        case 0x11: return "AAC audio (LATM)"
        case 0x1B: return "H.264 video"
        case 0x24: return "HEVC video"
        case 0x81: return "AC-3 audio"
        case 0x87: return "E-AC-3 audio"
        default: return "stream type \(hexByte(type))"
        }
    }
}

/// Decoding of the two PSI tables the analyzer needs: PAT (table_id 0) and PMT (table_id 2).
///
/// Only sections that lie wholly inside one packet's payload are decoded; longer ones are counted, not read.
enum PSISection {
    /// The outcome of looking at the section that starts in a PUSI packet.
    enum Outcome {
        case pat(version: UInt8, programs: [(number: UInt16, pmtPID: UInt16)])
        case pmt(programNumber: UInt16, version: UInt8, pcrPID: UInt16, streams: [ElementaryStreamInfo])
        case otherTable
        case spansPackets
        case malformed(reason: String)
        case badCRC
    }

    /// Reads the section starting in the payload `payloadStart ..< packetEnd` (pointer_field first).
    static func decode(_ bytes: [UInt8], payloadStart: Int, packetEnd: Int) -> Outcome {
        guard payloadStart < packetEnd, packetEnd <= bytes.count else { return .malformed(reason: "empty payload") }
        let start = payloadStart + 1 + Int(bytes[payloadStart])
        guard packetEnd - start >= 3 else { return .malformed(reason: "pointer_field points past the packet") }
        let tableID = bytes[start]
        guard tableID == 0x00 || tableID == 0x02 else { return .otherTable }
        guard bytes[start + 1] & 0x80 != 0 else { return .malformed(reason: "section_syntax_indicator is 0") }
        let sectionLength = Int(bytes[start + 1] & 0x0F) << 8 | Int(bytes[start + 2])
        let end = start + 3 + sectionLength
        guard end <= packetEnd else { return .spansPackets }
        // Fixed part (5 bytes after the length) plus the CRC.
        guard sectionLength >= 9 else { return .malformed(reason: "section_length \(sectionLength) is under 9") }
        guard MPEGCRC32.checksum(bytes, from: start, count: end - start) == 0 else { return .badCRC }
        let version = (bytes[start + 5] >> 1) & 0x1F
        let bodyEnd = end - 4
        if tableID == 0x00 {
            var programs: [(number: UInt16, pmtPID: UInt16)] = []
            var entry = start + 8
            while bodyEnd - entry >= 4 {
                let number = UInt16(bytes[entry]) << 8 | UInt16(bytes[entry + 1])
                let pid = UInt16(bytes[entry + 2] & 0x1F) << 8 | UInt16(bytes[entry + 3])
                if number != 0 { programs.append((number, pid)) }
                entry += 4
            }
            return .pat(version: version, programs: programs)
        }
        guard bodyEnd - (start + 8) >= 4 else { return .malformed(reason: "PMT shorter than its fixed fields") }
        let programNumber = UInt16(bytes[start + 3]) << 8 | UInt16(bytes[start + 4])
        let pcrPID = UInt16(bytes[start + 8] & 0x1F) << 8 | UInt16(bytes[start + 9])
        let infoLength = Int(bytes[start + 10] & 0x0F) << 8 | Int(bytes[start + 11])
        var entry = start + 12 + infoLength
        guard entry <= bodyEnd else { return .malformed(reason: "program_info_length runs past the section") }
        var streams: [ElementaryStreamInfo] = []
        while bodyEnd - entry >= 5 {
            let type = bytes[entry]
            let pid = UInt16(bytes[entry + 1] & 0x1F) << 8 | UInt16(bytes[entry + 2])
            let esInfoLength = Int(bytes[entry + 3] & 0x0F) << 8 | Int(bytes[entry + 4])
            streams.append(ElementaryStreamInfo(pid: pid, streamType: type))
            entry += 5 + esInfoLength
        }
        guard entry == bodyEnd else { return .malformed(reason: "ES_info_length runs past the section") }
        return .pmt(programNumber: programNumber, version: version, pcrPID: pcrPID, streams: streams)
    }
}
