import Yams

/// One expectation of a scenario file's `expect:` section: a report figure, a comparison and a bound.
///
/// ```yaml
/// expect:
///   interrupts-per-write: 1        # a number: equal to it
///   underflows: 0
///   switch-peak: "< 64KiB"         # an operator and a value with units
///   mdi-df.box1: "<= 10ms"         # a figure of one receiver, port or host
///   intact: true
/// ```
///
/// `nicsim run` prints each failed expectation by name and exits with status 1. ``ExpectationMetric/all`` lists
/// the figures and what they mean.
public struct ExpectationSpec: Hashable, Sendable {
    /// The figure: a name from ``ExpectationMetric/all``.
    public var metric: String
    /// A receiver, switch-port peer or host name after the dot, if any.
    public var qualifier: String?
    public var comparison: Comparison
    /// The bound in the figure's base unit (bytes, picoseconds, counts; 1 or 0 for yes/no).
    public var bound: Double
    /// The bound as written (`64KiB`, `10ms`, `true`).
    public var boundText: String
    /// Where the expectation is written.
    public var line: Int

    /// How the figure must compare to the bound.
    public enum Comparison: String, Hashable, Sendable, CaseIterable {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

        package func holds(_ actual: Double, _ bound: Double) -> Bool {
            switch self {
            case .equal: return actual == bound
            case .notEqual: return actual != bound
            case .less: return actual < bound
            case .lessOrEqual: return actual <= bound
            case .greater: return actual > bound
            case .greaterOrEqual: return actual >= bound
            }
        }
    }

    /// The expectation's name as a report shows it: `switch-peak.rx1 < 64KiB`.
    public var name: String { (qualifier.map { "\(metric).\($0)" } ?? metric) + " \(comparison.rawValue) \(boundText)" }

    public init(metric: String, qualifier: String? = nil, comparison: Comparison, bound: Double, boundText: String,
                line: Int = 0) {
        self.metric = metric
        self.qualifier = qualifier
        self.comparison = comparison
        self.bound = bound
        self.boundText = boundText
        self.line = line
    }
}

/// How one expectation came out.
public struct ExpectationResult: Codable, Hashable, Sendable {
    /// The expectation as written, e.g. `interrupts-per-write == 1`.
    public var name: String
    /// The figure measured (absent when it could not be read, e.g. no set-top box in the run).
    public var actual: Double?
    public var passed: Bool
    /// Why it failed, in words.
    public var message: String?

    package init(name: String, actual: Double?, passed: Bool, message: String?) {
        self.name = name
        self.actual = actual
        self.passed = passed
        self.message = message
    }
}

/// A report figure that expectations can name: the file format's vocabulary. How each figure is read from a run's
/// report is the reports' business (`ScenarioReports`, `Report+Expectations.swift`).
public struct ExpectationMetric: Sendable {
    public enum Unit: String, Sendable {
        case count, bytes, time, yesNo = "yes/no", ratio
    }
    public var name: String
    public var unit: Unit
    /// What the figure is; with a qualifier, which receiver, port or host it is taken from.
    public var summary: String
    /// What a qualifier names: nothing, a receiver, a switch port's peer, or a host.
    public var qualifies: Qualifier

    public enum Qualifier: Sendable {
        case none, receiver, port, host
    }

    /// Every figure, by name.
    public static let all: [ExpectationMetric] = hostMetrics + networkMetrics + receiverMetrics + runMetrics

    /// The figure named `name`.
    public static func named(_ name: String) -> ExpectationMetric? { all.first { $0.name == name } }

    static func host(_ name: String, _ unit: Unit, _ summary: String) -> ExpectationMetric {
        ExpectationMetric(name: name, unit: unit, summary: summary + " (the server, or the host named after the dot)",
                          qualifies: .host)
    }

