import Foundation
import SimCore

/// The same scenario run in several variants, side by side (`nicsim compare`).
public struct Comparison: Codable, Hashable, Sendable {
    /// One run: its label (the overrides that made it) and its report.
    public struct Variant: Codable, Hashable, Sendable {
        public var label: String
        public var report: Report
        public init(label: String, report: Report) {
            self.label = label
            self.report = report
        }
    }

    public var scenario: String
    public var variants: [Variant]

    public init(scenario: String, variants: [Variant]) {
        self.scenario = scenario
        self.variants = variants
    }

    /// Every combination of the values given per key, in the order given (the first key varies slowest).
    public static func combinations(_ sets: [(path: [String], values: [String])]) -> [[ScenarioOverride]] {
        var result: [[ScenarioOverride]] = [[]]
        for set in sets {
            result = result.flatMap { prefix in set.values.map { prefix + [ScenarioOverride(path: set.path, value: $0)] } }
        }
        return result
    }

    /// The rows of the side-by-side table: a name and one value per variant.
    public var rows: [(name: String, values: [String])] {
        func row(_ name: String, _ value: (Report.HostReport, Report) -> String) -> (String, [String]) {
            (name, variants.map { v in v.report.hosts.first.map { value($0, v.report) } ?? "-" })
        }
        var rows: [(String, [String])] = [
            row("system calls") { h, _ in "\(h.syscalls)" },
            row("context switches") { h, _ in "\(h.contextSwitches)" },
            row("CPU-copied bytes") { h, _ in "\(h.cpuCopiedBytes)" },
            row("sends described") { h, _ in "\(h.sends)" },
            row("descriptors written") { h, _ in "\(h.descriptorsWritten)" },
            row("doorbells") { h, _ in "\(h.doorbells)" },
            row("interrupts") { h, _ in "\(h.interrupts)" },
            row("frames transmitted") { h, _ in "\(h.framesTransmitted)" },
            row("cycles") { h, _ in "\(h.cyclesTotal)" },
        ]
        let categories = variants.first?.report.hosts.first?.cycles.keys.sorted() ?? []
        for c in categories { rows.append(row("  cycles: \(c)") { h, _ in "\(h.cycles[c] ?? 0)" }) }
        rows += [
            row("cycles per datagram") { h, _ in h.framesTransmitted == 0 ? "-" : "\(h.cyclesTotal / Int64(h.framesTransmitted))" },
            row("cycles per KiB payload") { h, r in
                let bytes = r.destinations.reduce(0) { $0 + Int64($1.payloadBytes) }
                return bytes == 0 ? "-" : "\(h.cyclesTotal * 1024 / bytes)"
            },
            row("streams per core") { _, r in "\(r.streamsPerCore)" },
            row("mean write completion") { h, _ in "\(SimDuration(rawValue: h.meanWriteCompletionPs))" },
            row("peak switch port bytes") { _, r in "\(r.switchPorts.map(\.peakOccupancyBytes).max() ?? 0)" },
            row("switch drops") { _, r in "\(r.switchPorts.reduce(0) { $0 + $1.drops })" },
            row("set-top box max MDI DF") { _, r in
                let dfs = r.receivers.compactMap { $0.setTopBox?.mdiDelayFactorPs }
                return dfs.isEmpty ? "-" : "\(SimDuration(rawValue: dfs.max() ?? 0))"
            },
            row("set-top box underflows") { _, r in
                let boxes = r.receivers.compactMap(\.setTopBox)
                return boxes.isEmpty ? "-" : "\(boxes.reduce(0) { $0 + $1.underflows })"
            },
            row("receivers intact") { _, r in "\(r.receivers.filter { $0.intact == true }.count)/\(r.receivers.filter { $0.intact != nil }.count)" },
        ]
        return rows
    }

    /// The table as aligned text.
    public func text() -> String {
        var out = "nicsim compare: \(scenario)\n\n"
        out += table(["", ] + variants.map(\.label), rows.map { [$0.name] + $0.values })
        return out
    }

    /// The comparison as pretty-printed JSON with sorted keys.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
