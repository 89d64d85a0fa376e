import ScenarioFormat
import ScenarioWorld
import SimCore

extension ExpectationMetric {
    /// How a figure is read from a report, given the name after the dot (nil: none); nil when the run has no such
    /// figure (no set-top box, no such receiver).
    typealias Reader = @Sendable (Report, String?) -> Double?

    /// The figure read from `report`, or nil when the run has no such figure.
    func read(_ report: Report, _ qualifier: String?) -> Double? {
        ExpectationMetric.reader(for: name)?(report, qualifier)
    }

    /// How the figure named `name` (one of ``ExpectationMetric/all``, which the file format declares) is read;
    /// nil for a name the reports do not know (ExpectationsTests checks there is none).
    static func reader(for name: String) -> Reader? {
        switch name {
        case "interrupts": return host { Double($0.interrupts) }
        case "interrupts-per-write":
            return host { $0.writes == 0 ? 0 : Double($0.interrupts) / Double($0.writes) }
        case "syscalls": return host { Double($0.syscalls) }
        case "doorbells": return host { Double($0.doorbells) }
        case "descriptors-written": return host { Double($0.descriptorsWritten) }
        case "frames-transmitted": return host { Double($0.framesTransmitted) }
        case "ring-full-stalls": return host { Double($0.ringFullStalls) }
        case "nic-errors": return host { Double($0.nicErrors) }
        case "cycles": return host { Double($0.cyclesTotal) }
        case "cpu-copied-bytes": return host { Double($0.cpuCopiedBytes) }
        case "late-frames": return host { Double($0.nic.lateFrames) }
        case "late-frames-dropped": return host { Double($0.nic.lateFramesDropped) }
        case "write-completion": return host { Double($0.meanWriteCompletionPs) }
        case "writes-completed": return host { Double($0.writesCompleted) }
        case "translation-misses": return host { Double($0.translationMisses) }
        case "iotlb-misses": return host { Double($0.nic.iotlbMisses) }
        case "rx-drops": return host { Double($0.nic.rxDroppedNoBuffer) }

        case "switch-peak":
            return { r, q in
                let ports = q.map { q in r.switchPorts.filter { $0.peer == q } } ?? r.switchPorts
                return ports.isEmpty ? nil : Double(ports.map(\.peakOccupancyBytes).max() ?? 0)
            }
        case "switch-drops":
            return { r, q in
                let ports = q.map { q in r.switchPorts.filter { $0.peer == q } } ?? r.switchPorts
                return ports.isEmpty ? nil : Double(ports.reduce(0) { $0 + $1.drops })
            }

        case "datagrams": return receiver { Double($0.datagrams) }
        case "payload-bytes": return receiver { Double($0.payloadBytes) }
        case "bad-checksums": return receiver { Double($0.badChecksums) }
        case "intact":
            return { r, q in
                let chosen = (q.map { q in r.receivers.filter { $0.name == q } } ?? r.receivers).compactMap(\.intact)
                return chosen.isEmpty ? nil : (chosen.allSatisfy { $0 } ? 1 : 0)
            }
        case "underflows": return receiver { $0.setTopBox.map { Double($0.underflows) } }
        case "overflows": return receiver { $0.setTopBox.map { Double($0.overflows) } }
        case "continuity-errors": return receiver { $0.setTopBox.map { Double($0.continuityErrors) } }
        case "rtp-lost": return receiver { $0.setTopBox.map { Double($0.rtpLost) } }
        case "jitter": return receiver(max: true) { $0.setTopBox.map { Double($0.jitterPs) } }
        case "mdi-df": return receiver(max: true) { $0.setTopBox.map { Double($0.mdiDelayFactorPs) } }
        case "gap-p99": return receiver(max: true) { $0.setTopBox.map { Double($0.gapP99Ns) * 1000 } }
        case "gap-max": return receiver(max: true) { $0.setTopBox.map { Double($0.gapMaxNs) * 1000 } }

        case "segments":
            return { r, q in
                let d = q.map { q in r.destinations.filter { $0.receiver == q } } ?? r.destinations
                return d.isEmpty ? nil : Double(d.reduce(0) { $0 + $1.segments })
            }
        case "refused-calls": return { r, _ in Double(r.refusedCalls) }
        case "streams-per-core": return { r, _ in Double(r.streamsPerCore) }
        case "events": return { r, _ in Double(r.events) }
        case "end-time": return { r, _ in Double(r.endTimePs) }
        default: return nil
        }
    }

    /// A figure of the server, or of the host named after the dot.
    static func host(_ value: @escaping @Sendable (Report.HostReport) -> Double) -> Reader {
        { report, q in
            let host = q.map { q in report.hosts.first { $0.name == q } } ?? report.hosts.first
            return host.map(value)
        }
    }

    /// A figure summed (or, with `max`, the largest) over the receivers, or of the receiver named after the dot.
    static func receiver(max: Bool = false, _ value: @escaping @Sendable (Report.ReceiverReport) -> Double?) -> Reader {
        { r, q in
            let chosen = q.map { q in r.receivers.filter { $0.name == q } } ?? r.receivers
            let values = chosen.compactMap(value)
            guard !values.isEmpty else { return nil }
            return max ? values.max() : values.reduce(0, +)
        }
    }
}

extension Report {
    /// The report with the results of `expectations` filled in.
    func checked(against expectations: [ExpectationSpec]) -> Report {
        var report = self
        report.expectations = expectations.map { e in
            guard let metric = ExpectationMetric.named(e.metric) else {
                return ExpectationResult(
                    name: e.name, actual: nil, passed: false, message: "unknown figure \(e.metric)")
            }
            guard let actual = metric.read(self, e.qualifier) else {
                return ExpectationResult(name: e.name, actual: nil, passed: false,
                                         message: "the run has no such figure (\(metric.summary))")
            }
            let passed = e.comparison.holds(actual, e.bound)
            return ExpectationResult(name: e.name, actual: actual, passed: passed,
                                     message: passed ? nil : "measured \(ExpectationSpec.format(actual, metric.unit))")
        }
        return report
    }

    /// The expectations that failed.
    public var failedExpectations: [ExpectationResult] { expectations.filter { !$0.passed } }
}

extension ExpectationSpec {
    /// A figure in its unit, for messages.
    static func format(_ v: Double, _ unit: ExpectationMetric.Unit) -> String {
        func number(_ x: Double) -> String {
            x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format3(x))
        }
        switch unit {
        case .count: return number(v)
        case .bytes: return number(v) + " B"
        case .ratio: return number(v)
        case .yesNo: return v != 0 ? "yes" : "no"
        case .time:
            return v.isFinite && abs(v) < 9e18 ? SimDuration(rawValue: Int64(v)).description : number(v)
        }
    }

    static func format3(_ x: Double) -> String {
        let scaled = (x * 1000).rounded() / 1000
        return "\(scaled)"
    }
}