    static let hostMetrics: [ExpectationMetric] = [
        host("interrupts", .count, "interrupt messages the NIC sent"),
        host("interrupts-per-write", .ratio, "interrupts per write call"),
        host("syscalls", .count, "system calls"),
        host("doorbells", .count, "tail-register writes"),
        host("descriptors-written", .count, "transmit descriptors the driver wrote"),
        host("frames-transmitted", .count, "frames the NIC put on the wire"),
        host("ring-full-stalls", .count, "times the driver found the transmit ring full"),
        host("nic-errors", .count, "NIC transmit errors and refused register writes"),
        host("cycles", .count, "CPU cycles spent"),
        host("cpu-copied-bytes", .bytes, "payload bytes the CPU copied"),
        host("late-frames", .count, "frames sent after their launch time"),
        host("late-frames-dropped", .count, "late frames dropped (LTCTL.DROPLATE)"),
        host("write-completion", .time, "mean time from write call to its completion"),
        host("writes-completed", .count, "write calls completed"),
        host("translation-misses", .count, "translation-buffer misses"),
        host("iotlb-misses", .count, "IOTLB misses"),
        host("rx-drops", .count, "frames the NIC dropped for want of a receive buffer"),
    ]

    static let networkMetrics: [ExpectationMetric] = [
        ExpectationMetric(
            name: "switch-peak", unit: .bytes,
            summary: "largest switch output-queue occupancy (any port, or the port to the peer named after the dot)",
            qualifies: .port),
        ExpectationMetric(
            name: "switch-drops", unit: .count, summary: "frames the switch dropped (all ports, or one)",
            qualifies: .port),
    ]

    static func receiver(_ name: String, _ unit: Unit, _ summary: String, max: Bool = false) -> ExpectationMetric {
        ExpectationMetric(
            name: name, unit: unit,
            summary: summary
                + (max ? " (largest over receivers, or one receiver)" : " (sum over receivers, or one receiver)"),
            qualifies: .receiver)
    }

    static let receiverMetrics: [ExpectationMetric] = [
        receiver("datagrams", .count, "UDP datagrams received"),
        receiver("payload-bytes", .bytes, "payload bytes received"),
        receiver("bad-checksums", .count, "datagrams with a bad IP or UDP checksum"),
        ExpectationMetric(
            name: "intact", unit: .yesNo,
            summary: "every receiver whose stream the scenario fixes got it byte for byte (or one receiver)",
            qualifies: .receiver),
        receiver("underflows", .count, "set-top box buffer underflows"),
        receiver("overflows", .count, "set-top box buffer overflows"),
        receiver("continuity-errors", .count, "MPEG-TS continuity-counter errors"),
        receiver("rtp-lost", .count, "RTP packets lost"),
        receiver("jitter", .time, "RFC 3550 interarrival jitter", max: true),
        receiver("mdi-df", .time, "RFC 4445 MDI delay factor", max: true),
        receiver("gap-p99", .time, "99th percentile of the gaps between datagrams", max: true),
        receiver("gap-max", .time, "largest gap between datagrams", max: true),
    ]

    static let runMetrics: [ExpectationMetric] = [
        ExpectationMetric(name: "segments", unit: .count, summary: "UDP segments built (all destinations, or one)",
                          qualifies: .receiver),
        ExpectationMetric(name: "refused-calls", unit: .count, summary: "application calls the OS refused",
                          qualifies: .none),
        ExpectationMetric(name: "streams-per-core", unit: .count, summary: "streams one server core sustains",
                          qualifies: .none),
        ExpectationMetric(name: "events", unit: .count, summary: "events the simulator handled", qualifies: .none),
        ExpectationMetric(name: "end-time", unit: .time, summary: "virtual time at the end of the run",
                          qualifies: .none),
    ]
}

extension ExpectationSpec {
    /// Reads one `expect:` value: a number, yes/no, or "OP VALUE" where VALUE is a number or a quantity in the
    /// figure's unit.
    static func parse(metric: ExpectationMetric, qualifier: String?, value node: ScenarioNode) throws(ScenarioError)
        -> ExpectationSpec
    {
        let line = node.node.mark?.line ?? 0
        guard let raw = node.scalarTextOrNil?.trimmingSpaces, !raw.isEmpty else {
            throw node.expected("a number, yes/no, or a comparison such as \"< 64KiB\"")
        }
        var comparison = Comparison.equal
        var text = Substring(raw)
        // Longest operators first, so that "<=" is not read as "<".
        for op in [Comparison.lessOrEqual, .greaterOrEqual, .equal, .notEqual, .less, .greater]
        where text.hasPrefix(op.rawValue) {
            comparison = op
            text = text.dropFirst(op.rawValue.count)
            break
        }
        let boundText = String(text).trimmingSpaces
        guard let bound = quantity(boundText, unit: metric.unit) else {
            let hint: String
            switch metric.unit {
            case .bytes: hint = "a size such as 64KiB or 1514"
            case .time: hint = "a duration such as 10ms or 500us"
            case .yesNo: hint = "true or false"
            case .count, .ratio: hint = "a number"
            }
            throw node.error(
                "expected \(hint) after the comparison for \(metric.name), got \(ScenarioNode.quoted(boundText))")
        }
        return ExpectationSpec(metric: metric.name, qualifier: qualifier, comparison: comparison, bound: bound,
                               boundText: boundText, line: line)
    }

