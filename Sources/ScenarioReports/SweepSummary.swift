import Foundation
import ScenarioFormat
import ScenarioWorld
import SimCore

/// The summary of a sweep: `nicsim compare`'s table with one column per variant, each figure as its mean and
/// spread over the variant's seeds.
///
/// The spread is the sample standard deviation (n − 1 in the denominator; 0 for a single seed); the CSV also has
/// each figure's smallest and largest value. Runs that failed or were killed count in `failed` and in no figure.
public struct SweepSummary: Sendable {
    /// One figure of one variant over its seeds.
    public struct Cell: Hashable, Sendable {
        /// How many runs gave the figure.
        public var n: Int
        public var mean: Double
        /// Sample standard deviation over the runs.
        public var spread: Double
        public var min: Int64
        public var max: Int64
        /// A figure of the runs (all have the same kind; a fraction's whole is the first run's).
        public var sample: Comparison.Figure

        init?(_ figures: [Comparison.Figure]) {
            guard let first = figures.first else { return nil }
            let numbers = figures.map(\.number)
            n = numbers.count
            let sum = numbers.reduce(0.0) { $0 + Double($1) }
            let mean = sum / Double(n)
            let squares = numbers.reduce(0.0) { total, x in total + (Double(x) - mean) * (Double(x) - mean) }
            self.mean = mean
            spread = n > 1 ? (squares / Double(n - 1)).squareRoot() : 0
            min = numbers.min() ?? 0
            max = numbers.max() ?? 0
            sample = first
        }

        /// The table's text: the value as `nicsim compare` prints it for one seed, else "mean ±spread".
        public var text: String {
            if n == 1 { return sample.description }
            switch sample {
            case .count: return "\(SweepSummary.decimal(mean)) ±\(SweepSummary.decimal(spread))"
            case .duration:
                return "\(SweepSummary.duration(mean)) ±\(SweepSummary.duration(spread))"
            case .fraction(_, let whole):
                return "\(SweepSummary.decimal(mean))/\(whole) ±\(SweepSummary.decimal(spread))"
            }
        }
    }

    public var sweep: Sweep
    /// Variant labels, in run order.
    public var labels: [String]
    /// Each variant's values, one per dimension.
    public var values: [[String]]
    /// The figure names, as the comparison table's rows.
    public var names: [String]
    /// `cells[figure][variant]`: nil where no run of the variant gave the figure.
    public var cells: [[Cell?]]
    /// Per variant: runs that ended (ok or with a failed expectation), and runs that failed or were killed.
    public var ended: [Int]
    public var failed: [Int]
    /// The runs that did not end, in run order.
    public var failures: [SweepResult]

    /// Summarises `results` (any order; one per run) of `sweep`.
    public init(sweep: Sweep, results: [SweepResult]) {
        self.sweep = sweep
        let variants = sweep.variants()
        labels = variants.map(Sweep.label)
        values = variants.map { $0.map(\.value) }
        let sorted = results.sorted { $0.run < $1.run }
        var categories = Set<String>()
        for r in sorted { if let cycles = r.report?.hosts.first?.cycles { categories.formUnion(cycles.keys) } }
        let orderedCategories = categories.sorted()
        names = Comparison.figureNames(cycleCategories: orderedCategories)
        var perVariant = Array(repeating: [[Comparison.Figure?]](), count: variants.count)
        ended = Array(repeating: 0, count: variants.count)
        failed = Array(repeating: 0, count: variants.count)
        failures = []
        for r in sorted {
            let v = sweep.position(of: r.run).variant
            guard v < variants.count else { continue }
            guard r.status.isDone, let report = r.report else {
                failed[v] += 1
                failures.append(r)
                continue
            }
            ended[v] += 1
            perVariant[v].append(Comparison.figures(of: report, cycleCategories: orderedCategories))
        }
        cells = names.indices.map { i in perVariant.map { runs in Cell(runs.compactMap { $0[i] }) } }
    }

    /// The table as aligned text, like `nicsim compare`'s, with a line per run that did not end.
    public func text() -> String {
        let seeds = sweep.seeds == 1 ? "1 seed" : "\(sweep.seeds) seeds, mean ±spread"
        var out = "nicsim sweep: \(sweep.scenario) (\(seeds))\n\n"
        var rows = zip(names, cells).map { [$0] + $1.map { $0?.text ?? "-" } }
        rows.append(["runs ended"] + ended.map { "\($0)" })
        rows.append(["runs failed"] + failed.map { "\($0)" })
        out += table([""] + labels, rows)
        if !failures.isEmpty {
            out += "\nRuns that did not end:\n"
            for f in failures {
                out += "  run \(f.run) (\(label(f)) seed \(f.seed)): \(f.status.rawValue): \(f.error ?? "")\n"
            }
        }
        return out
    }

    func label(_ r: SweepResult) -> String {
        let v = sweep.position(of: r.run).variant
        return labels.indices.contains(v) ? labels[v] : "?"
    }

    /// The summary as CSV: one row per variant, a column per swept key, then runs ended and failed, then per
    /// figure its mean, spread, min and max (empty where no run gave it).
    public func csv() -> String {
        var header = sweep.dimensions.map(\.key) + ["runs ended", "runs failed"]
        let columns = names.indices.map { i in
            SweepResult.column(names[i], cells[i].lazy.compactMap { $0 }.first?.sample.unit)
        }
        for c in columns { header += ["\(c) mean", "\(c) spread", "\(c) min", "\(c) max"] }
        var out = SweepSummary.csvLine(header)
        for v in labels.indices {
            var row = values[v] + ["\(ended[v])", "\(failed[v])"]
            for i in names.indices {
                if let c = cells[i][v] {
                    row += [SweepSummary.decimal(c.mean), SweepSummary.decimal(c.spread), "\(c.min)", "\(c.max)"]
                } else {
                    row += ["", "", "", ""]
                }
            }
            out += SweepSummary.csvLine(row)
        }
        return out
    }

    static func csvLine(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\n"
    }

    /// Picoseconds as a duration, rounded (and held within what a duration can hold).
    static func duration(_ ps: Double) -> SimDuration {
        SimDuration(rawValue: Int64(exactly: ps.rounded()) ?? (ps < 0 ? Int64.min : Int64.max))
    }

    /// A number with at most three decimals and no trailing zeros: the same text on every machine.
    public static func decimal(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        let r = (v * 1000).rounded() / 1000
        if r == r.rounded(), abs(r) < 9e15 { return String(Int64(r)) }
        return String(r)
    }
}
