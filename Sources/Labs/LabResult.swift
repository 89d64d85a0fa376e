import Scenarios

/// A lab after it ran: the reports of its variants and, for every stated number, what the run measured.
public struct LabResult: Sendable {
    /// One stated number and what the run gave.
    public struct Measurement: Sendable, Hashable {
        /// The number as the lab states it.
        public var number: Lab.Number
        /// nil when the report has no such value (a name the scenario lacks).
        public var measured: Int64?
        /// The measured value is the stated one, within the tolerance.
        public var matches: Bool { measured.map(number.accepts) ?? false }
        /// The measured value as the lab prints it.
        public var measuredText: String { measured.map(number.metric.unit.format) ?? "missing" }
    }

    /// The lab that ran.
    public var lab: Lab
    /// The variants' reports, side by side as `nicsim compare` shows them.
    public var comparison: Comparison
    /// Every stated number with what the run measured, in the lab's order.
    public var measurements: [Measurement]
    /// What Linux measured (the real-network lab only).
    public var linux: LinuxObservation?
    /// What the lab did to the machine, line by line (the real-network lab only).
    public var notes: [String]

    /// Every stated number was measured within its tolerance.
    public var allMatch: Bool { measurements.allSatisfy(\.matches) }

    /// The lab as `nicsim lab NAME` prints it: question, command, the output the command prints, what to look
    /// at, the numbers (stated and measured) and the answer.
    public func text() -> String {
        var out = "Lab \(lab.name): \(lab.title)\n"
        out += "Claim group: \(lab.group.rawValue)\n\n"
        out += "Question\n" + wrap(lab.question, indent: "  ")
        out += "\nType this (from the repository root) to see it yourself\n"
        out += lab.commands.map { shellLines($0) }.joined()
        if !notes.isEmpty {
            out += "\nWhat the lab did\n" + notes.map { "  " + $0 + "\n" }.joined()
        }
        switch lab.kind {
        case .simulation:
            out += "\nWhat it prints (just run, in virtual time)\n"
            out += comparison.text().split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
                .joined(separator: "\n")
        case .realLinux:
            if let report = comparison.variants.first?.report {
                out += "\nThe emulated server's report (paced to the wall clock)\n"
                out += report.text().split(separator: "\n", omittingEmptySubsequences: false)
                    .map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
            }
            if let linux {
                out += "\nWhat Linux saw\n"
                out += "  UDP socket 192.0.2.1:5001: \(linux.datagrams) datagrams, \(linux.bytes) bytes, "
                    + (linux.intact ? "the bytes the application wrote" : "NOT the bytes the application wrote") + "\n"
                out += "  ping 192.0.2.100: \(linux.pingSummary)\n"
            }
        }
        if !lab.pictures.isEmpty {
            out += "\nPictures: open the pages in a browser "
                + "(charts of the ring, interrupts, switch queues, arrivals, one packet's way)\n"
            out += lab.pictures.map { shellLines($0) }.joined()
        }
        out +=
            "\nTimeline: open the .pftrace at ui.perfetto.dev (a track per call, queue, port, link and receiver; arrows"
            + " follow each datagram) and the .pcapng in Wireshark (a comment on every frame)\n"
        out += shellLines(lab.timeline)
        out += "\nWhat to look at\n"
        out += lab.observe.map { wrap("- " + lab.resolve($0), indent: "  ", hanging: "    ") }.joined()
        out += "\nThe numbers (stated by this lab, measured just now)\n"
        let rows = measurements.map { m in
            [m.number.what, m.number.variant.isEmpty ? "-" : m.number.variant, m.number.statedText, m.measuredText,
             m.matches ? "yes" : "NO", m.number.metric.reportKey]
        }
        out += table(["number", "variant", "stated", "measured", "match", "report value"], rows)
        let failed = measurements.filter { !$0.matches }.count
        out += failed == 0
            ? "  All \(measurements.count) numbers are as stated.\n"
            : "  \(failed) of \(measurements.count) numbers differ from what this lab states.\n"
        out += "\nWhat it means\n" + wrap(lab.resolve(lab.answer), indent: "  ")
        return out
    }
}

/// Left-aligns the first columns and right-aligns numbers, two spaces apart.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    var widths = Array(repeating: 0, count: header.count)
    for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    let rightAligned: Set<Int> = [2, 3]
    var out = ""
    for (r, row) in all.enumerated() {
        let cells = row.enumerated().map { i, cell in
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            return rightAligned.contains(i) ? pad + cell : cell + pad
        }
        out += "  " + cells.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        if r == 0 { out += "  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
    }
    return out
}

/// A command as a student types it: `  $ ` before it, and longer than 110 columns, continued with `\\` before
/// each ` --set`.
func shellLines(_ command: String) -> String {
    if command.hasPrefix("#") { return "  " + command + "\n" }
    let prefix = "  $ "
    guard prefix.count + command.count > 110 else { return prefix + command + "\n" }
    let parts = command.split(separator: " --set ", omittingEmptySubsequences: false)
    var lines: [String] = []
    var line = prefix + parts[0]
    for part in parts.dropFirst() {
        let piece = "--set " + part
        if line.count + 1 + piece.count > 108 {
            lines.append(line + " \\")
            line = "      " + piece
        } else {
            line += " " + piece
        }
    }
    lines.append(line)
    return lines.joined(separator: "\n") + "\n"
}

/// Wraps `text` at 110 columns: `indent` before the first line, `hanging` (default: `indent`) before the rest.
func wrap(_ text: String, indent: String, hanging: String? = nil) -> String {
    let rest = hanging ?? indent
    var lines: [String] = []
    var line = indent
    var empty = true
    for word in text.split(separator: " ") {
        if !empty && line.count + 1 + word.count > 110 {
            lines.append(line)
            line = rest
            empty = true
        }
        line += (empty ? "" : " ") + word
        empty = false
    }
    lines.append(line)
    return lines.joined(separator: "\n") + "\n"
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self[...]
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
