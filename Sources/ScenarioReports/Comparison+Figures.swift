import ScenarioFormat
import ScenarioWorld
import SimCore

extension Comparison {
    /// One figure of a report as the comparison table shows it.
    ///
    /// ``number`` is what a sweep averages over seeds: the count, the duration in picoseconds of virtual time, or
    /// the part of a fraction ("2/3 receivers intact" counts 2).
    public enum Figure: Hashable, Sendable, CustomStringConvertible {
        /// A count or a quantity without a unit (cycles, bytes, interrupts).
        case count(Int64)
        /// A duration in picoseconds of virtual time.
        case duration(Int64)
        /// `part` of `whole` (receivers whose bytes arrived intact, of those judged).
        case fraction(part: Int64, whole: Int64)

        /// The table's text: the count, the duration with its unit, or "part/whole".
        public var description: String {
            switch self {
            case .count(let n): "\(n)"
            case .duration(let ps): "\(SimDuration(rawValue: ps))"
            case .fraction(let part, let whole): "\(part)/\(whole)"
            }
        }

        /// The value a sweep averages: the count, picoseconds, or the part of a fraction.
        public var number: Int64 {
            switch self {
            case .count(let n): n
            case .duration(let ps): ps
            case .fraction(let part, _): part
            }
        }

        /// The unit appended to the figure's name where numbers stand alone (CSV, JSON): "ps" for durations.
        public var unit: String? {
            if case .duration = self { return "ps" }
            return nil
        }
    }

    /// The names of the table's rows, in order: fixed figures, then one row per cycle category, then more fixed
    /// figures.
    public static func figureNames(cycleCategories: [String]) -> [String] {
        ["system calls", "context switches", "CPU-copied bytes", "sends described", "descriptors written", "doorbells",
         "interrupts", "frames transmitted", "cycles"]
            + cycleCategories.map { "  cycles: \($0)" }
            + ["cycles per datagram", "cycles per KiB payload", "streams per core", "mean write completion",
               "peak switch port bytes", "switch drops", "set-top box max MDI DF", "set-top box underflows",
               "receivers intact"]
    }

    /// The figures of one report, one per name of ``figureNames(cycleCategories:)`` (nil where a figure does not
    /// apply: no server host, no datagram sent, no set-top box).
    public static func figures(of r: Report, cycleCategories: [String]) -> [Figure?] {
        guard let h = r.hosts.first else {
            return Array(repeating: nil, count: figureNames(cycleCategories: cycleCategories).count)
        }
        var out: [Figure?] = [
            .count(Int64(clamping: h.syscalls)), .count(Int64(clamping: h.contextSwitches)),
            .count(Int64(clamping: h.cpuCopiedBytes)), .count(Int64(clamping: h.sends)),
            .count(Int64(clamping: h.descriptorsWritten)), .count(Int64(clamping: h.doorbells)),
            .count(Int64(clamping: h.interrupts)), .count(Int64(clamping: h.framesTransmitted)),
            .count(h.cyclesTotal),
        ]
        out += cycleCategories.map { .count(h.cycles[$0] ?? 0) }
        let payload = r.destinations.reduce(0) { $0 &+ Int64(clamping: $1.payloadBytes) }
        let dfs = r.receivers.compactMap { $0.setTopBox?.mdiDelayFactorPs }
        let boxes = r.receivers.compactMap(\.setTopBox)
        out += [
            h.framesTransmitted == 0 ? nil : .count(h.cyclesTotal / Int64(clamping: h.framesTransmitted)),
            payload == 0 ? nil : .count(h.cyclesTotal * 1024 / payload),
            .count(r.streamsPerCore),
            .duration(h.meanWriteCompletionPs),
            .count(Int64(r.switchPorts.map(\.peakOccupancyBytes).max() ?? 0)),
            .count(Int64(r.switchPorts.reduce(0) { $0 + $1.drops })),
            dfs.isEmpty ? nil : .duration(dfs.max() ?? 0),
            boxes.isEmpty ? nil : .count(Int64(boxes.reduce(0) { $0 + $1.underflows })),
            .fraction(part: Int64(r.receivers.filter { $0.intact == true }.count),
                      whole: Int64(r.receivers.filter { $0.intact != nil }.count)),
        ]
        return out
    }
}
