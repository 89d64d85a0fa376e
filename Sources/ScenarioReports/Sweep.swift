import Foundation
import NetworkModel
import ScenarioFormat
import ScenarioWorld

/// A parameter sweep (`nicsim sweep`): one scenario, every combination of the values given per key, each run with
/// several seeds.
///
/// The runs of a sweep are numbered in one fixed order, variant by variant (the first key varies slowest, as in
/// ``Comparison/combinations(_:)``) and within a variant seed by seed. Everything a sweep writes is sorted by that
/// number, so neither the number of processes nor the split into shards changes a byte of it.
public struct Sweep: Codable, Hashable, Sendable {
    /// One swept key and the values it takes, in the order given.
    public struct Dimension: Codable, Hashable, Sendable {
        /// The dotted key path (`server.driver.mode`).
        public var key: String
        public var values: [String]

        public init(key: String, values: [String]) {
            self.key = key
            self.values = values
        }

        /// The key as the path `ScenarioOverride` takes.
        public var path: [String] { key.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
    }

    /// One share of a sweep: shard `index` of `count` (1-based) takes the runs whose number modulo `count` is
    /// `index - 1`, so every shard gets some of every variant.
    public struct Shard: Codable, Hashable, Sendable, CustomStringConvertible {
        public var index: Int
        public var count: Int

        /// Parses `K/N` with 1 ≤ K ≤ N; nil otherwise.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else {
                return nil
            }
            index = k
            count = n
        }

        public var description: String { "\(index)/\(count)" }

        /// Whether run number `run` belongs to this shard.
        public func contains(_ run: Int) -> Bool { run % count == index - 1 }
    }

    /// The scenario's name (its `name:` or the file's base name).
    public var scenario: String
    /// FNV-1a 64 of the scenario file's bytes, in hex: shards of one sweep must have read the same file.
    public var scenarioDigest: String
    public var dimensions: [Dimension]
    /// How many seeds each variant runs with: the variant's own seed and the next `seeds - 1`.
    public var seeds: Int
    /// The `--limit NAME=VALUE` scenario limits every run is given, in order.
    public var limits: [String]
    /// The share of the sweep this directory holds; nil for the whole product.
    public var shard: Shard?

    public init(scenario: String, scenarioDigest: String, dimensions: [Dimension], seeds: Int, limits: [String],
                shard: Shard? = nil) {
        self.scenario = scenario
        self.scenarioDigest = scenarioDigest
        self.dimensions = dimensions
        self.seeds = seeds
        self.limits = limits
        self.shard = shard.flatMap { $0.count == 1 ? nil : $0 }
    }

    /// The digest ``scenarioDigest`` holds for these bytes.
    public static func digest(_ bytes: [UInt8]) -> String {
        var hash = FNV1a64()
        hash.add(bytes)
        let hex = String(hash.value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// How many variants the product has.
    public var variantCount: Int { dimensions.reduce(1) { $0 * $1.values.count } }

    /// How many runs the whole product has (variants × seeds); nil when that overflows.
    public var runCount: Int? {
        var n = seeds
        for d in dimensions {
            let (product, overflow) = n.multipliedReportingOverflow(by: d.values.count)
            if overflow { return nil }
            n = product
        }
        return n
    }

    /// The variant and seed index of run number `run`.
    public func position(of run: Int) -> (variant: Int, seedIndex: Int) { (run / seeds, run % seeds) }

    /// The overrides of every variant, in run order: ``Comparison/combinations(_:)`` of the dimensions (compute it
    /// once; a sweep of many variants is a long list).
    public func variants() -> [[ScenarioOverride]] {
        Comparison.combinations(dimensions.map { (path: $0.path, values: $0.values) })
    }

    /// A variant's label in tables: its values separated by spaces, as `nicsim compare` labels a column.
    public static func label(_ variant: [ScenarioOverride]) -> String { variant.map(\.value).joined(separator: " ") }

    /// The run numbers this sweep (or its shard) holds, in order.
    public var runs: [Int] {
        guard let count = runCount else { return [] }
        guard let shard else { return Array(0..<count) }
        return Array(stride(from: shard.index - 1, to: count, by: shard.count))
    }

    /// Whether `other` is the same sweep, whichever share of it each holds.
    public func sameProduct(as other: Sweep) -> Bool {
        var a = self
        var b = other
        a.shard = nil
        b.shard = nil
        return a == b
    }

    /// The sweep as one line of JSON with sorted keys (the `sweep.json` of an output directory).
    public func json() -> String { Sweep.line(self) }

    /// One value as compact JSON with sorted keys and a newline: the same bytes on every machine.
    static func line<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// What one run of a sweep gave: a line of the sweep's `results.jsonl`.
public struct SweepResult: Codable, Hashable, Sendable {
    /// How a run ended.
    public enum Status: String, Codable, Sendable {
        /// The run ended and every expectation held.
        case ok
        /// The run ended but an expectation of the scenario failed (the report says which).
        case expectationsFailed = "expectations-failed"
        /// The run could not start or stopped with an error (bad value, bad environment).
        case failed
        /// The run was killed by a signal or timed out.
        case killed

        /// Whether the run finished and needs no rerun when a sweep resumes.
        public var isDone: Bool { self == .ok || self == .expectationsFailed }
    }

    /// The run's number in the sweep's order.
    public var run: Int
    /// The swept keys and the values this run had.
    public var variant: [String: String]
    public var seed: UInt64
    public var status: Status
    /// What went wrong, for runs that did not end ok.
    public var error: String?
    /// The comparison table's figures by name (durations in picoseconds, their names end in "(ps)").
    public var figures: [String: Int64]?
    /// The run's whole report, for runs that ended.
    public var report: Report?

    public init(run: Int, variant: [String: String], seed: UInt64, status: Status, error: String? = nil,
                report: Report? = nil) {
        self.run = run
        self.variant = variant
        self.seed = seed
        self.status = status
        self.error = error
        self.report = report
        if let report {
            let categories = report.hosts.first?.cycles.keys.sorted() ?? []
            let names = Comparison.figureNames(cycleCategories: categories)
            var figures: [String: Int64] = [:]
            for (name, figure) in zip(names, Comparison.figures(of: report, cycleCategories: categories)) {
                guard let figure else { continue }
                figures[SweepResult.column(name, figure.unit)] = figure.number
            }
            self.figures = figures
        }
    }

    /// A figure's name where it stands alone: without the table's indent, with its unit ("mean write completion
    /// (ps)").
    public static func column(_ name: String, _ unit: String?) -> String {
        let trimmed = name.drop { $0 == " " }
        return unit.map { "\(trimmed) (\($0))" } ?? String(trimmed)
    }

    /// The result as one line of JSON with sorted keys.
    public func jsonLine() -> String { Sweep.line(self) }

    /// Reads the lines of a `results.jsonl`; a line that does not decode (a run cut off while it was written) is
    /// skipped, and a later line for the same run replaces an earlier one.
    public static func read(_ text: String) -> [Int: SweepResult] {
        let decoder = JSONDecoder()
        var results: [Int: SweepResult] = [:]
        for line in text.split(separator: "\n") {
            guard let r = try? decoder.decode(SweepResult.self, from: Data(line.utf8)) else { continue }
            results[r.run] = r
        }
        return results
    }
}