    static func quantity(_ text: String, unit: ExpectationMetric.Unit) -> Double? {
        switch unit {
        case .yesNo:
            switch text {
            case "true", "yes": return 1
            case "false", "no": return 0
            default: return nil
            }
        case .bytes: return Units.bytes(text).map(Double.init)
        case .time: return Units.picoseconds(text).map(Double.init)
        case .count, .ratio:
            guard let v = Double(text), v.isFinite else { return nil }
            return v
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

extension ScenarioParser {
    /// Decodes the `expect:` mapping: figure names (optionally `.QUALIFIER`) to bounds.
    static func decodeExpectations(_ node: ScenarioNode, spec: ScenarioSpec) throws(ScenarioError) -> [ExpectationSpec]
    {
        if node.isNull { return [] }
        guard case .mapping(let mapping) = node.node else {
            throw node.expected("a mapping of figure names to bounds, such as { interrupts-per-write: 1 }")
        }
        var result: [ExpectationSpec] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            let keyField = ScenarioNode(file: node.file, path: node.path, node: keyNode, keyMark: nil)
            guard case .scalar(let keyScalar) = keyNode else { throw keyField.error("expected a figure name as a key") }
            let key = keyScalar.string
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard let metricName = parts.first, let metric = ExpectationMetric.named(metricName) else {
                throw keyField.error("unknown figure \(ScenarioNode.quoted(key)); expected one of: "
                    + ExpectationMetric.all.map(\.name).joined(separator: ", "))
            }
            let child = ScenarioNode(file: node.file, path: node.childPath(key), node: value, keyMark: keyNode.mark)
            // `figure: { NAME: bound, … }` is the same as `figure.NAME: bound` for each name.
            var items: [(qualifier: String?, keyField: ScenarioNode, value: ScenarioNode)] = []
            if parts.count == 1, case .mapping(let perName) = value {
                for (nameNode, bound) in perName {
                    let nameField = ScenarioNode(file: node.file, path: child.path, node: nameNode, keyMark: nil)
                    guard case .scalar(let nameScalar) = nameNode else {
                        throw nameField.error("expected a name as a key")
                    }
                    items.append((nameScalar.string, nameField,
                                  ScenarioNode(file: node.file, path: child.childPath(nameScalar.string), node: bound,
                                               keyMark: nameNode.mark)))
                }
            } else {
                items.append((parts.count > 1 ? parts[1] : nil, keyField, child))
            }
            for item in items {
                if let q = item.qualifier {
                    let names: [String]
                    switch metric.qualifies {
                    case .none: throw item.keyField.error("\(metric.name) is a whole-run figure; it takes no \".\(q)\"")
                    case .receiver: names = spec.receivers.map(\.name)
                    case .port: names = [spec.server.name] + spec.receivers.map(\.name)
                    case .host: names = [spec.server.name] + spec.receivers.filter { $0.kind == .host }.map(\.name)
                    }
                    guard names.contains(q) else {
                        throw item.keyField.error(
                            "\(metric.name).\(q): no such name; expected one of: " + names.joined(separator: ", "))
                    }
                }
                let full = item.qualifier.map { "\(metric.name).\($0)" } ?? metric.name
                guard seen.insert(full).inserted else { throw item.keyField.error("\(full): duplicate expectation") }
                result.append(try ExpectationSpec.parse(metric: metric, qualifier: item.qualifier, value: item.value))
            }
        }
        return result
    }
}
