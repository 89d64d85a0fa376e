import SimCore

/// The text behind `nicsim media inspect FILE`: a transport stream's bit rate, PCR spacing, duration and PIDs.
public enum MediaInspector {
    /// Analyzes `bytes` as an MPEG transport stream and describes it in a few aligned lines.
    ///
    /// The output is deterministic (PIDs in ascending order, fixed-point numbers) and ends with a newline.
    /// Anomalies (lost sync, continuity errors, a truncated last packet …) are listed with their byte offsets.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - name: the file name to print in the first line.
    /// - Throws: ``MediaError`` when the bytes are empty, shorter than a packet, or not a transport stream.
    public static func inspect(bytes: [UInt8], name: String) throws(MediaError) -> String {
        let summary = try TSAnalyzer.analyze(bytes)
        return describe(summary, name: name)
    }

    /// Describes an existing analysis; see ``inspect(bytes:name:)``.
    public static func describe(_ summary: TSSummary, name: String) -> String {
        var lines: [String] = []
        lines.append("\(name): MPEG transport stream")
        lines.append(row("size", "\(summary.byteCount) bytes, \(summary.packetCount) packets of 188 bytes"))
        if let pcr = summary.pcr, let rate = pcr.roundedBitsPerSecond {
            lines.append(
                row(
                    "bit rate",
                    "\(rate) b/s (\(megabits(rate)) Mb/s) from PCR on PID \(hexPID(pcr.pid)): "
                        + "\(pcr.spanBytes) bytes in \(pcr.spanTicks) ticks of 27 MHz"))
            lines.append(
                row(
                    "PCR spacing",
                    "max \(pcr.maxInterval), mean \(pcr.meanInterval) over \(pcr.count) PCRs"
                        + (pcr.discontinuities > 0 ? ", \(pcr.discontinuities) discontinuities" : "")))
            let duration = summary.duration.map { "\($0)" } ?? "unknown"
            lines.append(row("duration", "\(duration) at the PCR bit rate; PCR span \(pcr.span)"))
        } else {
            lines.append(row("bit rate", "unknown: no PID carries two PCRs"))
            lines.append(row("PCR spacing", "none"))
            lines.append(row("duration", "unknown"))
        }
        if summary.programs.isEmpty {
            lines.append(row("programs", summary.patSections > 0 ? "PAT lists none" : "no PAT"))
        }
        for program in summary.programs {
            let pcrText = program.pcrPID.map { "PCR PID \(hexPID($0))" } ?? "no PMT seen"
            lines.append(row("program \(program.programNumber)", "PMT PID \(hexPID(program.pmtPID)), \(pcrText)"))
        }
        lines.append("  PIDs:")
        let width = String(summary.pids.map(\.packets).max() ?? 0).count
        for pid in summary.pids {
            var text =
                "    \(hexPID(pid.pid))  \(pad(String(pid.packets), width)) packets  \(role(of: pid, in: summary))"
            if pid.pcrCount > 0 { text += ", \(pid.pcrCount) PCRs" }
            if pid.continuityErrors > 0 { text += ", \(pid.continuityErrors) continuity errors" }
            if pid.duplicatePackets > 0 { text += ", \(pid.duplicatePackets) duplicates" }
            lines.append(text)
        }
        lines.append(row("anomalies", anomalyText(summary)))
        for anomaly in summary.anomalies {
            lines.append("    \(anomaly)")
        }
        if summary.anomalyCount > summary.anomalies.count {
            lines.append("    … and \(summary.anomalyCount - summary.anomalies.count) more")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func anomalyText(_ s: TSSummary) -> String {
        var parts: [String] = []
        if s.skippedBytes > 0 { parts.append("\(s.skippedBytes) bytes outside packets") }
        if s.syncLosses > 0 { parts.append("\(s.syncLosses) sync losses") }
        if s.truncatedTailBytes > 0 { parts.append("last packet truncated to \(s.truncatedTailBytes) bytes") }
        if s.transportErrorPackets > 0 { parts.append("\(s.transportErrorPackets) transport errors") }
        if s.continuityErrors > 0 { parts.append("\(s.continuityErrors) continuity errors") }
        if s.duplicatePackets > 0 { parts.append("\(s.duplicatePackets) duplicate packets") }
        let badAF = s.badAdaptationFieldPackets + s.reservedAdaptationFieldControlPackets
        if badAF > 0 { parts.append("\(badAF) packets with a bad adaptation field") }
        if s.sectionCRCErrors > 0 { parts.append("\(s.sectionCRCErrors) PSI CRC errors") }
        if s.malformedSections > 0 { parts.append("\(s.malformedSections) malformed PSI sections") }
        if let pcr = s.pcr, pcr.discontinuities > 0 { parts.append("\(pcr.discontinuities) PCR discontinuities") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    static func role(of pid: PIDSummary, in summary: TSSummary) -> String {
        if let type = pid.streamType {
            return "\(ElementaryStreamInfo.name(ofStreamType: type)) (stream type \(hexByte(type)))"
        }
        if let program = summary.programs.first(where: { $0.pmtPID == pid.pid }) {
            return "PMT of program \(program.programNumber)"
        }
        switch pid.pid {
        case 0x0000: return "PAT"
        case 0x0001: return "CAT"
        case 0x0010: return "NIT"
        case 0x0011: return "SDT/BAT"
        case 0x0012: return "EIT"
        case 0x0014: return "TDT/TOT"
        case TSPacket.nullPID: return "null packets"
        default: return "not in PMT"
        }
    }

    static func row(_ label: String, _ value: String) -> String {
        "  " + pad(label + ":", 14, right: true) + " " + value
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? text + fill : fill + text
    }

    /// Bits per second as megabits with three decimals, e.g. `2.000`.
    static func megabits(_ bitsPerSecond: Int64) -> String {
        let thousandths = (bitsPerSecond + 500) / 1000
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
